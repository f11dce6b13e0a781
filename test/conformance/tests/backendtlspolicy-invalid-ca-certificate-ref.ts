/**
 * conformance/tests/backendtlspolicy-invalid-ca-certificate-ref.go (conformance.md 2.3): a policy
 * whose only CA reference names a missing ConfigMap, or one without `ca.crt`, is not accepted
 * (NoValidCACertificate / InvalidCACertificateRef) and its backend answers 500, 502 or 503 —
 * never plaintext, never an unverified connection.
 */
import { backendTlsPolicy, configMap, httpRoute, service, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { makeRequestAndExpectEventuallyConsistentResponse } from '../http.ts';
import { backendTlsPolicyMustHaveCondition as mustHave, gatewayAndRoutesMustBeAccepted, namespacesMustBeReady } from '../kubernetes.ts';
import { invalidCaCertificateRef, noValidCaCertificate, type ConformanceTest } from './types.ts';

const MANIFEST = 'backendtlspolicy-invalid-ca-certificate-ref';

function manifests(suite: ConformanceSuite): Obj[] {
  const b = suite.tlsBackend;
  return [
    httpRoute(
      'backendtlspolicy-invalid-ca-certificate-ref',
      'same-namespace',
      ['abc.example.com'],
      [
        { path: '/backendtlspolicy-nonexistent-ca-certificate-ref', service: 'backendtlspolicy-nonexistent-ca-certificate-ref-test', port: 443 },
        { path: '/backendtlspolicy-malformed-ca-certificate-ref', service: 'backendtlspolicy-malformed-ca-certificate-ref-test', port: 443 },
      ],
      { parentNamespace: true, explicitGroupKind: false },
    ),
    ...service('backendtlspolicy-nonexistent-ca-certificate-ref-test', [{ name: 'https', port: 443, appProtocol: 'HTTPS' }], b),
    ...service('backendtlspolicy-malformed-ca-certificate-ref-test', [{ name: 'https', port: 443, appProtocol: 'HTTPS' }], b),
    backendTlsPolicy('nonexistent-ca-certificate-ref', { service: 'backendtlspolicy-nonexistent-ca-certificate-ref-test', caRefs: [{ name: 'nonexistent-ca-certificate' }], hostname: 'abc.example.com' }),
    backendTlsPolicy('malformed-ca-certificate-ref', { service: 'backendtlspolicy-malformed-ca-certificate-ref-test', caRefs: [{ name: 'malformed-ca-certificate' }], hostname: 'abc.example.com' }),
    configMap('malformed-ca-certificate', {}),
  ];
}

export const BackendTLSPolicyInvalidCACertificateRef: ConformanceTest = {
  shortName: 'BackendTLSPolicyInvalidCACertificateRef',
  description:
    'A BackendTLSPolicy that specifies a single invalid CACertificateRef should have the Accepted and ResolvedRefs status condition set False with appropriate reasons, and HTTP requests to a backend targeted by this policy should fail with a 5xx response.',
  features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite));
    t.after(() => suite.remove(MANIFEST));
    const gw = 'same-namespace';
    await namespacesMustBeReady(suite);
    const address = await gatewayAndRoutesMustBeAccepted(suite, gw, ['backendtlspolicy-invalid-ca-certificate-ref']);

    for (const policy of ['nonexistent-ca-certificate-ref', 'malformed-ca-certificate-ref']) {
      await t.test(`BackendTLSPolicy_${policy}`, async (t) => {
        await t.test('BackendTLSPolicy with a single invalid CACertificateRef has a Accepted Condition with status False and Reason NoValidCACertificate', () =>
          mustHave(suite, policy, gw, noValidCaCertificate),
        );
        await t.test('BackendTLSPolicy with a single invalid CACertificateRef has a ResolvedRefs Condition with status False and Reason InvalidCACertificateRef', () =>
          mustHave(suite, policy, gw, invalidCaCertificateRef),
        );
        await t.test('HTTP Request to backend targeted by an invalid BackendTLSPolicy receive a 5xx', () =>
          makeRequestAndExpectEventuallyConsistentResponse(suite, address, { request: { host: 'abc.example.com', path: `/backendtlspolicy-${policy}` }, statusCodes: [500, 502, 503] }),
        );
      });
    }
  },
};
