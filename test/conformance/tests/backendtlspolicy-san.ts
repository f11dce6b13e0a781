/**
 * conformance/tests/backendtlspolicy-san.go (conformance.md 2.6): with subjectAltNames set, the
 * backend certificate is authenticated against those SANs only (DNS and URI); the hostname is
 * still the SNI but no longer authenticates. Mismatching policies stay Accepted and their
 * requests answer an HTTP error.
 */
import { backendTlsPolicy, httpRoute, service, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { makeRequestAndExpectEventuallyConsistentResponse, makeRequestAndExpectFailure } from '../http.ts';
import { backendTlsPolicyMustHaveCondition as mustHave, gatewayAndRoutesMustBeAccepted, httpRouteMustHaveResolvedRefsConditionsTrue, namespacesMustBeReady } from '../kubernetes.ts';
import { acceptedTrue, type ConformanceTest } from './types.ts';

const MANIFEST = 'backendtlspolicy-san';
const dns = (hostname: string): Obj => ({ type: 'Hostname', hostname });
const uri = (value: string): Obj => ({ type: 'URI', uri: value });

/** x -> subjectAltNames of policy x (Service backendtlspolicy-x-test, path /backendtlspolicy-x). */
const CASES: readonly (readonly [name: string, sans: readonly Obj[]])[] = [
  ['san-dns', [dns('abc.example.com')]],
  ['san-dns-mismatch', [dns('dce.example.com')]],
  ['san-uri', [uri('spiffe://abc.example.com/test-identity')]],
  ['san-uri-mismatch', [uri('spiffe://def.example.com/test-identity')]],
  ['multiple-sans', [uri('spiffe://abc.example.com/test-identity'), dns('abc.example.com')]],
  ['multiple-mismatch-sans', [uri('spiffe://def.example.com/test-identity'), dns('def.example.com')]],
];

function manifests(suite: ConformanceSuite): Obj[] {
  return [
    httpRoute('backendtlspolicy-san-test', 'same-namespace', ['abc.example.com'], CASES.map(([x]) => ({ path: `/backendtlspolicy-${x}`, service: `backendtlspolicy-${x}-test`, port: 443 })), { parentNamespace: true }),
    // All but backendtlspolicy-san-dns-test carry appProtocol: HTTPS.
    ...CASES.flatMap(([x]) => service(`backendtlspolicy-${x}-test`, [{ name: 'btls', port: 443, ...(x === 'san-dns' ? {} : { appProtocol: 'HTTPS' }) }], suite.tlsBackend)),
    ...CASES.map(([x, sans]) =>
      backendTlsPolicy(x, { service: `backendtlspolicy-${x}-test`, sectionName: 'btls', caRefs: [{ name: 'tls-checks-ca-certificate' }], hostname: 'abc.example.com', subjectAltNames: sans }),
    ),
  ];
}

export const BackendTLSPolicySANValidation: ConformanceTest = {
  shortName: 'BackendTLSPolicySANValidation',
  description: 'BackendTLSPolicySANValidation extend BackendTLSPolicy with SubjectAltNames validation',
  features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy', 'BackendTLSPolicySANValidation'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite));
    t.after(() => suite.remove(MANIFEST));
    const route = 'backendtlspolicy-san-test';
    const gw = 'same-namespace';
    await namespacesMustBeReady(suite);
    const address = await gatewayAndRoutesMustBeAccepted(suite, gw, [route]);
    await httpRouteMustHaveResolvedRefsConditionsTrue(suite, route, gw);
    const request = (x: string) => ({ request: { host: 'abc.example.com', path: `/backendtlspolicy-${x}`, sni: 'abc.example.com' } });
    const succeeds = (x: string) => async () => {
      await mustHave(suite, x, gw, acceptedTrue);
      await makeRequestAndExpectEventuallyConsistentResponse(suite, address, request(x));
    };
    const fails = (x: string) => async () => {
      await mustHave(suite, x, gw, acceptedTrue);
      await makeRequestAndExpectFailure(suite, address, request(x));
    };

    await t.test('HTTP request sent to Service with valid BackendTLSPolicy containing dns SAN should succeed', succeeds('san-dns'));
    await t.test('HTTP request sent to Service targeted by BackendTLSPolicy with mismatched dns SAN should return an HTTP error', fails('san-dns-mismatch'));
    await t.test('HTTP request sent to Service with valid BackendTLSPolicy containing uri SAN should succeed', succeeds('san-uri'));
    await t.test('HTTP request sent to Service targeted by BackendTLSPolicy with mismatched uri SAN should return an HTTP error', fails('san-uri-mismatch'));
    await t.test('HTTP request sent to Service with valid BackendTLSPolicy containing multi SAN should succeed', succeeds('multiple-sans'));
    await t.test('HTTP request sent to Service targeted by BackendTLSPolicy with mismatched multi SAN should return an HTTP error', fails('multiple-mismatch-sans'));
  },
};
