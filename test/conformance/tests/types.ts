/** The shape of one conformance scenario (conformance/utils/suite ConformanceTest). */
import type { TestContext } from 'node:test';
import type { ConformanceSuite } from '../fixtures.ts';
import type { Condition } from '../kubernetes.ts';

export interface ConformanceTest {
  /** The suite's ShortName: the node:test name, so a failure points at the spec. */
  readonly shortName: string;
  readonly description: string;
  /** Features the test needs (`pkg/features` names); it runs only when all are claimed. */
  readonly features: readonly string[];
  /** Applies the manifests, runs the assertions, and removes the manifests afterwards. */
  run(t: TestContext, suite: ConformanceSuite): Promise<void>;
}

export const acceptedTrue: Condition = { type: 'Accepted', status: 'True', reason: 'Accepted' };
export const resolvedRefsTrue: Condition = { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' };
export const noValidCaCertificate: Condition = { type: 'Accepted', status: 'False', reason: 'NoValidCACertificate' };
export const invalidCaCertificateRef: Condition = { type: 'ResolvedRefs', status: 'False', reason: 'InvalidCACertificateRef' };
export const conflicted: Condition = { type: 'Accepted', status: 'False', reason: 'Conflicted' };
