import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestText } from './parse.ts';

function objects(text: string): unknown[] {
  const result = parseManifestText(text, 'm.yaml');
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  return result.documents.map((d) => d.object);
}

const CM = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

test('multi-document file: every object, in order; empty documents skipped silently', () => {
  const text = `---\n${CM('a')}---\n# only a comment\n---\n---\n${CM('b')}...\n---\n${CM('c')}`;
  const result = parseManifestText(text, 'm.yaml');
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.documents.map((d) => (d.object as { metadata: { name: string } }).metadata.name), ['a', 'b', 'c']);
  assert.deepEqual(result.documents.map((d) => d.origin.line), [2, 10, 16]);
});

test('JSON file (tab-indented, escapes) is read as YAML', () => {
  const text = '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "j"},\n\t"data": {"k": "a\\/b\\u00e9"}\n}\n';
  assert.deepEqual(objects(text), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' }, data: { k: 'a/bé' } }]);
});

test('kind: List expands into its items, with positions inside the List', () => {
  const text = [
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- apiVersion: v1',
    '  kind: ConfigMap',
    '  metadata:',
    '    name: first',
    '- apiVersion: v1',
    '  kind: Secret',
    '  metadata: {name: second}',
    '',
  ].join('\n');
  const result = parseManifestText(text, 'list.yaml');
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.documents.map((d) => (d.object as { kind: string }).kind), ['ConfigMap', 'Secret']);
  const [first, second] = result.documents;
  assert.deepEqual(first?.origin, { file: 'list.yaml', line: 4, col: 3 });
  assert.deepEqual(first?.positionOf(['metadata', 'name']), { file: 'list.yaml', line: 7, col: 11 });
  assert.deepEqual(second?.positionOf(['metadata', 'name']), { file: 'list.yaml', line: 10, col: 20 });
});

test('a <Kind>List with items expands too (kubectl get -o yaml output); an empty one adds nothing', () => {
  const text = `apiVersion: v1\nkind: ConfigMapList\nitems:\n- ${CM('x').trimEnd().replaceAll('\n', '\n  ')}\n---\napiVersion: v1\nkind: List\nitems: []\n`;
  const result = parseManifestText(text, 'l.yaml');
  assert.deepEqual(result.documents.map((d) => d.object), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }]);
  assert.deepEqual(result.diagnostics, []);
});

test('a List item that is not an object fails the file', () => {
  const result = parseManifestText('apiVersion: v1\nkind: List\nitems:\n- 3\n', 'l.yaml');
  assert.equal(result.documents.length, 0);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line, d.col]), [['not_an_object', 4, 3]]);
});

test('positionOf: nested fields, list indices, and fallback to the nearest written ancestor', () => {
  const text = [
    'apiVersion: gateway.networking.k8s.io/v1', // 1
    'kind: HTTPRoute', //                          2
    'metadata:', //                                3
    '  name: r', //                                4
    'spec:', //                                    5
    '  rules:', //                                 6
    '  - matches:', //                             7
    '    - path:', //                              8
    '        type: PathPrefix', //                 9
    '        value: /api', //                      10
    '    backendRefs:', //                         11
    '    - {name: svc, port: 8443}', //            12
    '',
  ].join('\n');
  const [doc] = parseManifestText(text, 'r.yaml').documents;
  assert.ok(doc);
  const at = (path: (string | number)[]): [number, number] => {
    const p = doc.positionOf(path);
    return [p.line, p.col];
  };
  assert.deepEqual(at(['spec', 'rules', 0, 'matches', 0, 'path', 'value']), [10, 16]); // the value
  assert.deepEqual(at(['spec', 'rules', 0, 'matches', 0, 'path']), [8, 7]); // a map: its key
  assert.deepEqual(at(['spec', 'rules', 0, 'backendRefs', 0, 'port']), [12, 25]); // flow style
  assert.deepEqual(at(['spec', 'rules', 0, 'backendRefs', 0]), [12, 7]); // a list item
  assert.deepEqual(at(['spec', 'rules', 0, 'filters', 0, 'type']), [7, 5]); // missing: nearest ancestor
  assert.deepEqual(at(['spec', 'rules', 3]), [6, 3]);
  assert.deepEqual(at(['status']), [1, 1]); // nothing written: the document's start
  assert.deepEqual(at([]), [1, 1]);
});

test('positionOf follows aliases and merge keys', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  labels: &l\n    app: x\ndata:\n  <<: *l\n  own: z\n';
  const [doc] = parseManifestText(text, 'a.yaml').documents;
  assert.ok(doc);
  assert.deepEqual(doc.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', labels: { app: 'x' } }, data: { app: 'x', own: 'z' } });
  assert.deepEqual(doc.positionOf(['data', 'app']), { file: 'a.yaml', line: 6, col: 10 });
  assert.deepEqual(doc.positionOf(['data', 'own']), { file: 'a.yaml', line: 9, col: 8 });
});

test('YAML 1.1 on purpose: on/yes/y are booleans and 0755 is octal, as kubectl (go-yaml v2) reads them', () => {
  const text = `${CM('v')}data:\n  a: on\n  b: yes\n  c: y\n  d: off\n  e: 0755\n  f: 0x1F\n  g: "on"\n  h: 1_000\n`;
  const [doc] = objects(text) as { data: Record<string, unknown> }[];
  assert.deepEqual(doc?.data, { a: true, b: true, c: true, d: false, e: 493, f: 31, g: 'on', h: 1000 });
});

test('go-yaml v2 keeps timestamps and base-60 numbers as strings; non-JSON tags are not applied', () => {
  const text = `${CM('t')}  creationTimestamp: 2026-01-02T03:04:05Z\ndata:\n  a: 2001-12-14\n  b: 1:30:00\n  c: !!binary aGVsbG8=\n`;
  const result = parseManifestText(text, 't.yaml');
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.severity]), [['yaml_warning', 'warning']]);
  const object = result.documents[0]?.object as { metadata: Record<string, unknown>; data: Record<string, unknown> };
  assert.equal(object.metadata['creationTimestamp'], '2026-01-02T03:04:05Z');
  assert.deepEqual(object.data, { a: '2001-12-14', b: '1:30:00', c: 'aGVsbG8=' });
});

test('duplicate keys: an error naming the key and both lines; the file fails', () => {
  const result = parseManifestText(`${CM('x')}  name: y\n---\n${CM('ok')}`, 'd.yaml');
  assert.equal(result.documents.length, 0);
  assert.equal(result.diagnostics.length, 1);
  const [d] = result.diagnostics;
  assert.equal(d?.code, 'yaml_duplicate_key');
  assert.deepEqual([d?.file, d?.line, d?.col], ['d.yaml', 5, 3]);
  assert.match(d?.message ?? '', /duplicate key "name".*line 4/);
});

test('malformed YAML: unclosed quote, bad indentation, tab indentation, unclosed flow map', () => {
  const cases: [string, string, number, number][] = [
    ['unclosed quote', `${CM('q')}data:\n  a: "abc\n  b: c\n`, 6, 6],
    ['bad indent', `${CM('i')}data:\n  a: 1\n b: 2\n`, 7, 1],
    ['tab', `${CM('t')}data:\n\ta: 1\n`, 6, 1],
    ['flow map', `${CM('f')}data: {a: 1\n`, 6, 1],
  ];
  for (const [name, text, line, col] of cases) {
    const result = parseManifestText(`${CM('before')}---\n${text}`, 'bad.yaml');
    assert.equal(result.documents.length, 0, name);
    const first = result.diagnostics[0];
    assert.equal(first?.code, 'yaml_syntax', name);
    assert.deepEqual([first?.line, first?.col], [line + 5, col], `${name}: ${first?.message}`);
    assert.ok(result.diagnostics.every((d) => d.file === 'bad.yaml' && typeof d.message === 'string'), name);
  }
});

test('an unknown alias is a diagnostic, not a thrown error', () => {
  const result = parseManifestText(`${CM('a')}data:\n  k: *nope\n`, 'a.yaml');
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['yaml_syntax']);
  assert.equal(result.documents.length, 0);
});

test('excessive aliases (billion laughs) are refused', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) lines.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`);
  const started = Date.now();
  const result = parseManifestText(`${CM('bomb')}data:\n${lines.map((l) => `  ${l}`).join('\n')}\n`, 'b.yaml');
  assert.ok(Date.now() - started < 2000);
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['yaml_syntax']);
});

test('not an object, missing kind, missing apiVersion', () => {
  const result = parseManifestText(`hello\n---\n- a\n---\n${CM('x').replace('kind: ConfigMap\n', '')}---\nkind: Secret\nmetadata: {name: s}\n`, 'n.yaml');
  assert.equal(result.documents.length, 0);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line, d.name ?? null]), [
    ['not_an_object', 1, null],
    ['not_an_object', 3, null],
    ['missing_kind', 5, 'x'],
    ['missing_apiVersion', 9, 's'],
  ]);
});

test('empty file and comment-only file: one warning, no documents', () => {
  for (const text of ['', '\n\n  \n', '# nothing here\n# at all\n', '---\n---\n']) {
    const result = parseManifestText(text, 'e.yaml');
    assert.deepEqual(result.documents, []);
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.severity, d.file]), [['empty_file', 'warning', 'e.yaml']]);
  }
});

test('text over the size limit is refused without parsing', () => {
  const started = performance.now();
  const result = parseManifestText(`a: ${'x'.repeat(9 * 1024 * 1024)}\n`, 'huge.yaml');
  assert.ok(performance.now() - started < 500);
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['file_too_large']);
  assert.deepEqual(result.documents, []);
});
