/** The schema engine on its own: defaulting, structural checks, list semantics and the CEL adapter. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Schema } from './types.ts';
import type { FieldPath } from '../../sources/origin.ts';
import { formatFieldPath } from '../../sources/origin.ts';
import { applyDefaults } from './defaults.ts';
import { validateStructure } from './structural.ts';
import { escapeProperty, parseFieldPath, runCelRules } from './cel.ts';
import { conditions, parentReference, secretObjectReference, crdRoot } from './kinds/common.ts';
import { schemaFor } from './index.ts';

interface Found {
  code: string;
  field: string;
  message: string;
}

function run(value: unknown, schema: Schema): Found[] {
  const found: Found[] = [];
  const sink = { error: (code: string, path: FieldPath, message: string) => found.push({ code, field: formatFieldPath(path), message }) };
  applyDefaults(value, schema);
  validateStructure(value, schema, [], sink);
  runCelRules(value, schema, [], sink);
  return found;
}

const obj = (properties: Record<string, Schema>, extra: Partial<Schema> = {}): Schema => ({ type: 'object', properties, ...extra });

describe('defaulting', () => {
  test('defaults fill absent fields and nulls, recursively, before CEL sees them', () => {
    const schema = obj({
      ref: obj({ group: { type: 'string', default: 'g' }, kind: { type: 'string', default: 'K' }, name: { type: 'string' } }, {
        'x-kubernetes-validations': [{ rule: "self.group == 'g' && self.kind == 'K'", message: 'not defaulted' }],
      }),
    });
    const v = { ref: { name: 'a', kind: null } };
    assert.deepEqual(run(v, schema), []);
    assert.deepEqual(v, { ref: { name: 'a', group: 'g', kind: 'K' } });
  });

  test('a null without default is dropped (then a required field reports it)', () => {
    const v: Record<string, unknown> = { a: null };
    const found = run(v, obj({ a: { type: 'string' } }, { required: ['a'] }));
    assert.deepEqual(found, [{ code: 'schema_required', field: 'a', message: 'Required value' }]);
  });

  test('the shared reference shapes carry their defaults', () => {
    const p: Record<string, unknown> = { name: 'gw' };
    applyDefaults(p, parentReference);
    assert.deepEqual(p, { name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' });
    const s: Record<string, unknown> = { name: 'cert' };
    applyDefaults(s, secretObjectReference);
    assert.deepEqual(s, { name: 'cert', group: '', kind: 'Secret' });
  });
});

describe('structural validation', () => {
  test('types, with the API server message', () => {
    assert.deepEqual(run({ spec: 'x' }, obj({ spec: obj({}) })), [
      { code: 'schema_type', field: 'spec', message: 'Invalid value: "string": spec in body must be of type object: "string"' },
    ]);
    assert.deepEqual(run({ n: 1.5 }, obj({ n: { type: 'integer' } }))[0]?.message, 'Invalid value: "number": n in body must be of type integer: "number"');
    assert.deepEqual(run({ l: { a: 1 } }, obj({ l: { type: 'array' } }))[0]?.code, 'schema_type');
  });

  test('minimum, maximum and exclusiveMinimum', () => {
    const s = obj({ port: { type: 'integer', minimum: 1, maximum: 65535 }, w: { type: 'number', minimum: 0, exclusiveMinimum: true } });
    assert.deepEqual(run({ port: 0 }, s)[0]?.message, 'Invalid value: 0: port in body should be greater than or equal to 1');
    assert.deepEqual(run({ port: 70000 }, s)[0]?.message, 'Invalid value: 70000: port in body should be less than or equal to 65535');
    assert.deepEqual(run({ w: 0 }, s)[0]?.message, 'Invalid value: 0: w in body should be greater than 0');
  });

  test('formats int32, int64 and date-time', () => {
    const s = obj({ a: { type: 'integer', format: 'int32' }, t: { type: 'string', format: 'date-time' } });
    assert.deepEqual(run({ a: 2147483648 }, s), [{ code: 'schema_format', field: 'a', message: 'Invalid value: 2147483648: a in body must be of type int32: "2147483648"' }]);
    assert.deepEqual(run({ t: '2026-01-02T03:04:05Z' }, s), []);
    assert.deepEqual(run({ t: 'yesterday' }, s)[0]?.code, 'schema_format');
  });

  test('minProperties and maxProperties', () => {
    const s = obj({ m: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 2 } });
    assert.deepEqual(run({ m: {} }, s)[0]?.message, 'Invalid value: 0: m in body should have at least 1 properties');
    assert.deepEqual(run({ m: { a: '', b: '', c: '' } }, s)[0]?.message, 'Too many: 3: must have at most 2 items');
  });

  test('x-kubernetes-list-type map: keys unique (conditions keyed by type)', () => {
    const c = { lastTransitionTime: '2026-01-01T00:00:00Z', message: '', reason: 'Accepted', status: 'True', type: 'Accepted' };
    const s = obj({ conditions });
    assert.deepEqual(run({ conditions: [c, { ...c, type: 'ResolvedRefs' }] }, s), []);
    assert.deepEqual(run({ conditions: [c, { ...c, status: 'False' }] }, s), [
      { code: 'duplicate_key_in_list', field: 'conditions[1]', message: 'Duplicate value: {"type":"Accepted"}' },
    ]);
    const nine = Array.from({ length: 9 }, (_, i) => ({ ...c, type: `T${i}` }));
    assert.deepEqual(run({ conditions: nine }, s)[0]?.message, 'Too many: 9: must have at most 8 items');
    assert.deepEqual(run({ conditions: [{ ...c, status: 'Maybe' }] }, s)[0]?.message, 'Unsupported value: "Maybe": supported values: "True", "False", "Unknown"');
  });

  test('x-kubernetes-list-type set: items unique', () => {
    const s = obj({ s: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' } });
    assert.deepEqual(run({ s: ['a', 'b', 'a'] }, s), [{ code: 'duplicate_key_in_list', field: 's[2]', message: 'Duplicate value: "a"' }]);
  });

  test('anyOf, oneOf and not', () => {
    const any = obj({ v: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } });
    assert.deepEqual(run({ v: '::1' }, any), []);
    assert.deepEqual(run({ v: 'x' }, any)[0]?.message, 'Invalid value: "x": v in body must validate at least one schema (anyOf)');
    const one = obj({ o: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] } });
    assert.deepEqual(run({ o: { a: '' } }, one), []);
    assert.deepEqual(run({ o: { a: '', b: '' } }, one)[0]?.code, 'schema_combinator');
    const not = obj({ n: { type: 'string', not: { enum: ['x'] } } });
    assert.deepEqual(run({ n: 'x' }, not)[0]?.message, 'Invalid value: "x": n in body must not validate the schema (not)');
  });

  test('x-kubernetes-int-or-string and preserve-unknown-fields', () => {
    const s = obj({ p: { 'x-kubernetes-int-or-string': true }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } });
    assert.deepEqual(run({ p: 8080, free: { anything: [1] } }, s), []);
    assert.deepEqual(run({ p: 'http' }, s), []);
    assert.deepEqual(run({ p: true }, s)[0]?.code, 'schema_type');
  });
});

describe('CEL adapter', () => {
  test('property names are escaped as Kubernetes does', () => {
    assert.equal(escapeProperty('namespace'), '__namespace__');
    assert.equal(escapeProperty('a-b.c/d__e'), 'a__dash__b__dot__c__slash__d__underscores__e');
    assert.equal(escapeProperty('plain'), 'plain');
    assert.equal(escapeProperty('9lives'), undefined);
    const s = obj({ ref: obj({ namespace: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'has(self.__namespace__)', message: 'namespace required' }] }) });
    assert.deepEqual(run({ ref: { namespace: 'a' } }, s), []);
    assert.deepEqual(run({ ref: {} }, s), [{ code: 'cel_rule', field: 'ref', message: 'Invalid value: "object": namespace required' }]);
  });

  test('integers are CEL ints (bigint), so arithmetic and comparisons with int literals work', () => {
    const s = obj({ port: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.port + 1 > 80', message: 'low' }] });
    assert.deepEqual(run({ port: 80 }, s), []);
    assert.deepEqual(run({ port: 1 }, s)[0]?.message, 'Invalid value: "object": low');
  });

  test('messageExpression, fieldPath and reason', () => {
    const s = obj(
      { name: { type: 'string' }, sectionName: { type: 'string' } },
      {
        'x-kubernetes-validations': [
          { rule: "self.name != 'x'", messageExpression: "'name ' + self.name + ' is taken'", fieldPath: '.name' },
          { rule: 'has(self.sectionName)', message: 'needs a section', reason: 'FieldValueRequired', fieldPath: '.sectionName' },
          { rule: "self.name != 'x'", message: 'forbidden', reason: 'FieldValueForbidden' },
          { rule: "self.name != 'x'", reason: 'FieldValueDuplicate' },
          { rule: "self.name != 'x'" },
        ],
      },
    );
    assert.deepEqual(run({ name: 'x' }, s), [
      { code: 'cel_rule', field: 'name', message: 'Invalid value: "object": name x is taken' },
      { code: 'cel_rule', field: 'sectionName', message: 'Required value: needs a section' },
      { code: 'cel_rule', field: '', message: 'Forbidden: forbidden' },
      { code: 'cel_rule', field: '', message: 'Duplicate value: "object"' },
      { code: 'cel_rule', field: '', message: 'Invalid value: "object": failed rule: self.name != \'x\'' },
    ]);
  });

  test('transition rules (oldSelf) are skipped', () => {
    const s = obj({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }] } });
    assert.deepEqual(run({ a: 'x' }, s), []);
  });

  test('isIP from the Kubernetes library', () => {
    const s = obj({ h: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.all(h, !isIP(h))', message: 'no IPs' }] } });
    assert.deepEqual(run({ h: ['a.example', '10.1.2.3.example'] }, s), []);
    assert.deepEqual(run({ h: ['a.example', '10.1.2.3'] }, s)[0]?.message, 'Invalid value: "array": no IPs');
    assert.deepEqual(run({ h: ['fd00::1'] }, s)[0]?.message, 'Invalid value: "array": no IPs');
  });

  test('map keys (additionalProperties) are data, not escaped', () => {
    const s = obj({ m: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-validations': [{ rule: "!('a-b' in self) || self['a-b'] == 'ok'", message: 'bad' }] } });
    assert.deepEqual(run({ m: { 'a-b': 'ok' } }, s), []);
    assert.deepEqual(run({ m: { 'a-b': 'no' } }, s)[0]?.message, 'Invalid value: "object": bad');
  });

  test('rules are not run on values of the wrong type (the type error is reported instead)', () => {
    const s = obj({ port: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.port > 1', message: 'low' }] });
    assert.deepEqual(
      run({ port: 'eighty' }, s).map((f) => f.code),
      ['schema_type'],
    );
  });

  test('compile and evaluation errors become diagnostics, not throws', () => {
    const bad = obj({}, { 'x-kubernetes-validations': [{ rule: 'self.(' }] });
    assert.match(run({}, bad)[0]?.message ?? '', /^Invalid value: "object": compilation failed: /);
    assert.match(run({}, bad)[0]?.message ?? '', /compilation failed/, 'cached compile errors are still reported');
    const missing = obj({ a: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: "self.a == 'x'" }] });
    assert.match(run({}, missing)[0]?.message ?? '', /evaluating rule: self.a == 'x'$/);
  });

  test('fieldPath parsing', () => {
    assert.deepEqual(parseFieldPath(".spec.rules[2]['a.b'].x"), ['spec', 'rules', 2, 'a.b', 'x']);
  });
});

describe('schema registry', () => {
  test('schemaFor knows every Gateway API kind and nothing else', () => {
    for (const k of ['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'ReferenceGrant', 'BackendTLSPolicy']) assert.ok(schemaFor(k), k);
    assert.equal(schemaFor('Service'), undefined);
  });

  test('crdRoot requires spec only when asked', () => {
    assert.deepEqual(crdRoot({ spec: obj({}), description: 'd', specRequired: true }).required, ['spec']);
    assert.equal(crdRoot({ spec: obj({}), description: 'd' }).required, undefined);
  });
});
