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
 * Each file's validated result is cached by content hash, so a reload after one edit re-parses
 * and re-validates one file, not all of them.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import type { Origin, SourcedObject } from '../sources/origin.ts';
import { listManifestFiles, parseManifestBytes, readManifestBytes } from '../sources/file/read.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { validateObject } from '../validation/validate.ts';
import { storeKeyOfManifest } from '../store/keys.ts';
import type { Snapshot } from '../store/snapshot.ts';
import { ObjectStore } from '../store/store.ts';

export interface ConfigLoadResult {
  snapshot: Snapshot;
  /** False when the snapshot is the previous one (nothing changed): translation can be skipped. */
  changed: boolean;
  /** Every current problem: listing, reading, parsing, validation and store (duplicates). */
  diagnostics: readonly Diagnostic[];
  /** The manifest files found, sorted. */
  files: readonly string[];
}

/** The validation step's signature (src/validation/validate.ts). */
export type ValidateFn = (doc: SourcedObject) => { object?: KubeObject; diagnostics: readonly Diagnostic[] };

export interface ConfigLoaderOptions {
  paths: readonly string[];
  clock?: () => Date;
  /** Replaces validateObject (tests). */
  validate?: ValidateFn;
}

/** One file's outcome, cached by content hash. */
interface FileResult {
  readonly hash: string | undefined;
  /**
   * The file's stat identity when it was read (device, inode, size, mtime and ctime in ns), and
   * whether it can be trusted to mean "same content" on the next load (see #unchanged).
   */
  readonly stat?: { readonly key: string; readonly trusted: boolean };
  /** The file failed as a whole: its previous objects stay. */
  readonly keepFile: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly objects: readonly { object: KubeObject; origin: Origin }[];
  /** Keys of documents that failed validation: their previous versions stay. */
  readonly invalidKeys: readonly string[];
}

/** Files read at once: enough to overlap I/O, few enough not to exhaust descriptors. */
const READ_CONCURRENCY = 16;

/** A file changed this recently (ctime) is read again on the next load (see #unchanged). */
const RACY_MARGIN_NS = 2_000_000_000n;

export class ConfigLoader {
  readonly #paths: readonly string[];
  readonly #validate: ValidateFn;
  readonly #store: ObjectStore;
  #cache = new Map<string, FileResult>();
  #lastFiles: readonly string[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigLoaderOptions) {
    this.#paths = [...options.paths];
    this.#validate = options.validate ?? validateObject;
    this.#store = new ObjectStore(options.clock ? { clock: options.clock } : {});
  }

  /** The last published snapshot. */
  get snapshot(): Snapshot {
    return this.#store.snapshot;
  }

  /** Reads, validates and stores the config. Calls are serialised: one load at a time. */
  load(): Promise<ConfigLoadResult> {
    const run = this.#queue.then(() => this.#load());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<ConfigLoadResult> {
    const listing = await listManifestFiles(this.#paths);
    const results = new Map<string, FileResult>();
    for (let i = 0; i < listing.files.length; i += READ_CONCURRENCY) {
      const batch = listing.files.slice(i, i + READ_CONCURRENCY);
      const loaded = await Promise.all(batch.map((file) => this.#loadFile(file)));
      batch.forEach((file, j) => results.set(file, loaded[j] as FileResult));
    }

    const diagnostics: Diagnostic[] = [...listing.diagnostics];
    const objects: { object: KubeObject; origin: Origin }[] = [];
    const keepFiles: string[] = this.#lastFiles.filter((file) => listing.missing.some((path) => isUnder(file, path)));
    const keepKeys: string[] = [];
    for (const [file, result] of results) {
      diagnostics.push(...result.diagnostics);
      objects.push(...result.objects);
      keepKeys.push(...result.invalidKeys);
      if (result.keepFile) keepFiles.push(file);
    }

    const stored = this.#store.replaceAll({ objects, keepPrevious: { files: keepFiles, keys: keepKeys } });
    diagnostics.push(...stored.diagnostics);

    // Cache only what can be reused: results with a hash, for files that still exist.
    this.#cache = new Map([...results].filter(([, result]) => result.hash !== undefined));
    // Files kept from a missing path stay "known", so a later load still keeps them.
    this.#lastFiles = [...new Set([...listing.files, ...keepFiles])];
    return { snapshot: stored.snapshot, changed: stored.changed, diagnostics, files: listing.files };
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

  async #readFile(file: string): Promise<FileResult> {
    const read = await readManifestBytes(file);
    if ('diagnostic' in read) return { hash: undefined, keepFile: true, diagnostics: [read.diagnostic], objects: [], invalidKeys: [] };
    const hash = createHash('sha256').update(read.bytes).digest('hex');
    const cached = this.#cache.get(file);
    if (cached?.hash === hash) return cached;

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
      return { hash, keepFile: true, diagnostics: [diagnostic], objects: [], invalidKeys: [] };
    }
    const parsed = parseManifestBytes(read.bytes, file);
    if (parsed.failed) return { hash, keepFile: true, diagnostics: parsed.diagnostics, objects: [], invalidKeys: [] };

    const diagnostics: Diagnostic[] = [...parsed.diagnostics];
    const objects: { object: KubeObject; origin: Origin }[] = [];
    const invalidKeys: string[] = [];
    let keepFile = false;
    for (const doc of parsed.documents) {
      const verdict = this.#validateSafely(doc);
      diagnostics.push(...verdict.diagnostics);
      const failed = verdict.object === undefined || verdict.diagnostics.some((d) => d.severity === 'error');
      if (!failed && verdict.object) {
        objects.push({ object: verdict.object, origin: doc.origin });
        continue;
      }
      const key = storeKeyOfManifest(doc.object);
      if (key === undefined) keepFile = true;
      else invalidKeys.push(key);
    }
    return { hash, keepFile, diagnostics, objects, invalidKeys };
  }

  /** A validator bug must not take `serve` down: it fails the document, not the process. */
  #validateSafely(doc: SourcedObject): { object?: KubeObject; diagnostics: readonly Diagnostic[] } {
    try {
      return this.#validate(doc);
    } catch (error) {
      return {
        diagnostics: [{
          severity: 'error',
          code: 'internal_error',
          file: doc.origin.file,
          line: doc.origin.line,
          col: doc.origin.col,
          message: `validation failed unexpectedly: ${(error as Error).message}`,
        }],
      };
    }
  }
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
