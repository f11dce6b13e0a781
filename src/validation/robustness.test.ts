/** Bad input of any shape becomes diagnostics; validateObject never throws. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from './validate.ts';
import type { SourcedObject } from '../sources/origin.ts';
import { check } from './test-helpers.ts';

const HEAD = 'apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata:\n  name: p\n';

function raw(object: unknown, positionOf: SourcedObject['positionOf'] = () => ({ file: 'x', line: 1, col: 1 })): SourcedObject {
  return { object, origin: { file: 'x', line: 1, col: 1 }, positionOf };
}

describe('robustness', () => {
  const cases: Record<string, string> = {
    'spec is a string': `${HEAD}spec: hello\n`,
    'spec is a list': `${HEAD}spec: [1, 2]\n`,
    'a number where a list belongs': `${HEAD}spec:\n  targetRefs: 3\n  validation: {hostname: a, wellKnownCACertificates: System}\n`,
    'a list where a string belongs': `${HEAD}spec:\n  targetRefs: [{group: [], kind: {}, name: 1}]\n  validation: {hostname: [a], wellKnownCACertificates: 7}\n`,
    'metadata is a list': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n',
    'metadata is missing': 'apiVersion: v1\nkind: ConfigMap\n',
    'labels is a string': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: x}\n',
    'name is a number': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 5}\n',
    'kind is a list': 'apiVersion: v1\nkind: [Service]\nmetadata: {name: a}\n',
    'Service spec garbage': 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [1, null, {port: {x: 1}}], type: 3}\n',
    'EndpointSlice garbage': 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: a}\naddressType: 4\nendpoints: [1, {addresses: "x"}]\nports: {}\n',
    'Secret garbage': 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: [1]\nstringData: 2\ntype: kubernetes.io/tls\n',
    'ConfigMap garbage': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: {b: c}}\nbinaryData: [x]\n',
    'deeply nested garbage': `${HEAD}spec:\n  validation: ${'['.repeat(200)}${']'.repeat(200)}\n  targetRefs: {a: {b: {c: {d: [[[[{}]]]]}}}}\n`,
    'a __proto__ key': `${HEAD}spec:\n  __proto__: {polluted: true}\n  targetRefs: [{group: "", kind: Service, name: a}]\n  validation: {hostname: a, wellKnownCACertificates: System}\n`,
    'aliases shared between places': `${HEAD}spec:\n  targetRefs: &r [{group: "", kind: Service, name: a}]\n  validation: {hostname: a, wellKnownCACertificates: System}\n  options: *r\n`,
    'status of the wrong type (ignored)': `${HEAD}spec:\n  targetRefs: [{group: "", kind: Service, name: a}]\n  validation: {hostname: a, wellKnownCACertificates: System}\nstatus: 7\n`,
  };
  for (const [name, yaml] of Object.entries(cases)) {
    test(name, () => {
      const r = check(yaml);
      assert.ok(Array.isArray(r.diagnostics));
      for (const d of r.diagnostics) {
        assert.equal(typeof d.message, 'string');
        assert.notEqual(d.code, 'internal_error', d.message);
        assert.equal(d.file, 'test.yaml');
      }
      if (r.diagnostics.some((d) => d.severity === 'error')) assert.equal(r.object, undefined);
      else assert.ok(r.object);
    });
  }

  test('no prototype pollution through a __proto__ key', () => {
    check(cases['a __proto__ key'] ?? '');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('pathological nesting is a limit error, not a crash', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const r = validateObject(raw({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: deep }));
    assert.equal(r.object, undefined);
    assert.equal(r.diagnostics[0]?.code, 'schema_limit');
  });

  test('non-JSON values and a throwing positionOf do not crash', () => {
    const weird = raw(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { a: Symbol('s'), b: () => 1, c: 10n } },
      () => {
        throw new Error('boom');
      },
    );
    const r = validateObject(weird);
    assert.equal(r.object, undefined);
    assert.ok(r.diagnostics.length >= 3);
    assert.equal(r.diagnostics[0]?.line, 1, 'falls back to the document origin');
  });

  test('the input object is never modified', () => {
    const input = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' }, stringData: { k: 'v' } };
    const copy = structuredClone(input);
    const r = validateObject(raw(input));
    assert.ok(r.object);
    assert.deepEqual(input, copy);
  });
});
