import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listManifestFiles, readManifestBytes, readManifestBytesSync, readManifests } from './read.ts';
import { MAX_MANIFEST_BYTES } from './decode.ts';

const CM = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-read-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function names(result: { documents: { object: unknown }[] }): string[] {
  return result.documents.map((d) => (d.object as { metadata: { name: string } }).metadata.name);
}

test('directories are read recursively, sorted, *.yaml|*.yml|*.json only, dotfiles skipped', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'b', 'deep'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'z.yaml'), CM('z'));
    await writeFile(join(dir, 'a.yml'), CM('a'));
    await writeFile(join(dir, 'b', 'deep', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
    await writeFile(join(dir, 'b', 'm.yaml'), CM('m'));
    await writeFile(join(dir, 'README.md'), '# not a manifest: {');
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await writeFile(join(dir, 'upper.YAML'), CM('upper'));
    await writeFile(join(dir, '.hidden.yaml'), CM('hidden'));
    await writeFile(join(dir, '.git', 'x.yaml'), CM('git'));
    const result = await readManifests([dir]);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.files, [join(dir, 'a.yml'), join(dir, 'b', 'deep', 'c.json'), join(dir, 'b', 'm.yaml'), join(dir, 'z.yaml')]);
    assert.deepEqual(names(result), ['a', 'c', 'm', 'z']);
    assert.deepEqual(result.failedFiles, []);
  });
});

test('a file named explicitly is read whatever its extension; a file given twice is read once', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'one.txt'), CM('one'));
    await writeFile(join(dir, 'two.yaml'), CM('two'));
    const result = await readManifests([join(dir, 'one.txt'), dir, join(dir, 'two.yaml')]);
    assert.deepEqual(names(result), ['one', 'two']);
    assert.deepEqual(result.diagnostics, []);
  });
});

test('ConfigMap volume layout: symlinked files read once, ..data and timestamped dirs not twice', async () => {
  await withDir(async (dir) => {
    const volume = join(dir, 'config');
    const stamp = join(volume, '..2026_08_01_10_00_00.000000001');
    await mkdir(stamp, { recursive: true });
    await writeFile(join(stamp, 'gateway.yaml'), CM('gw'));
    await writeFile(join(stamp, 'routes.yaml'), CM('routes'));
    await symlink('..2026_08_01_10_00_00.000000001', join(volume, '..data'));
    await symlink('..data/gateway.yaml', join(volume, 'gateway.yaml'));
    await symlink('..data/routes.yaml', join(volume, 'routes.yaml'));
    // A dangling symlink (mid-update) is skipped, not an error.
    await symlink('..data/gone.yaml', join(volume, 'gone.yaml'));
    // A symlinked directory is followed; a loop back to the root is cut.
    await mkdir(join(dir, 'shared'));
    await writeFile(join(dir, 'shared', 'extra.yaml'), CM('extra'));
    await symlink(join(dir, 'shared'), join(volume, 'linked'));
    await symlink(volume, join(dir, 'shared', 'loop'));
    const result = await readManifests([volume]);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.files, [join(volume, 'gateway.yaml'), join(volume, 'linked', 'extra.yaml'), join(volume, 'routes.yaml')]);
    assert.deepEqual(names(result), ['gw', 'extra', 'routes']);
  });
});

test('a missing path is a diagnostic; other paths still load', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'ok.yaml'), CM('ok'));
    const missing = join(dir, 'nope');
    const result = await readManifests([missing, dir]);
    assert.deepEqual(names(result), ['ok']);
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.file]), [['path_not_found', missing]]);
    const listing = await listManifestFiles([missing]);
    assert.deepEqual(listing.missing, [missing]);
  });
});

test('a failed file loads none of its documents and is listed in failedFiles', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'bad.yaml'), `${CM('fine')}---\n${CM('broken')}data: {a: 1\n`);
    await writeFile(join(dir, 'good.yaml'), CM('good'));
    const result = await readManifests([dir]);
    assert.deepEqual(names(result), ['good']);
    assert.deepEqual(result.failedFiles, [join(dir, 'bad.yaml')]);
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.file, d.line]), [['yaml_syntax', join(dir, 'bad.yaml'), 11]]);
  });
});

test('binary garbage: one diagnostic for the file (NUL bytes, invalid UTF-8, UTF-16)', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'nul.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0x00, 0x01, 0x02, 0xff]));
    await writeFile(join(dir, 'latin1.yaml'), Buffer.from('a: caf\xe9\n', 'latin1'));
    await writeFile(join(dir, 'utf16.yaml'), Buffer.from(`\ufeff${CM('u')}`, 'utf16le'));
    await writeFile(join(dir, 'bom.yaml'), `\ufeff${CM('bom')}`);
    const result = await readManifests([dir]);
    assert.deepEqual(names(result), ['bom']);
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.file]), [
      ['binary_file', join(dir, 'latin1.yaml')],
      ['binary_file', join(dir, 'nul.yaml')],
      ['binary_file', join(dir, 'utf16.yaml')],
    ]);
    assert.equal(result.failedFiles.length, 3);
  });
});

test('a 50 MB file answers fast with one diagnostic and is not read', async () => {
  await withDir(async (dir) => {
    const big = join(dir, 'big.yaml');
    // A sparse file: 50 MB long without writing 50 MB.
    const handle = await open(big, 'w');
    await handle.truncate(50 * 1024 * 1024);
    await handle.close();
    await writeFile(join(dir, 'small.yaml'), CM('small'));
    const started = performance.now();
    const result = await readManifests([dir]);
    assert.ok(performance.now() - started < 500, 'answered without reading the file');
    assert.deepEqual(names(result), ['small']);
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.file]), [['file_too_large', big]]);
    assert.match(result.diagnostics[0]?.message ?? '', /50 MiB, over the 8 MiB limit/);
    assert.equal(MAX_MANIFEST_BYTES, 8 * 1024 * 1024);
  });
});

test('readManifestBytesSync gives what readManifestBytes gives: bytes, a missing file, a directory, a file over the limit', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), CM('a'));
    await mkdir(join(dir, 'sub.yaml'));
    const handle = await open(join(dir, 'big.yaml'), 'w');
    await handle.truncate(MAX_MANIFEST_BYTES + 1);
    await handle.close();
    for (const name of ['a.yaml', 'missing.yaml', 'sub.yaml', 'big.yaml']) {
      const file = join(dir, name);
      const sync = readManifestBytesSync(file);
      assert.deepEqual(sync, await readManifestBytes(file), name);
      if (name === 'a.yaml') assert.equal(Buffer.from((sync as { bytes: Uint8Array }).bytes).toString(), CM('a'));
      else assert.ok('diagnostic' in sync, name);
    }
  });
});
