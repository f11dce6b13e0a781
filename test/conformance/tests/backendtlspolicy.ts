/**
 * conformance/tests/backendtlspolicy.go (conformance.md 2.1): a valid policy used through two
 * Gateways (plain HTTP, and re-encrypt behind an HTTPS listener), runtime hostname and CA
 * mismatches that must answer an HTTP error while the status stays True, and the v1.5 subtest
 * that edits the CA ConfigMap the policy references (each patch becomes a file rewrite).
 */
import { backendTlsPolicy, configMap, httpRoute, service, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { makeRequestAndExpectEventuallyConsistentResponse, makeRequestAndExpectFailure } from '../http.ts';
import { backendTlsPolicyMustHaveCondition as mustHave, gatewayAndRoutesMustBeAccepted, httpRouteMustHaveResolvedRefsConditionsTrue, namespacesMustBeReady } from '../kubernetes.ts';
import { acceptedTrue, invalidCaCertificateRef, noValidCaCertificate, resolvedRefsTrue, type ConformanceTest } from './types.ts';

const MANIFEST = 'backendtlspolicy';
const TEST_CM = 'tls-checks-ca-certificate-reconcile-test';

/** tests/backendtlspolicy.yaml, with the reconcile-test policy's CA refs and the extra ConfigMap as parameters. */
function manifests(suite: ConformanceSuite, reconcileCa: string, extra: readonly Obj[] = []): Obj[] {
  const b = suite.tlsBackend;
  return [
    httpRoute('backendtlspolicy', 'same-namespace', ['abc.example.com'], [
      { path: '/backendtlspolicy', service: 'backendtlspolicy-test', port: 443 },
      { path: '/backendtlspolicy-host-mismatch', service: 'backendtlspolicy-host-mismatch-test', port: 443 },
      { path: '/backendtlspolicy-cert-mismatch', service: 'backendtlspolicy-cert-mismatch-test', port: 443 },
      { path: '/backendtlspolicy-reconcile-test', service: 'backendtlspolicy-reconcile-test', port: 443 },
    ], { parentNamespace: true }),
    httpRoute('backendtlspolicy-reencrypt', 'same-namespace-with-https-listener', ['https-listener.org'], [{ path: '/backendtlspolicy', service: 'backendtlspolicy-test', port: 443 }], { parentNamespace: true }),
    ...service('backendtlspolicy-test', [{ name: 'btls', port: 443 }], b),
    ...service('backendtlspolicy-host-mismatch-test', [{ name: 'btls', port: 443, appProtocol: 'HTTPS' }], b),
    ...service('backendtlspolicy-cert-mismatch-test', [{ name: 'btls', port: 443, appProtocol: 'HTTPS' }], b),
    ...service('backendtlspolicy-reconcile-test', [{ name: 'btls', port: 443 }], b),
    backendTlsPolicy('normative-test', { service: 'backendtlspolicy-test', sectionName: 'btls', caRefs: [{ name: 'tls-checks-ca-certificate' }], hostname: 'abc.example.com' }),
    backendTlsPolicy('host-mismatch', { service: 'backendtlspolicy-host-mismatch-test', sectionName: 'btls', caRefs: [{ name: 'tls-checks-ca-certificate' }], hostname: 'mismatch.example.com' }),
    backendTlsPolicy('cert-mismatch', { service: 'backendtlspolicy-cert-mismatch-test', sectionName: 'btls', caRefs: [{ name: 'mismatch-ca-certificate' }], hostname: 'abc.example.com' }),
    backendTlsPolicy('reconcile-test', { service: 'backendtlspolicy-reconcile-test', sectionName: 'btls', caRefs: [{ name: reconcileCa }], hostname: 'abc.example.com' }),
    ...extra,
  ];
}

export const BackendTLSPolicy: ConformanceTest = {
  shortName: 'BackendTLSPolicy',
  description: 'BackendTLSPolicy must be used to configure TLS connection between gateway and backend',
  features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite, 'tls-checks-ca-certificate'));
    t.after(() => suite.remove(MANIFEST));

    await t.test('Re-encrypt HTTPS request sent to Service with valid BackendTLSPolicy should succeed', async () => {
      const gw = 'same-namespace-with-https-listener';
      await namespacesMustBeReady(suite);
      const address = await gatewayAndRoutesMustBeAccepted(suite, gw, ['backendtlspolicy-reencrypt']);
      await httpRouteMustHaveResolvedRefsConditionsTrue(suite, 'backendtlspolicy-reencrypt', gw);
      await mustHave(suite, 'normative-test', gw, acceptedTrue);
      await mustHave(suite, 'normative-test', gw, resolvedRefsTrue);
      // The client trusts the frontend certificate (tls-validity-checks-certificate) and sends
      // SNI https-listener.org; the backend must see the policy hostname as SNI.
      await makeRequestAndExpectEventuallyConsistentResponse(
        suite,
        address,
        { request: { host: 'https-listener.org', path: '/backendtlspolicy', sni: 'https-listener.org' }, expectedRequest: { path: '/backendtlspolicy', sni: 'abc.example.com' } },
        { serverCertificate: suite.pki.frontend.certPem, serverName: 'https-listener.org' },
      );
    });

    const gw = 'same-namespace';
    await namespacesMustBeReady(suite);
    const address = await gatewayAndRoutesMustBeAccepted(suite, gw, ['backendtlspolicy']);
    await httpRouteMustHaveResolvedRefsConditionsTrue(suite, 'backendtlspolicy', gw);

    await t.test('HTTP request sent to Service with valid BackendTLSPolicy should succeed', async () => {
      await mustHave(suite, 'normative-test', gw, acceptedTrue);
      await mustHave(suite, 'normative-test', gw, resolvedRefsTrue);
      await makeRequestAndExpectEventuallyConsistentResponse(suite, address, { request: { host: 'abc.example.com', path: '/backendtlspolicy', sni: 'abc.example.com' } });
    });

    await t.test('HTTP request sent to Service targeted by BackendTLSPolicy with mismatched hostname should return an HTTP error', async () => {
      await mustHave(suite, 'host-mismatch', gw, acceptedTrue);
      await mustHave(suite, 'host-mismatch', gw, resolvedRefsTrue);
      await makeRequestAndExpectFailure(suite, address, { request: { host: 'abc.example.org', path: '/backendtlspolicy-host-mismatch', sni: 'abc.example.com' } });
    });

    await t.test('HTTP request send to Service targeted by BackendTLSPolicy with mismatched cert should return HTTP error', async () => {
      await mustHave(suite, 'cert-mismatch', gw, acceptedTrue);
      await mustHave(suite, 'cert-mismatch', gw, resolvedRefsTrue);
      await makeRequestAndExpectFailure(suite, address, { request: { host: 'abc.example.com', path: '/backendtlspolicy-cert-mismatch', sni: 'abc.example.com' } });
    });

    await t.test('Changing the content of a ConfigMap used by BackendTLSPolicy as CA certificate should be reconciled by the controller', async () => {
      const policy = 'reconcile-test';
      const originalCa = suite.pki.ca.certPem;
      await mustHave(suite, policy, gw, acceptedTrue);
      await mustHave(suite, policy, gw, resolvedRefsTrue);
      // Patch caCertificateRefs to a ConfigMap that does not exist yet.
      await suite.apply(MANIFEST, manifests(suite, TEST_CM));
      await mustHave(suite, policy, gw, noValidCaCertificate);
      await mustHave(suite, policy, gw, invalidCaCertificateRef);
      // Create it with the real CA.
      await suite.apply(MANIFEST, manifests(suite, TEST_CM, [configMap(TEST_CM, { 'ca.crt': originalCa })]));
      await mustHave(suite, policy, gw, acceptedTrue);
      await mustHave(suite, policy, gw, resolvedRefsTrue);
      // Patch ca.crt to "".
      await suite.apply(MANIFEST, manifests(suite, TEST_CM, [configMap(TEST_CM, { 'ca.crt': '' })]));
      await mustHave(suite, policy, gw, noValidCaCertificate);
      await mustHave(suite, policy, gw, invalidCaCertificateRef);
      // Restore the CA.
      await suite.apply(MANIFEST, manifests(suite, TEST_CM, [configMap(TEST_CM, { 'ca.crt': originalCa })]));
      await mustHave(suite, policy, gw, acceptedTrue);
      await mustHave(suite, policy, gw, resolvedRefsTrue);
      // Restore the original refs (the test ConfigMap stays until cleanup, as in the suite).
      await suite.apply(MANIFEST, manifests(suite, 'tls-checks-ca-certificate', [configMap(TEST_CM, { 'ca.crt': originalCa })]));
    });
  },
};

