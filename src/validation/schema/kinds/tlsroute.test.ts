import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, assertValid, at } from './kind-test-helpers.ts';

const valid = `
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata:
  name: db
  namespace: data
spec:
  parentRefs:
  - name: edge
    namespace: infra
    sectionName: tls-passthrough
  hostnames:
  - db.example.com
  - "*.db.example.com"
  rules:
  - backendRefs:
    - name: postgres
      port: 5432
`;

describe('TLSRoute schema', () => {
  it('accepts a realistic TLSRoute and fills in the defaults', () => {
    const obj = assertValid(valid);
    assert.deepEqual(at(obj, 'spec', 'rules', 0, 'backendRefs', 0), {
      group: '',
      kind: 'Service',
      name: 'postgres',
      port: 5432,
      weight: 1,
    });
    assert.equal(at(obj, 'spec', 'parentRefs', 0, 'group'), 'gateway.networking.k8s.io');
  });

  it('requires hostnames and rules', () => {
    assertError(valid.replace(/  hostnames:\n(  - .*\n)*/, ''), 'spec.hostnames', 'Required value');
    assertError(valid.replace(/  rules:\n[\s\S]*$/, ''), 'spec.rules', 'Required value');
  });

  it('rejects an IP address as hostname', () => {
    assertError(valid.replace('db.example.com\n', '192.0.2.7\n'), 'spec.hostnames', 'Hostnames cannot contain an IP');
  });

  it('rejects a wildcard that is not the whole first label', () => {
    assertError(valid.replace('"*.db.example.com"', 'db.*.example.com'), 'spec.hostnames[1]', 'should match');
  });

  it('allows exactly one rule with at least one backend', () => {
    const rule = '  - backendRefs:\n    - name: postgres\n      port: 5432\n';
    assertError(valid.replace(/  rules:\n[\s\S]*$/, `  rules:\n${rule}${rule}`), 'spec.rules', 'must have at most 1 items');
    assertError(valid.replace(/  rules:\n[\s\S]*$/, '  rules:\n  - backendRefs: []\n'), 'spec.rules[0].backendRefs', 'should have at least 1 items');
  });

  it('requires a port on a Service backend', () => {
    assertError(valid.replace('      port: 5432\n', ''), 'spec.rules[0].backendRefs[0]', 'Must have port for Service reference');
  });
});
