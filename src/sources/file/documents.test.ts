import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitDocuments } from './documents.ts';
import { parseManifestPiece, parseManifestText } from './parse.ts';
import type { FieldPath } from '../origin.ts';

const CM = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

test('splits on marker lines; the pieces join back to the text and know their first line', () => {
  const text = `# header\n${CM('a')}---\n${CM('b')}--- # comment\n${CM('c')}---\n`;
  const pieces = splitDocuments(text);
  assert.ok(pieces);
  assert.equal(pieces.map((p) => p.text).join(''), text);
  assert.deepEqual(pieces.map((p) => p.line), [1, 6, 11, 16]);
  assert.ok(pieces[1]?.text.startsWith('---\n'));
  // `----` and `---x` are not markers; a marker ends with a space, a tab, a line break or the end.
  assert.equal(splitDocuments(`a: 1\n----\nb: 2\n---x\n`)?.length, 1);
  assert.equal(splitDocuments(`a: 1\n---\tx\n---\r\nb: 2\n---`)?.length, 4);
});

test('directives and `...` end markers: the file is parsed whole', () => {
  assert.equal(splitDocuments(`%YAML 1.1\n---\n${CM('a')}`), undefined);
  assert.equal(splitDocuments(`${CM('a')}...\n---\n${CM('b')}`), undefined);
  // Only at the start of a line: inside content they are text.
  assert.ok(splitDocuments(`${CM('a', 'data:\n  k: "50%"\n  x: a...\n')}`));
});

/**
 * The property the loader relies on: when every piece parses without a diagnostic, the pieces
 * give exactly the whole-file parse (objects, origins, field positions); and when the whole
 * file has a problem, some piece has one too (so the loader parses the whole file).
 */
function assertPiecesMatchWhole(text: string, label: string): void {
  const whole = parseManifestText(text, 'f.yaml');
  const pieces = splitDocuments(text);
  if (!pieces) return;
  const parsed = pieces.map((p) => parseManifestPiece(p.text, 'f.yaml', p.line));
  const clean = parsed.every((p) => p.diagnostics.length === 0);
  const documents = parsed.flatMap((p) => p.documents);
  if (whole.diagnostics.length > 0 && documents.length > 0) assert.equal(clean, false, `${label}: the whole file has diagnostics, the pieces none`);
  if (!clean || documents.length === 0) return;
  assert.deepEqual(documents.map((d) => d.object), whole.documents.map((d) => d.object), label);
  assert.deepEqual(documents.map((d) => d.origin), whole.documents.map((d) => d.origin), label);
  const paths: FieldPath[] = [[], ['metadata'], ['metadata', 'name'], ['spec'], ['spec', 'rules', 0], ['spec', 'rules', 0, 'backendRefs', 0, 'name'], ['data'], ['spec', 'missing', 3]];
  documents.forEach((d, i) => {
    for (const path of paths) assert.deepEqual(d.positionOf(path), whole.documents[i]?.positionOf(path), `${label} document ${i} ${path.join('.')}`);
  });
}

test('pieces parse exactly as the whole file: tricky texts', () => {
  const texts = [
    `${CM('a')}---\n${CM('b')}`,
    `---\n${CM('a')}---\n---\n# only a comment\n---\n${CM('b', 'data:\n  k: |\n    line\n     ---\n    more\n')}`,
    // `---` at column 0 inside a block scalar ends the document, in both parses.
    `${CM('a', 'data:\n  k: |\n    text\n---\n')}${CM('b')}`,
    // A quoted scalar cut by a marker line: an error either way.
    `${CM('a', 'data:\n  k: "open\n---\n  close"\n')}`,
    // A flow collection cut by a marker line.
    `${CM('a', 'data: {k: v,\n---\n  x: y}\n')}`,
    // Anchors do not cross documents.
    `${CM('a', 'data: &d {k: v}\n')}---\n${CM('b', 'data: *d\n')}`,
    `${CM('a', 'data: &d {k: v}\n')}---\n${CM('b', 'data: {<<: *d, x: y}\n')}`,
    // Duplicate keys, tabs, CRLF.
    `${CM('a')}---\n${CM('b', 'data:\n  k: 1\n  k: 2\n')}`,
    `${CM('a')}---\n${CM('b', 'data:\n\tk: 1\n')}`,
    `${CM('a')}---\r\n${CM('b')}`.replace(/\n/g, '\r\n'),
    `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}\n---\n${CM('b')}`,
    `apiVersion: v1\nkind: List\nitems:\n- ${CM('a').replace(/\n(?=.)/g, '\n  ')}---\n${CM('b')}`,
    `${CM('a')}--- ${'{'}apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n`,
    `- a\n- b\n---\n${CM('b')}`,
    `${CM('a')}---\nkey: [unclosed\n`,
    `${CM('a', 'data:\n  x: !!binary aGVsbG8=\n')}---\n${CM('b')}`,
  ];
  texts.forEach((t, i) => assertPiecesMatchWhole(t, `text ${i}`));
});

test('pieces parse exactly as the whole file: every manifest of the repository', async () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const files: string[] = [];
  for (const dir of ['test/golden/translate', 'examples/basic', 'examples/broken', 'deploy']) {
    for (const name of await readdir(join(root, dir), { recursive: true }).catch(() => [] as string[])) {
      if (/\.ya?ml$/.test(name)) files.push(join(root, dir, name));
    }
  }
  assert.ok(files.length > 20, `found ${files.length} manifests`);
  for (const file of files) assertPiecesMatchWhole(await readFile(file, 'utf8'), file);
});
