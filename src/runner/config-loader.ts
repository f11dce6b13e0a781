/**
 * The file-mode config pipeline: read manifests -> validate each document -> store.replaceAll.
 * The CLI runs it once; `serve` runs it again on every watch event (sources/file/watch.ts), and
 * this is where "an invalid change leaves the last good config serving" is decided:
 * - a file that fails to read or parse keeps all its previous objects (keepPrevious.files);
 * - a document that fails validation keeps its previous version (keepPrevious.keys), or, when
 *   its kind and name cannot be read, keeps its whole file;
 * - an empty file (zero bytes or whitespace) keeps its previous objects, see #loadFile;
 * - a configured path that disappears keeps the objects that came from under it (a volume being
 *   remounted must not take every route down; the diagnostic says why nothing changed).
 *
 * Each file's validated result is cached by content hash, and within a file each document's by
 * its text (sources/file/documents.ts), so a reload after one edit re-parses and re-validates
 * one document, not its whole file nor every file.
 */
import { statSync, type BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import type { Origin } from '../sources/origin.ts';
import { listManifestFiles, readManifestBytes, readManifestBytesSync, type FileListing } from '../sources/file/read.ts';
import { listingWithChanges } from '../sources/file/changes.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { validateObject } from '../validation/validate.ts';
import type { Snapshot } from '../store/snapshot.ts';
import { ObjectStore } from '../store/store.ts';
import { fileOutcome, sha256, type FileResult, type ValidateFn } from './config-loader-files.ts';

export type { ValidateFn } from './config-loader-files.ts';

export interface ConfigLoadResult {
  snapshot: Snapshot;
  /** False when the snapshot is the previous one (nothing changed): translation can be skipped. */
  changed: boolean;
  /** Every current problem: listing, reading, parsing, validation and store (duplicates). */
  diagnostics: readonly Diagnostic[];
  /** The manifest files found, sorted. */
  files: readonly string[];
  /** How many files this load looked at (stat, and read if changed): all, or the noted ones. */
  lookedAt: number;
}

export interface ConfigLoaderOptions {
  paths: readonly string[];
  clock?: () => Date;
  /** Replaces validateObject (tests). */
  validate?: ValidateFn;
}

/** Files read at once: enough to overlap I/O, few enough not to exhaust descriptors. */
const READ_CONCURRENCY = 16;

/**
 * A load that looks at this many files or fewer (an edit's noted files) stats and reads them
 * synchronously: under traffic each await of an async read waits for a turn of the event loop
 * behind a batch of requests, and an edit's load made ~8 of them (read.ts readManifestBytesSync).
 */
const SYNC_FILES = 4;

/** A file changed this recently (ctime) is read again on the next load (see #unchanged). */
const RACY_MARGIN_NS = 2_000_000_000n;

export class ConfigLoader {
  readonly #paths: readonly string[];
  readonly #validate: ValidateFn;
  readonly #store: ObjectStore;
  #cache = new Map<string, FileResult>();
  /** Listed files whose last read failed (no cached result): a load with notes reads them again. */
  #uncached = new Set<string>();
  #lastFiles: readonly string[] = [];
  /** The last load's listing; a listing computed from it and noted changes needs it clean. */
  #lastListing: FileListing | undefined;
  /** Changes noted for the next load (noteChanges); 'all' or undefined: list everything. */
  #noted: Set<string> | 'all' | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /**
   * The last load had no problem at all (no diagnostic, nothing kept, every file read): the
   * next load with notes can hand the store just what changed (#loadChanges).
   */
  #clean = false;

  constructor(options: ConfigLoaderOptions) {
    this.#paths = [...options.paths];
    this.#validate = options.validate ?? validateObject;
    this.#store = new ObjectStore(options.clock ? { clock: options.clock } : {});
  }

  /** The last published snapshot. */
  get snapshot(): Snapshot {
    return this.#store.snapshot;
  }

  /**
   * Tells the next load() what changed, as the file watcher reports it (sources/file/watch.ts
   * WatchChange.paths): the manifest files written, created or deleted; undefined when anything
   * may have changed. Notes add up until a load takes them. With notes, and nothing but notes,
   * the next load looks only at those files (no listing, no stat of the others): at 40k files
   * listing and stat-ing every file cost ~1 s per edit (BENCHMARKS.md "Control plane"). The
   * watcher's rescan is what catches a change fs.watch missed: it reports "anything".
   */
  noteChanges(paths: readonly string[] | undefined): void {
    if (paths === undefined) this.#noted = 'all';
    else if (this.#noted !== 'all') {
      this.#noted ??= new Set();
      for (const path of paths) this.#noted.add(path);
    }
  }

  /** Reads, validates and stores the config. Calls are serialised: one load at a time. */
  load(): Promise<ConfigLoadResult> {
    const run = this.#queue.then(() => this.#load());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<ConfigLoadResult> {
    const noted = this.#noted;
    this.#noted = undefined;
    const notes = noted instanceof Set ? noted : undefined;
    const sync = notes !== undefined && notes.size + this.#uncached.size <= SYNC_FILES;
    const fromNotes = notes && this.#lastListing ? await listingWithChanges(this.#lastListing, notes, this.#paths, { sync }) : undefined;
    const listing = fromNotes ?? (await listManifestFiles(this.#paths));
    // With notes, a file not named keeps its cached result without being looked at (files
    // whose last read failed have none: they are read again). Without, every file is looked at.
    const toLoad = fromNotes && notes
      ? [...new Set([...notes, ...this.#uncached])].filter((file) => isListed(listing.files, file))
      : listing.files;
    const loadedNow = new Map<string, FileResult>();
    if (fromNotes && sync) {
      for (const file of toLoad) loadedNow.set(file, this.#loadFileSync(file));
    }
    for (let i = loadedNow.size; i < toLoad.length; i += READ_CONCURRENCY) {
      const batch = toLoad.slice(i, i + READ_CONCURRENCY);
      const loaded = await Promise.all(batch.map((file) => this.#loadFile(file)));
      batch.forEach((file, j) => loadedNow.set(file, loaded[j] as FileResult));
    }
    if (fromNotes && notes && this.#clean && listing.missing.length === 0 && listing.diagnostics.length === 0) {
      const fast = this.#loadChanges(listing, notes, loadedNow);
      if (fast) return fast;
    }
    // Per file, not per object, and no map built: with one object per file (40k files) the
    // loader's own bookkeeping was most of an edit's load (BENCHMARKS.md "Control plane").
    const cache = this.#cache;
    const resultOf = (file: string): FileResult => loadedNow.get(file) ?? (cache.get(file) as FileResult);

    const diagnostics: Diagnostic[] = [...listing.diagnostics];
    const objects: { object: KubeObject; origin: Origin }[] = [];
    const keepFiles: string[] = listing.missing.length === 0 ? [] : this.#lastFiles.filter((file) => listing.missing.some((path) => isUnder(file, path)));
    const keepKeys: string[] = [];
    for (const file of listing.files) {
      const result = resultOf(file);
      for (const d of result.diagnostics) diagnostics.push(d);
      for (const o of result.objects) objects.push(o);
      for (const k of result.invalidKeys) keepKeys.push(k);
      if (result.keepFile) keepFiles.push(file);
    }

    const stored = this.#store.replaceAll({ objects, keepPrevious: { files: keepFiles, keys: keepKeys } });
    diagnostics.push(...stored.diagnostics);

    // Cache only what can be reused: results with a hash, for files that still exist.
    if (fromNotes && notes) {
      for (const file of notes) if (!isListed(listing.files, file)) cache.delete(file);
      for (const [file, result] of loadedNow) this.#remember(file, result);
    } else {
      this.#cache = new Map();
      this.#uncached = new Set();
      for (const file of listing.files) this.#remember(file, resultOf(file));
    }
    // Files kept from a missing path stay "known", so a later load still keeps them.
    this.#lastFiles = keepFiles.length === 0 ? listing.files : [...new Set([...listing.files, ...keepFiles])];
    this.#lastListing = listing;
    this.#clean = diagnostics.length === 0 && keepFiles.length === 0 && keepKeys.length === 0 && this.#uncached.size === 0;
    return { snapshot: stored.snapshot, changed: stored.changed, diagnostics, files: listing.files, lookedAt: toLoad.length };
  }

  /**
   * A load with notes after a clean load, when the files looked at are clean too: the store gets
   * only the objects that changed (store.replaceChanges), with no walk over every file and
   * object. Undefined when the full path is needed (a problem to report or keep, or a change the
   * store will not take as such); nothing has been changed then.
   */
  #loadChanges(listing: FileListing, notes: ReadonlySet<string>, loadedNow: ReadonlyMap<string, FileResult>): ConfigLoadResult | undefined {
    const cache = this.#cache;
    // A file read empty keeps its objects (#readFile): an in-place save caught between its
    // truncate and its write. Here that is "no change" plus the warning, and the file is read
    // again by the next load (#uncached), not a full load, nor one more after it (#clean): at
    // N = 10k each full load cost ~50 ms of an edit's 50 ms (issue "Performance").
    const blanks = new Set<string>();
    for (const [file, result] of loadedNow) {
      if (isBlankResult(result) && cache.has(file)) blanks.add(file);
      else if (hasProblem(result)) return undefined;
    }
    // Files looked at, and noted files that are gone, in listing order (the store numbers
    // resourceVersions in input order).
    const files = [...new Set([...loadedNow.keys(), ...[...notes].filter((file) => cache.has(file) && !isListed(listing.files, file))])].sort();
    const added: { object: KubeObject; origin: Origin }[] = [];
    const gone: { object: KubeObject; origin: Origin }[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const file of files) {
      if (blanks.has(file)) {
        diagnostics.push(...(loadedNow.get(file)?.diagnostics ?? []));
        continue;
      }
      const before = cache.get(file)?.objects ?? [];
      const after = loadedNow.get(file)?.objects ?? [];
      if (before === after) continue;
      const was = new Set(before);
      const now = new Set(after);
      // One object twice in a file (defensive: a repeated document is a new piece at its own
      // line, so it has its own objects) would be a duplicate the full path reports
      // (store.replaceAll), and a diff by identity would hide.
      if (now.size !== after.length) return undefined;
      for (const o of after) if (!was.has(o)) added.push(o);
      for (const o of before) if (!now.has(o)) gone.push(o);
    }
    const stored = this.#store.replaceChanges({ added, gone });
    if (!stored) return undefined;
    for (const file of notes) if (!isListed(listing.files, file)) cache.delete(file);
    for (const [file, result] of loadedNow) {
      if (blanks.has(file)) this.#uncached.add(file); // its cached result stays: what the store holds
      else this.#remember(file, result);
    }
    this.#lastFiles = listing.files;
    this.#lastListing = listing;
    this.#clean = stored.diagnostics.length === 0;
    return { snapshot: stored.snapshot, changed: stored.changed, diagnostics: [...diagnostics, ...stored.diagnostics], files: listing.files, lookedAt: loadedNow.size };
  }

  /** Caches a file's result if it can be reused (it has a hash), else marks it to read again. */
  #remember(file: string, result: FileResult): void {
    if (result.hash !== undefined) {
      this.#cache.set(file, result);
      this.#uncached.delete(file);
    } else {
      this.#cache.delete(file);
      this.#uncached.add(file);
    }
  }

  /**
   * The cached result of a file whose stat identity is unchanged since it was read, if it can be
   * trusted. Reading and hashing every file on every reload cost ~40 ms at N = 10k (19 MB of
   * manifests) for an edit of one file; a stat is ~1000x cheaper (BENCHMARKS.md "Control plane").
   *
   * Why this is safe: any write to a file updates its ctime, which user space cannot set back,
   * and a file replaced by rename has another inode. The one gap is timestamp granularity (a
   * kernel tick, up to seconds on some file systems): a write landing in the same tick as our
   * read, with the same size, would look unchanged. So, as git does for its index ("racy git"),
   * a file whose ctime is within RACY_MARGIN_NS of when we looked at it is not trusted: it is
   * read and hashed again on the next load, until it is old enough.
   */
  async #unchanged(file: string): Promise<{ cached?: FileResult; stat?: { key: string; trusted: boolean } }> {
    const lookedAt = BigInt(Date.now()) * 1_000_000n;
    let info;
    try {
      info = await stat(file, { bigint: true });
    } catch {
      return {}; // The read below reports why.
    }
    return this.#compare(file, info, lookedAt);
  }

  /** #unchanged's verdict on a stat taken at `lookedAt` (ns since the epoch). */
  #compare(file: string, info: BigIntStats, lookedAt: bigint): { cached?: FileResult; stat?: { key: string; trusted: boolean } } {
    const key = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    const trusted = info.ctimeNs < lookedAt - RACY_MARGIN_NS;
    const cached = this.#cache.get(file);
    if (cached?.stat?.trusted && cached.stat.key === key) return { cached };
    return { stat: { key, trusted } };
  }

  async #loadFile(file: string): Promise<FileResult> {
    // Stat before reading: a write during the read changes the ctime after this stat, so the
    // next load sees a different key and reads again.
    const { cached: unchanged, stat: statKey } = await this.#unchanged(file);
    if (unchanged) return unchanged;
    const result = await this.#readFile(file);
    return statKey && result.hash !== undefined ? { ...result, stat: statKey } : result;
  }

  /** #loadFile without the event loop (SYNC_FILES), same steps and results. */
  #loadFileSync(file: string): FileResult {
    const lookedAt = BigInt(Date.now()) * 1_000_000n;
    let verdict: { cached?: FileResult; stat?: { key: string; trusted: boolean } } = {};
    try {
      verdict = this.#compare(file, statSync(file, { bigint: true }), lookedAt);
    } catch {
      // The read below reports why.
    }
    if (verdict.cached) return verdict.cached;
    const result = this.#outcome(file, readManifestBytesSync(file));
    return verdict.stat && result.hash !== undefined ? { ...result, stat: verdict.stat } : result;
  }

  async #readFile(file: string): Promise<FileResult> {
    return this.#outcome(file, await readManifestBytes(file));
  }

  /** What a file's bytes (or its read error) give, reusing the cached result or its pieces. */
  #outcome(file: string, read: { bytes: Uint8Array } | { diagnostic: Diagnostic }): FileResult {
    if ('diagnostic' in read) return { hash: undefined, keepFile: true, diagnostics: [read.diagnostic], objects: [], invalidKeys: [] };
    const hash = sha256(read.bytes, 'hex');
    const cached = this.#cache.get(file);
    if (cached?.hash === hash) return cached;
    // Failed outcomes keep the last pieces, so the edit that fixes a file re-validates little.
    const pieces = cached?.pieces;

    if (isBlank(read.bytes)) {
      // Editors that save in place truncate the file first: a reload in that window must not
      // take the file's routes down. Emptying a file therefore keeps its objects; deleting the
      // file (or commenting everything out) removes them.
      const diagnostic: Diagnostic = {
        severity: 'warning',
        code: 'empty_file',
        file,
        message: 'the file is empty; objects loaded from it before, if any, stay until it is deleted or has content',
      };
      return { hash, keepFile: true, diagnostics: [diagnostic], objects: [], invalidKeys: [], ...(pieces ? { pieces } : {}) };
    }
    return { hash, ...fileOutcome(file, read.bytes, pieces, this.#validate) };
  }

}

/** True when `file` is in the sorted `files` (binary search: the listing can hold 40k files). */
function isListed(files: readonly string[], file: string): boolean {
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((files[mid] as string) < file) lo = mid + 1;
    else hi = mid;
  }
  return files[lo] === file;
}

/** The outcome of a file read empty (#readFile): keeps its objects, with one warning. */
function isBlankResult(result: FileResult): boolean {
  return result.hash !== undefined && result.keepFile && result.objects.length === 0 && result.invalidKeys.length === 0
    && result.diagnostics.length === 1 && result.diagnostics[0]?.code === 'empty_file';
}

/** A file outcome with something to report or keep (the full load path handles those). */
function hasProblem(result: FileResult): boolean {
  return result.hash === undefined || result.keepFile || result.diagnostics.length > 0 || result.invalidKeys.length > 0;
}

/** Zero bytes, or only whitespace. */
function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return true;
}

/** True when `file` was found under the configured `path` (or is that path). */
function isUnder(file: string, path: string): boolean {
  const rel = relative(resolve(path), resolve(file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
