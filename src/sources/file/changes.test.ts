import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listingWithChanges } from './changes.ts';
import { listManifestFiles } from './read.ts';

test('a listing updated from changed files equals a fresh listing; anything unusual gives up', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-changes-'));
  try {
    await mkdir(join(dir, 'b'));
    for (const f of ['a.yaml', 'b/x.yaml', 'c.json']) await writeFile(join(dir, f), 'a: 1\n');
    const last = await listManifestFiles([dir]);
    await writeFile(join(dir, 'b', 'w.yml'), 'a: 1\n');
    await rm(join(dir, 'a.yaml'));
    const changed = [join(dir, 'b', 'w.yml'), join(dir, 'a.yaml'), join(dir, 'never.yaml')];
    const updated = await listingWithChanges(last, changed, [dir]);
    assert.deepEqual(updated, await listManifestFiles([dir]));
    assert.deepEqual(await listingWithChanges(last, changed, [dir], { sync: true }), updated, 'looked at synchronously: the same');

    const fresh = await listManifestFiles([dir]);
    await mkdir(join(dir, 'new'));
    assert.equal(await listingWithChanges(fresh, [join(dir, 'new')], [dir]), undefined, 'a directory');
    assert.equal(await listingWithChanges(fresh, [join(dir, 'new')], [dir], { sync: true }), undefined, 'a directory, synchronously');
    assert.equal(await listingWithChanges(fresh, [join(dir, '.hidden.yaml')], [dir]), undefined, 'a dot name');
    assert.equal(await listingWithChanges(fresh, [join(dir, 'notes.txt')], [dir]), undefined, 'not a manifest name');
    assert.equal(await listingWithChanges(fresh, [join(tmpdir(), 'elsewhere.yaml')], [dir]), undefined, 'outside the paths');
    await symlink(join(dir, 'c.json'), join(dir, 'link.yaml'));
    assert.equal(await listingWithChanges(fresh, [join(dir, 'link.yaml')], [dir]), undefined, 'a symlink');
    const withLink = await listManifestFiles([dir]);
    assert.equal(withLink.symlinks, true);
    assert.equal(await listingWithChanges(withLink, [join(dir, 'c.json')], [dir]), undefined, 'the tree has a symlink');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
