/**
 * conformance/tests/gateway-invalid-tls-backend-configuration.go (conformance.md 2.8): a Gateway
 * whose backend client certificate reference cannot be used stays Accepted but reports
 * ResolvedRefs=False — InvalidClientCertificateRef, or RefNotPermitted across namespaces without
 * a ReferenceGrant. No traffic is sent.
 */
import { NS, WEB_BACKEND_NS, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { gatewayMustHaveCondition, gatewayMustHaveLatestConditions } from '../kubernetes.ts';
import type { ConformanceTest } from './types.ts';

const MANIFEST = 'gateway-invalid-tls-backend-configuration';

const CASES: readonly { name: string; gateway: string; ref: Obj; reason: string }[] = [
  {
    name: 'Nonexistent secret referenced as ClientCertificateRef in Gateway backend TLS configuration',
    gateway: 'gateway-client-certificate-nonexistent-secret',
    ref: { group: '', kind: 'Secret', name: 'nonexistent-certificate' },
    reason: 'InvalidClientCertificateRef',
  },
  {
    name: 'Unsupported group resource referenced as ClientCertificateRef in Gateway backend TLS configuration',
    gateway: 'gateway-client-certificate-unsupported-group',
    ref: { group: 'wrong.group.company.io', kind: 'Secret', name: 'tls-validity-checks-certificate' },
    reason: 'InvalidClientCertificateRef',
  },
  {
    name: 'Unsupported kind resource referenced as ClientCertificateRef inGateway backend TLS configuration',
    gateway: 'gateway-client-certificate-unsupported-kind',
    ref: { group: '', kind: 'WrongKind', name: 'tls-validity-checks-certificate' },
    reason: 'InvalidClientCertificateRef',
  },
  {
    name: 'Malformed secret referenced as ClientCertificateRef in Gateway backend TLS configuration',
    gateway: 'gateway-client-certificate-malformed-secret',
    ref: { group: '', kind: 'Secret', name: 'malformed-client-certificate' },
    reason: 'InvalidClientCertificateRef',
  },
  {
    name: 'Secret referenced from another namespace without any ReferenceGrant as ClientCertificateRef in Gateway backend TLS configuration',
    gateway: 'gateway-client-certificate-missing-reference-grant',
    ref: { group: '', kind: 'Secret', name: 'certificate', namespace: WEB_BACKEND_NS },
    reason: 'RefNotPermitted',
  },
];

function manifests(suite: ConformanceSuite): Obj[] {
  return [
    ...CASES.map((c) => suite.gatewayObject(c.gateway, [{ name: 'http', protocol: 'HTTP' }], { tls: { backend: { clientCertificateRef: c.ref } } })),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'malformed-client-certificate', namespace: NS }, data: {}, type: 'Opaque' },
  ];
}

export const GatewayInvalidTLSBackendConfiguration: ConformanceTest = {
  shortName: 'GatewayInvalidTLSBackendConfiguration',
  description: 'A Gateway should have ResolvedRefs condition set false if the Gateway has an invalid backend TLS configuration',
  features: ['Gateway', 'GatewayBackendClientCertificate', 'HTTPRoute', 'BackendTLSPolicy'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite));
    t.after(() => suite.remove(MANIFEST));
    // The suite runs these subtests in parallel (t.Parallel()).
    await Promise.all(
      CASES.map((c) =>
        t.test(c.name, async () => {
          await gatewayMustHaveLatestConditions(suite, c.gateway);
          await gatewayMustHaveCondition(suite, c.gateway, { type: 'ResolvedRefs', status: 'False', reason: c.reason });
          await gatewayMustHaveCondition(suite, c.gateway, { type: 'Accepted', status: 'True', reason: 'Accepted' });
        }),
      ),
    );
  },
};
