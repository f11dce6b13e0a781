import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateObject } from '../validation/validate.ts';
import type { SourcedObject } from '../sources/origin.ts';
import { ConfigLoader, type ConfigLoadResult } from './config-loader.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-loader-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const cm = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${value}\n`;
const route = (name: string, path: string): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: ${name}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - matches:\n    - path: {type: PathPrefix, value: "${path}"}\n`;

/** The real validator, counting its calls. */
function countingValidator(): { validate: typeof validateObject; calls: () => number } {
  let calls = 0;
  return {
    validate: (doc: SourcedObject) => {
      calls++;
      return validateObject(doc);
    },
    calls: () => calls,
  };
}

function value(result: ConfigLoadResult, name: string): unknown {
  return (result.snapshot.get('ConfigMap', 'default', name)?.object as { data?: { k?: unknown } } | undefined)?.data?.k;
}

const errors = (result: ConfigLoadResult): string[] => result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

test('loads a folder through validation into a snapshot (defaults applied, metadata filled in)', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), `${cm('a', 'one')}---\n${route('r', '/api')}`);
    const clock = (): Date => new Date('2026-08-01T00:00:00Z');
    const loader = new ConfigLoader({ paths: [dir], clock });
    const result = await loader.load();
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.changed, true);
    assert.deepEqual(result.files, [join(dir, 'a.yaml')]);
    assert.equal(value(result, 'a'), 'one');
    const stored = result.snapshot.get('HTTPRoute', 'default', 'r');
    assert.deepEqual(stored?.origin, { file: join(dir, 'a.yaml'), line: 8, col: 1 });
    assert.equal(stored?.object.metadata.creationTimestamp, '2026-08-01T00:00:00Z');
    assert.equal(stored?.object.metadata.generation, 1);
    assert.equal(loader.snapshot, result.snapshot);
  });
});

test('an unchanged reload re-validates nothing and reports changed=false; one edit re-validates one document', async () => {
  await withDir(async (dir) => {
    for (let i = 0; i < 5; i++) await writeFile(join(dir, `f${i}.yaml`), `${cm(`a${i}`, 'one')}---\n${cm(`b${i}`, 'one')}`);
    const counter = countingValidator();
    const loader = new ConfigLoader({ paths: [dir], validate: counter.validate });
    const first = await loader.load();
    assert.equal(counter.calls(), 10);
    const again = await loader.load();
    assert.equal(again.changed, false);
    assert.equal(again.snapshot, first.snapshot);
    assert.equal(counter.calls(), 10);
    await writeFile(join(dir, 'f3.yaml'), `${cm('a3', 'two')}---\n${cm('b3', 'one')}`);
    const edited = await loader.load();
    assert.equal(counter.calls(), 11, 'only the edited document of the edited file');
    assert.equal(edited.changed, true);
    assert.equal(value(edited, 'a3'), 'two');
    assert.equal(edited.snapshot.get('ConfigMap', 'default', 'b3'), first.snapshot.get('ConfigMap', 'default', 'b3'));
  });
});

test('an invalid edit leaves the last good version serving, with the diagnostic', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'r.yaml'), `${route('r', '/good')}---\n${cm('other', 'one')}`);
    const loader = new ConfigLoader({ paths: [dir] });
    const good = await loader.load();
    await writeFile(join(dir, 'r.yaml'), `${route('r', 'no-slash')}---\n${cm('other', 'two')}`);
    const bad = await loader.load();
    assert.deepEqual(errors(bad), ['cel_rule']);
    assert.equal(bad.diagnostics[0]?.line, 9);
    assert.equal(bad.snapshot.get('HTTPRoute', 'default', 'r'), good.snapshot.get('HTTPRoute', 'default', 'r'));
    // The valid document of the same file still applies.
    assert.equal(value(bad, 'other'), 'two');
    assert.equal(bad.changed, true);
  });
});

test('a file with a syntax error keeps all its previous objects; fixing it applies the new ones', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), `${cm('a', 'one')}---\n${cm('b', 'one')}`);
    await writeFile(join(dir, 'c.yaml'), cm('c', 'one'));
    const loader = new ConfigLoader({ paths: [dir] });
    await loader.load();
    await writeFile(join(dir, 'a.yaml'), `${cm('a', 'two')}---\n${cm('b', '"unclosed')}`);
    await writeFile(join(dir, 'c.yaml'), cm('c', 'two'));
    const broken = await loader.load();
    assert.deepEqual(errors(broken), ['yaml_syntax']);
    assert.deepEqual([value(broken, 'a'), value(broken, 'b'), value(broken, 'c')], ['one', 'one', 'two']);
    await writeFile(join(dir, 'a.yaml'), cm('a', 'three'));
    const fixed = await loader.load();
    assert.deepEqual(fixed.diagnostics, []);
    assert.deepEqual([value(fixed, 'a'), value(fixed, 'b')], ['three', undefined]);
  });
});

test('a document that only moved is reused with its new lines; diagnostics move with it', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'a.yaml');
    await writeFile(file, `${cm('a', 'one')}---\n${route('r', 'no-slash')}---\n${cm('b', 'one')}`);
    const counter = countingValidator();
    const loader = new ConfigLoader({ paths: [dir], validate: counter.validate });
    const first = await loader.load();
    assert.equal(counter.calls(), 3);
    assert.deepEqual(first.diagnostics.map((d) => [d.code, d.line]), [['cel_rule', 16]]);
    assert.equal(first.snapshot.get('ConfigMap', 'default', 'b')?.origin?.line, 18);
    // Two lines added to the first document: the others move down, unchanged.
    await writeFile(file, `${cm('a', 'two')}  k2: x2\n  k3: x3\n---\n${route('r', 'no-slash')}---\n${cm('b', 'one')}`);
    const moved = await loader.load();
    assert.equal(counter.calls(), 4, 'only the edited document');
    assert.deepEqual(moved.diagnostics.map((d) => [d.code, d.line]), [['cel_rule', 18]]);
    const b = moved.snapshot.get('ConfigMap', 'default', 'b');
    assert.deepEqual(b?.origin, { file, line: 20, col: 1 });
    assert.equal(b?.object.metadata.resourceVersion, first.snapshot.get('ConfigMap', 'default', 'b')?.object.metadata.resourceVersion);
    // Each result equals what a loader without any cache computes.
    const fresh = await new ConfigLoader({ paths: [dir] }).load();
    assert.deepEqual(moved.diagnostics, fresh.diagnostics);
    for (const [kind, name] of [['ConfigMap', 'a'], ['ConfigMap', 'b']] as const) {
      assert.deepEqual(moved.snapshot.get(kind, 'default', name)?.origin, fresh.snapshot.get(kind, 'default', name)?.origin);
    }
  });
});

test('fixing a syntax error re-validates only the documents whose text changed', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'a.yaml');
    const docs = (b: string): string => [cm('a', 'one'), cm('b', b), cm('c', 'one')].join('---\n');
    await writeFile(file, docs('one'));
    const counter = countingValidator();
    const loader = new ConfigLoader({ paths: [dir], validate: counter.validate });
    await loader.load();
    await writeFile(file, docs('"unclosed'));
    const broken = await loader.load();
    assert.deepEqual(errors(broken), ['yaml_syntax']);
    assert.equal(counter.calls(), 3, 'a file that does not parse validates nothing');
    await writeFile(file, docs('two'));
    const fixed = await loader.load();
    assert.deepEqual(fixed.diagnostics, []);
    assert.equal(value(fixed, 'b'), 'two');
    assert.equal(counter.calls(), 4);
  });
});

test('noted changes: only the noted files are looked at; "anything" lists and stats everything again', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'team'));
    await writeFile(join(dir, 'team', 'a.yaml'), cm('a', 'one'));
    await writeFile(join(dir, 'b.yaml'), cm('b', 'one'));
    const loader = new ConfigLoader({ paths: [dir] });
    await loader.load();
    // a.yaml is noted, b.yaml changed too but is not: only a.yaml is seen (no stat of b.yaml).
    await writeFile(join(dir, 'team', 'a.yaml'), cm('a', 'two'));
    await writeFile(join(dir, 'b.yaml'), cm('b', 'two-but-bigger'));
    loader.noteChanges([join(dir, 'team', 'a.yaml')]);
    const noted = await loader.load();
    assert.deepEqual([value(noted, 'a'), value(noted, 'b')], ['two', 'one']);
    // A created and a deleted file, noted.
    await writeFile(join(dir, 'team', 'c.yaml'), cm('c', 'one'));
    await rm(join(dir, 'team', 'a.yaml'));
    loader.noteChanges([join(dir, 'team', 'c.yaml')]);
    loader.noteChanges([join(dir, 'team', 'a.yaml'), join(dir, 'team', 'gone.yaml')]);
    const moved = await loader.load();
    assert.deepEqual([value(moved, 'a'), value(moved, 'c')], [undefined, 'one']);
    assert.deepEqual(moved.files, [join(dir, 'b.yaml'), join(dir, 'team', 'c.yaml')]);
    // No notes: a full look, which finds b.yaml's change.
    const full = await loader.load();
    assert.equal(value(full, 'b'), 'two-but-bigger');
    assert.deepEqual(full.files, moved.files);
  });
});

test('noted changes that are not plain manifest files make the load list everything', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), cm('a', 'one'));
    const loader = new ConfigLoader({ paths: [dir] });
    await loader.load();
    await mkdir(join(dir, 'new'));
    await writeFile(join(dir, 'new', 'n.yaml'), cm('nn', 'one'));
    await writeFile(join(dir, 'a.yaml'), cm('a', 'two'));
    loader.noteChanges([join(dir, 'new')]); // a directory: its files are unknown
    const result = await loader.load();
    assert.deepEqual([value(result, 'a'), value(result, 'nn')], ['two', 'one']);
    await writeFile(join(dir, 'a.yaml'), cm('a', 'three'));
    loader.noteChanges([join(dir, 'new', 'n.yaml')]);
    loader.noteChanges(undefined); // "anything" wins over paths
    assert.equal(value(await loader.load(), 'a'), 'three');
  });
});

test('a failing document whose name cannot be read keeps its whole file', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), `${cm('a', 'one')}---\n${cm('b', 'one')}`);
    const loader = new ConfigLoader({ paths: [dir] });
    await loader.load();
    // The name of b was deleted: it cannot be matched to its previous version.
    await writeFile(join(dir, 'a.yaml'), `${cm('a', 'two')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n`);
    const result = await loader.load();
    assert.deepEqual(errors(result), ['metadata']);
    assert.deepEqual([value(result, 'a'), value(result, 'b')], ['one', 'one']);
  });
});

test('a deleted file removes its objects; a missing config path keeps everything from under it', async () => {
  await withDir(async (dir) => {
    const config = join(dir, 'config');
    await mkdir(config);
    await writeFile(join(config, 'a.yaml'), cm('a', 'one'));
    await writeFile(join(config, 'b.yaml'), cm('b', 'one'));
    const loader = new ConfigLoader({ paths: [config] });
    await loader.load();
    await rm(join(config, 'b.yaml'));
    const deleted = await loader.load();
    assert.equal(deleted.changed, true);
    assert.equal(value(deleted, 'b'), undefined);
    await rename(config, join(dir, 'elsewhere'));
    const missing = await loader.load();
    assert.deepEqual(errors(missing), ['path_not_found']);
    assert.equal(missing.changed, false);
    assert.equal(value(missing, 'a'), 'one');
    const stillMissing = await loader.load();
    assert.equal(value(stillMissing, 'a'), 'one');
    await rename(join(dir, 'elsewhere'), config);
    await writeFile(join(config, 'a.yaml'), cm('a', 'two'));
    assert.equal(value(await loader.load(), 'a'), 'two');
  });
});

test('a truncated (empty) file keeps its objects; a commented-out file removes them', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), cm('a', 'one'));
    const loader = new ConfigLoader({ paths: [dir] });
    await loader.load();
    await writeFile(join(dir, 'a.yaml'), '');
    const empty = await loader.load();
    assert.deepEqual(empty.diagnostics.map((d) => [d.code, d.severity]), [['empty_file', 'warning']]);
    assert.equal(empty.changed, false);
    assert.equal(value(empty, 'a'), 'one');
    await writeFile(join(dir, 'a.yaml'), cm('a', 'one').replace(/^/gm, '# '));
    const commented = await loader.load();
    assert.deepEqual(commented.diagnostics.map((d) => [d.code, d.severity]), [['empty_file', 'warning']]);
    assert.equal(commented.changed, true);
    assert.equal(value(commented, 'a'), undefined);
  });
});

test('duplicates across files: an error naming both, neither applied', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), cm('x', 'one'));
    const loader = new ConfigLoader({ paths: [dir] });
    await loader.load();
    await writeFile(join(dir, 'b.yaml'), `# copied\n${cm('x', 'two')}`);
    const result = await loader.load();
    assert.deepEqual(errors(result), ['duplicate_object']);
    assert.match(result.diagnostics[0]?.message ?? '', /b\.yaml:2:1 and at .*a\.yaml:1:1/);
    assert.equal(value(result, 'x'), 'one');
  });
});

test('a validator that throws fails the document, not the load; concurrent loads are serialised', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), `${cm('a', 'one')}---\n${cm('boom', 'one')}`);
    const loader = new ConfigLoader({
      paths: [dir],
      validate: (doc) => {
        if ((doc.object as { metadata: { name: string } }).metadata.name === 'boom') throw new Error('bug');
        return validateObject(doc);
      },
    });
    const results = await Promise.all([loader.load(), loader.load(), loader.load()]);
    assert.deepEqual(results.map((r) => r.snapshot.version), [1, 1, 1]);
    assert.deepEqual(results.map((r) => r.changed), [true, false, false]);
    assert.deepEqual(errors(results[0]), ['internal_error']);
    assert.equal(value(results[0], 'a'), 'one');
  });
});

test('noted loads after clean ones hand the store only the changes, with the result of full loads', async () => {
  await withDir(async (dir) => {
    const clock = (): Date => new Date('2026-01-01T00:00:00Z');
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    const c = join(dir, 'c.yaml');
    await writeFile(a, `${cm('a1', 'one')}---\n${cm('a2', 'one')}`);
    await writeFile(b, cm('b1', 'one'));
    const noted = new ConfigLoader({ paths: [dir], clock });
    const full = new ConfigLoader({ paths: [dir], clock });
    const view = (r: ConfigLoadResult): unknown =>
      [...r.snapshot.list('ConfigMap'), ...r.snapshot.list('HTTPRoute')].map((s) => ({ ...s, object: { ...s.object, metadata: { ...s.object.metadata, uid: '' } } }));
    const both = async (files: string[]): Promise<ConfigLoadResult> => {
      noted.noteChanges(files);
      const [x, y] = [await noted.load(), await full.load()];
      assert.deepEqual(view(x), view(y));
      assert.deepEqual(x.diagnostics, y.diagnostics);
      assert.equal(x.changed, y.changed);
      assert.equal(x.snapshot.version, y.snapshot.version);
      return x;
    };
    await both([]);
    // More noted files than the loader reads synchronously (SYNC_FILES): the same results.
    const many = [1, 2, 3, 4, 5].map((i) => join(dir, `m${i}.yaml`));
    for (const [i, f] of many.entries()) await writeFile(f, cm(`m${i}`, 'one'));
    const m = await both(many);
    assert.equal(value(m, 'm4'), 'one');
    assert.equal(m.lookedAt, 5, 'only the noted files were looked at');
    assert.equal((await full.load()).lookedAt, 7, 'a load without notes looks at every file');
    await writeFile(a, `${cm('a1', 'two')}---\n${cm('a2', 'one')}`); // one document edited
    assert.equal(value(await both([a]), 'a1'), 'two');
    await writeFile(a, `# a comment\n${cm('a1', 'two')}---\n${cm('a2', 'one')}`); // moved down a line
    await both([a]);
    await writeFile(c, route('r', '/c')); // a new file, and one removed
    await rm(b);
    const r = await both([c, b]);
    assert.equal(value(r, 'b1'), undefined);
    await writeFile(a, `${cm('a0', 'one')}---\n${cm('a1', 'two')}`);
    await both([a]);
    // The same document twice, word for word (the same piece text at two lines): a duplicate.
    await writeFile(a, `${cm('a0', 'one')}---\n${cm('a1', 'two')}---\n${cm('a1', 'two')}`);
    assert.deepEqual(errors(await both([a])), ['duplicate_object']);
    await writeFile(a, `${cm('a1', 'two')}---\n${cm('a1', 'three')}`); // a duplicate: the full path
    assert.deepEqual(errors(await both([a])), ['duplicate_object']);
    await writeFile(a, `${cm('a1', 'four')}---\n${cm('a3', 'one')}`); // fixed: clean again
    assert.deepEqual(errors(await both([a])), []);
    await writeFile(a, `${cm('a1', 'five')}---\n${cm('a3', 'one')}`); // and the next edit is a fast one again
    assert.equal(value(await both([a]), 'a1'), 'five');
    // An in-place save seen between its truncate and its write: the objects stay, one warning,
    // and the same again while it stays empty; then the write lands.
    await writeFile(a, '');
    const blank = await both([a]);
    assert.equal(value(blank, 'a1'), 'five');
    assert.equal(blank.changed, false);
    assert.deepEqual(blank.diagnostics.map((d) => [d.code, d.file]), [['empty_file', a]]);
    assert.deepEqual((await both([])).diagnostics.map((d) => d.code), ['empty_file'], 'read again by the next load');
    await writeFile(a, `${cm('a1', 'six')}---\n${cm('a3', 'one')}`);
    assert.equal(value(await both([a]), 'a1'), 'six');
    await writeFile(a, `${cm('a1', 'five')}---\n${cm('a3', 'one')}`);
    assert.equal(value(await both([a]), 'a1'), 'five');
    await writeFile(a, `${cm('a1', 'five')}---\nkind: ConfigMap\n`); // invalid: the last good a3 stays
    const bad = await both([a]);
    assert.equal(errors(bad).length, 1);
    assert.equal(value(bad, 'a1'), 'five');
  });
});
