/**
 * conformance/tests/backendtlspolicy-invalid-kind.go (conformance.md 2.4): a CA reference of an
 * unsupported group/kind makes the policy NoValidCACertificate / InvalidKind, and its backend
 * answers 500, 502 or 503.
 */
import { backendTlsPolicy, httpRoute, service, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { makeRequestAndExpectEventuallyConsistentResponse } from '../http.ts';
import { backendTlsPolicyMustHaveCondition as mustHave, gatewayAndRoutesMustBeAccepted, namespacesMustBeReady } from '../kubernetes.ts';
import { noValidCaCertificate, type ConformanceTest } from './types.ts';

const MANIFEST = 'backendtlspolicy-invalid-kind';

function manifests(suite: ConformanceSuite): Obj[] {
  return [
    httpRoute('backendtlspolicy-invalid-kind-test', 'same-namespace', ['abc.example.com'], [{ path: '/backendtlspolicy-invalid-kind', service: 'backendtlspolicy-invalid-kind-test', port: 443 }], {
      parentNamespace: true,
      explicitGroupKind: false,
    }),
    ...service('backendtlspolicy-invalid-kind-test', [{ name: 'https', port: 443, appProtocol: 'HTTPS' }], suite.tlsBackend),
    backendTlsPolicy('invalid-kind', { service: 'backendtlspolicy-invalid-kind-test', caRefs: [{ group: 'invalid.io', kind: 'InvalidKind', name: 'invalid-kind' }], hostname: 'abc.example.com' }),
  ];
}

export const BackendTLSPolicyInvalidKind: ConformanceTest = {
  shortName: 'BackendTLSPolicyInvalidKind',
  description:
    'A BackendTLSPolicy that specifies a single CACertificateRef with an invalid kind should have the Accepted and ResolvedRefs status condition set False with appropriate reasons, and HTTP requests to a backend targeted by this policy should fail with a 5xx response.',
  features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite));
    t.after(() => suite.remove(MANIFEST));
    const gw = 'same-namespace';
    await namespacesMustBeReady(suite);
    const address = await gatewayAndRoutesMustBeAccepted(suite, gw, ['backendtlspolicy-invalid-kind-test']);
    const policy = 'invalid-kind';

    await t.test('BackendTLSPolicy with a single invalid CACertificateRef has a Accepted Condition with status False and Reason NoValidCACertificate', () =>
      mustHave(suite, policy, gw, noValidCaCertificate),
    );
    await t.test('BackendTLSPolicy with a single invalid CACertificateRef has a ResolvedRefs Condition with status False and Reason InvalidKind', () =>
      mustHave(suite, policy, gw, { type: 'ResolvedRefs', status: 'False', reason: 'InvalidKind' }),
    );
    await t.test('HTTP Request to backend targeted by an invalid BackendTLSPolicy receive a 5xx', () =>
      makeRequestAndExpectEventuallyConsistentResponse(suite, address, { request: { host: 'abc.example.com', path: `/backendtlspolicy-${policy}` }, statusCodes: [500, 502, 503] }),
    );
  },
};
