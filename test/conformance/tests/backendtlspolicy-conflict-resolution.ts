/**
 * conformance/tests/backendtlspolicy-conflict-resolution.go (conformance.md 2.2): two policies
 * on the same Service (or the same Service port) conflict and the older one — or, created in the
 * same second, the one first by name — wins; a sectionName policy and a whole-Service policy on
 * the same Service do not conflict, each applying to its own ports.
 */
import { backendTlsPolicy, httpRoute, service, type ConformanceSuite, type Obj } from '../fixtures.ts';
import { makeRequestAndExpectEventuallyConsistentResponse } from '../http.ts';
import { backendTlsPolicyMustHaveCondition as mustHave, gatewayAndRoutesMustBeAccepted, httpRouteMustHaveResolvedRefsConditionsTrue, namespacesMustBeReady } from '../kubernetes.ts';
import { acceptedTrue, conflicted, type ConformanceTest } from './types.ts';

const MANIFEST = 'backendtlspolicy-conflict-resolution';
const CA = [{ name: 'tls-checks-ca-certificate' }];

function manifests(suite: ConformanceSuite): Obj[] {
  const b = suite.tlsBackend;
  return [
    httpRoute('backendtlspolicy-conflict-resolution', 'same-namespace', ['abc.example.com'], [
      { path: '/backendtlspolicy-conflicted-without-section-name', service: 'backendtlspolicy-conflicted-without-section-name-test', port: 443 },
      { path: '/backendtlspolicy-conflicted-with-section-name', service: 'backendtlspolicy-conflicted-with-section-name-test', port: 443 },
      { path: '/backendtlspolicy-not-conflicted-with-section-name', service: 'backendtlspolicy-not-conflicted-test', port: 443 },
      { path: '/backendtlspolicy-not-conflicted-without-section-name', service: 'backendtlspolicy-not-conflicted-test', port: 8443 },
    ]),
    ...service('backendtlspolicy-conflicted-without-section-name-test', [{ name: 'https', port: 443 }], b),
    ...service('backendtlspolicy-conflicted-with-section-name-test', [{ name: 'https-1', port: 443 }, { name: 'https-2', port: 8443 }], b),
    ...service('backendtlspolicy-not-conflicted-test', [{ name: 'https-1', port: 443 }, { name: 'https-2', port: 8443 }], b),
    backendTlsPolicy('conflicted-without-section-name-1', { service: 'backendtlspolicy-conflicted-without-section-name-test', caRefs: CA, hostname: 'other.example.com' }),
    backendTlsPolicy('conflicted-without-section-name-2', { service: 'backendtlspolicy-conflicted-without-section-name-test', caRefs: CA, hostname: 'abc.example.com' }),
    backendTlsPolicy('conflicted-with-section-name-1', { service: 'backendtlspolicy-conflicted-with-section-name-test', sectionName: 'https-1', caRefs: CA, hostname: 'other.example.com' }),
    backendTlsPolicy('conflicted-with-section-name-2', { service: 'backendtlspolicy-conflicted-with-section-name-test', sectionName: 'https-1', caRefs: CA, hostname: 'abc.example.com' }),
    backendTlsPolicy('not-conflicted-with-section-name', { service: 'backendtlspolicy-not-conflicted-test', sectionName: 'https-1', caRefs: CA, hostname: 'other.example.com' }),
    backendTlsPolicy('not-conflicted-without-section-name', { service: 'backendtlspolicy-not-conflicted-test', caRefs: CA, hostname: 'abc.example.com' }),
  ];
}

export const BackendTLSPolicyConflictResolution: ConformanceTest = {
  shortName: 'BackendTLSPolicyConflictResolution',
  description:
    'Verifies that when multiple BackendTLSPolicies target the same Service, only one policy is accepted while conflicting policies are rejected, and traffic continues to route successfully.',
  features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
  async run(t, suite) {
    await suite.apply(MANIFEST, manifests(suite));
    t.after(() => suite.remove(MANIFEST));
    const route = 'backendtlspolicy-conflict-resolution';
    const gw = 'same-namespace';
    await namespacesMustBeReady(suite);
    const address = await gatewayAndRoutesMustBeAccepted(suite, gw, [route]);
    await httpRouteMustHaveResolvedRefsConditionsTrue(suite, route, gw);
    const expectSni = (path: string, sni: string) => makeRequestAndExpectEventuallyConsistentResponse(suite, address, { request: { host: 'abc.example.com', path, sni } });

    await t.test('Conflicting BackendTLSPolicies targeting the same Service without a section name', async (t) => {
      await t.test('First BackendTLSPolicy should be accepted', () => mustHave(suite, 'conflicted-without-section-name-1', gw, acceptedTrue));
      await t.test('Second BackendTLSPolicy should have a false Accepted condition with reason Conflicted ', () => mustHave(suite, 'conflicted-without-section-name-2', gw, conflicted));
      await t.test('HTTP request sent to Service using the accepted BackendTLSPolicy should succeed', () => expectSni('/backendtlspolicy-conflicted-without-section-name', 'other.example.com'));
    });

    await t.test('Conflicting BackendTLSPolicies targeting the same Service with the same section name', async (t) => {
      await t.test('First BackendTLSPolicy should be accepted', () => mustHave(suite, 'conflicted-with-section-name-1', gw, acceptedTrue));
      await t.test('Second BackendTLSPolicy should have a false Accepted condition with reason Conflicted ', () => mustHave(suite, 'conflicted-with-section-name-2', gw, conflicted));
      await t.test('HTTP request sent to Service using the accepted BackendTLSPolicy should succeed', () => expectSni('/backendtlspolicy-conflicted-with-section-name', 'other.example.com'));
    });

    await t.test('BackendTLSPolicies targeting the same Service with and without a section name', async (t) => {
      await t.test('BackendTLSPolicy with section name should be accepted', () => mustHave(suite, 'not-conflicted-with-section-name', gw, acceptedTrue));
      await t.test('BackendTLSPolicy without section name should be accepted', () => mustHave(suite, 'not-conflicted-without-section-name', gw, acceptedTrue));
      await t.test('HTTP request sent to Service using the BackendTLSPolicy with section name should succeed', () => expectSni('/backendtlspolicy-not-conflicted-with-section-name', 'other.example.com'));
      await t.test('HTTP request sent to Service using the BackendTLSPolicy without section name should succeed', () => expectSni('/backendtlspolicy-not-conflicted-without-section-name', 'abc.example.com'));
    });
  },
};
