/**
 * conformance/tests/backendtlspolicy-observed-generation-bump.go (conformance.md 2.5): after a
 * spec edit (here a rewrite of the manifest with another validation.hostname) every condition
 * of every ancestor carries the new generation. The Service has no endpoints: that must not keep
 * the policy from being Accepted.
 */
import assert from 'node:assert/strict';
import { backendTlsPolicy, httpRoute, service, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { backendTlsPolicyMustHaveCondition, backendTlsPolicyMustHaveLatestConditions, getPolicy, namespacesMustBeReady } from '../kubernetes.ts';
import type { ConformanceTest } from './types.ts';

const MANIFEST = 'backendtlspolicy-observed-generation-bump';
const POLICY = 'observed-generation-bump';

function manifests(_suite: ConformanceSuite, hostname: string): Obj[] {
  return [
    httpRoute('backendtlspolicy-observed-generation-bump', 'same-namespace', undefined, [{ service: 'observed-generation-bump-test', port: 443 }], { explicitGroupKind: false }),
    // selector app: observed-generation-bump-test matches no pod: no endpoints.
    ...service('observed-generation-bump-test', [{ name: 'https', port: 443 }], undefined, { app: 'observed-generation-bump-test' }),
    backendTlsPolicy(POLICY, { service: 'observed-generation-bump-test', sectionName: 'https', caRefs: [{ name: 'tls-checks-ca-certificate' }], hostname }),
  ];
}

export const BackendTLSPolicyObservedGenerationBump: ConformanceTest = {
  shortName: 'BackendTLSPolicyObservedGenerationBump',
  description: 'A BackendTLSPolicy in the gateway-conformance-infra namespace should update the observedGeneration in all of its Status.Conditions after an update to the spec',
  features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite, 'abc.example.com'));
    t.after(() => suite.remove(MANIFEST));

    await t.test('observedGeneration should increment', async () => {
      await namespacesMustBeReady(suite);
      const original = await getPolicy(suite, POLICY);
      assert.ok(original, 'error getting BackendTLSPolicy');
      backendTlsPolicyMustHaveLatestConditions(original); // sanity check

      await suite.apply(MANIFEST, manifests(suite, 'foo.example.com'));
      await backendTlsPolicyMustHaveCondition(suite, POLICY, 'same-namespace', { type: 'Accepted', status: 'True', reason: '' });

      const updated = await getPolicy(suite, POLICY);
      assert.ok(updated, 'error getting BackendTLSPolicy');
      backendTlsPolicyMustHaveLatestConditions(updated); // sanity check
      assert.notEqual(original.metadata.generation, updated.metadata.generation, 'generation should change after an update');
    });
  },
};
