/**
 * A new listing from the last one and the files reported changed (the watcher's
 * WatchChange.paths), without walking the directories: with one object per file (40k files at
 * N = 10k) listing and stat-ing every file cost ~1 s per edit (BENCHMARKS.md "Control plane").
 */
import { lstatSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { isManifestName, type FileListing } from './read.ts';

/** Where `item` is or would go in the sorted `list` (the listing's order: UTF-16 code units). */
function sortedIndex(list: readonly string[], item: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as string) < item) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `last` with the `changed` files added or removed as they are now, equal to what
 * listManifestFiles(`paths`) would give if nothing else changed; undefined when that cannot be
 * decided from the changed files alone and everything must be listed: `last` had a problem, a
 * missing path or a symlink (a file may then have two names, of which the listing keeps one),
 * or a changed path is not a plain manifest file under a given directory (a directory, a
 * symlink, a dot-named entry, a name the walk does not read).
 */
export async function listingWithChanges(last: FileListing, changed: Iterable<string>, paths: readonly string[], options: { sync?: boolean } = {}): Promise<FileListing | undefined> {
  if (last.diagnostics.length > 0 || last.missing.length > 0 || last.symlinks) return undefined;
  const files = [...last.files];
  for (const path of changed) {
    const root = paths.find((p) => {
      const rel = relative(p, path);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (root === undefined || !isManifestName(basename(path))) return undefined;
    if (relative(root, path).split(sep).some((part) => part.startsWith('.'))) return undefined;
    let exists: boolean;
    try {
      // sync: a few files, looked at without waiting for turns of a busy event loop (read.ts readManifestBytesSync).
      const info = options.sync === true ? lstatSync(path) : await lstat(path);
      if (!info.isFile()) return undefined;
      exists = true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
      exists = false;
    }
    const at = sortedIndex(files, path);
    if (exists && files[at] !== path) files.splice(at, 0, path);
    else if (!exists && files[at] === path) files.splice(at, 1);
  }
  return { files, diagnostics: [], missing: [], symlinks: false };
}
