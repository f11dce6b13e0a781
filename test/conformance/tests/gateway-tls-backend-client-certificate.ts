/**
 * conformance/tests/gateway-tls-backend-client-certificate.go (conformance.md 2.7): a Gateway
 * with spec.tls.backend.clientCertificateRef presents that certificate — byte-identical — when
 * it connects to a backend under a BackendTLSPolicy; the backend verifies it if given.
 */
import { backendTlsPolicy, httpRoute, service, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { makeRequestAndExpectEventuallyConsistentResponse } from '../http.ts';
import { backendTlsPolicyMustHaveAcceptedConditionTrue, gatewayAndRoutesMustBeAccepted, gatewayMustHaveCondition, httpRouteMustHaveResolvedRefsConditionsTrue, namespacesMustBeReady } from '../kubernetes.ts';
import { resolvedRefsTrue, type ConformanceTest } from './types.ts';

const MANIFEST = 'gateway-tls-backend-client-certificate';
const NAME = 'gateway-tls-backend-client-certificate';

function manifests(suite: ConformanceSuite): Obj[] {
  return [
    suite.gatewayObject(NAME, [{ name: 'http', protocol: 'HTTP' }], { tls: { backend: { clientCertificateRef: { group: '', kind: 'Secret', name: 'tls-checks-client-certificate' } } } }),
    httpRoute(NAME, NAME, ['abc.example.com'], [{ path: '/', service: 'tls-backend-with-client-cert-validation', port: 443 }], { parentNamespace: true }),
    backendTlsPolicy(`${NAME}-test`, { service: 'tls-backend-with-client-cert-validation', caRefs: [{ name: 'tls-checks-ca-certificate' }], hostname: 'abc.example.com' }),
    ...service('tls-backend-with-client-cert-validation', [{ name: 'https', port: 443 }], suite.tlsBackendWithClientCertValidation, { app: 'tls-backend-with-client-cert-validation' }),
  ];
}

export const GatewayTLSBackendClientCertificate: ConformanceTest = {
  shortName: 'GatewayTLSBackendClientCertificate',
  description: 'A Gateway with a client certificate configured should present the certificate when connecting to a backend using TLS.',
  features: ['Gateway', 'GatewayBackendClientCertificate', 'HTTPRoute', 'BackendTLSPolicy'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite));
    t.after(() => suite.remove(MANIFEST));
    await namespacesMustBeReady(suite);
    const address = await gatewayAndRoutesMustBeAccepted(suite, NAME, [NAME]);
    await httpRouteMustHaveResolvedRefsConditionsTrue(suite, NAME, NAME);
    await backendTlsPolicyMustHaveAcceptedConditionTrue(suite, `${NAME}-test`, NAME);
    await gatewayMustHaveCondition(suite, NAME, resolvedRefsTrue);

    await t.test('HTTP request sent to Service using TLS should succeed and the configured client certificate should be presented.', async () => {
      // kubernetes.GetTLSSecret: the PEM of tls-checks-client-certificate's tls.crt.
      const expectedClientCert = suite.pki.client.certPem;
      await makeRequestAndExpectEventuallyConsistentResponse(suite, address, {
        request: { path: '/', host: 'abc.example.com', sni: 'abc.example.com', clientCert: expectedClientCert },
      });
    });
  },
};
