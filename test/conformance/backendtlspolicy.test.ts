/**
 * The Gateway API conformance tests for BackendTLSPolicy and Gateway backend client certificates
 * (v1.6.1, research/conformance.md section 2), reproduced end to end against a real
 * `lastmile serve` in standalone mode: the suite's objects, its edits in the same order, and its
 * assertions with the same semantics, each test named after its ShortName and each subtest after
 * the suite's subtest. See fixtures.ts for the standalone adaptations.
 *
 * One gateway process serves the whole suite, as one implementation serves the real one; tests
 * run in parallel (`Parallel: true` since v1.6.0), each applying and then deleting its own
 * manifest file next to the shared base manifests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SUPPORTED_FEATURES } from '../../src/translate/features.ts';
import { ConformanceSuite, GATEWAY_CLASS } from './fixtures.ts';
import { BackendTLSPolicy } from './tests/backendtlspolicy.ts';
import { BackendTLSPolicyConflictResolution } from './tests/backendtlspolicy-conflict-resolution.ts';
import { BackendTLSPolicyInvalidCACertificateRef } from './tests/backendtlspolicy-invalid-ca-certificate-ref.ts';
import { BackendTLSPolicyInvalidKind } from './tests/backendtlspolicy-invalid-kind.ts';
import { BackendTLSPolicyObservedGenerationBump } from './tests/backendtlspolicy-observed-generation-bump.ts';
import { BackendTLSPolicySANValidation } from './tests/backendtlspolicy-san.ts';
import { GatewayInvalidTLSBackendConfiguration } from './tests/gateway-invalid-tls-backend-configuration.ts';
import { GatewayTLSBackendClientCertificate } from './tests/gateway-tls-backend-client-certificate.ts';
import { poll } from './kubernetes.ts';
import type { ConformanceTest } from './tests/types.ts';

const TESTS: readonly ConformanceTest[] = [
  BackendTLSPolicy,
  BackendTLSPolicyConflictResolution,
  BackendTLSPolicyInvalidCACertificateRef,
  BackendTLSPolicyInvalidKind,
  BackendTLSPolicyObservedGenerationBump,
  BackendTLSPolicySANValidation,
  GatewayTLSBackendClientCertificate,
  GatewayInvalidTLSBackendConfiguration,
];

/** The features these tests exercise: lastmile claims them (features.ts) because they pass. */
const BACKEND_TLS_FEATURES = ['BackendTLSPolicy', 'BackendTLSPolicySANValidation', 'GatewayBackendClientCertificate'];

describe('Gateway API conformance: BackendTLSPolicy (standalone lastmile serve)', { concurrency: TESTS.length }, () => {
  let suite: ConformanceSuite;

  before(async () => {
    suite = await ConformanceSuite.start();
  });

  after(async () => {
    const code = await suite?.stop();
    assert.equal(code, 0, 'the gateway stops cleanly on SIGTERM');
  });

  for (const ct of TESTS) {
    // A test runs only when the implementation claims all its features (conformance.md 1.1).
    const missing = ct.features.filter((f) => !SUPPORTED_FEATURES.includes(f));
    test(ct.shortName, { skip: missing.length > 0 ? `unsupported features: ${missing.join(', ')}` : false, concurrency: true }, (t) => ct.run(t, suite));
  }

  test('GatewayClass status.supportedFeatures lists BackendTLSPolicy, BackendTLSPolicySANValidation and GatewayBackendClientCertificate', async () => {
    let listed: string[] = [];
    await poll(`GatewayClass ${GATEWAY_CLASS} supportedFeatures`, 20_000, async () => {
      const gc = await suite.get(`/apis/gateway.networking.k8s.io/v1/gatewayclasses/${GATEWAY_CLASS}`);
      listed = (gc?.status?.supportedFeatures ?? []).map((f: { name: string } | string) => (typeof f === 'string' ? f : f.name));
      return listed.length > 0 || `no supportedFeatures yet: ${JSON.stringify(gc?.status)}`;
    });
    for (const f of BACKEND_TLS_FEATURES) assert.ok(listed.includes(f), `${f} missing from ${listed.join(', ')}`);
    assert.deepEqual(listed, [...SUPPORTED_FEATURES], 'the GatewayClass lists exactly what features.ts claims');
  });
});
