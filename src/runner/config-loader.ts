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
import { hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { KubeObject } from '../api/meta.ts';
import type { Origin, SourcedObject } from '../sources/origin.ts';
import { listManifestFiles, parseManifestBytes, readManifestBytes, type FileListing } from '../sources/file/read.ts';
import { listingWithChanges } from '../sources/file/changes.ts';
import { decodeManifest } from '../sources/file/decode.ts';
import { splitDocuments, type DocumentText } from '../sources/file/documents.ts';
import { parseManifestPiece } from '../sources/file/parse.ts';
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
  /**
   * The outcome of each document (piece) of the file, by a hash of its text: reused by the next
   * read of the file for every document whose text is unchanged. Kept across a failed read, so
   * fixing a syntax error re-validates only what changed.
   */
  readonly pieces?: ReadonlyMap<string, PieceResult>;
}

/** One document's outcome (a piece of a file: sources/file/documents.ts). */
interface PieceResult {
  /** The line of the file where the piece starts: its positions are relative to that. */
  readonly line: number;
  /** Documents the piece holds (0 for blank or comment-only pieces). */
  readonly documents: number;
  readonly keepFile: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly objects: readonly { object: KubeObject; origin: Origin }[];
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
  /** Listed files whose last read failed (no cached result): a load with notes reads them again. */
  #uncached = new Set<string>();
  #lastFiles: readonly string[] = [];
  /** The last load's listing; a listing computed from it and noted changes needs it clean. */
  #lastListing: FileListing | undefined;
  /** Changes noted for the next load (noteChanges); 'all' or undefined: list everything. */
  #noted: Set<string> | 'all' | undefined;
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
    const fromNotes = notes && this.#lastListing ? await listingWithChanges(this.#lastListing, notes, this.#paths) : undefined;
    const listing = fromNotes ?? (await listManifestFiles(this.#paths));
    // With notes, a file not named keeps its cached result without being looked at (files
    // whose last read failed have none: they are read again). Without, every file is looked at.
    const toLoad = fromNotes && notes
      ? [...new Set([...notes, ...this.#uncached])].filter((file) => isListed(listing.files, file))
      : listing.files;
    const loadedNow = new Map<string, FileResult>();
    for (let i = 0; i < toLoad.length; i += READ_CONCURRENCY) {
      const batch = toLoad.slice(i, i + READ_CONCURRENCY);
      const loaded = await Promise.all(batch.map((file) => this.#loadFile(file)));
      batch.forEach((file, j) => loadedNow.set(file, loaded[j] as FileResult));
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
    return { snapshot: stored.snapshot, changed: stored.changed, diagnostics, files: listing.files };
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
    const decoded = decodeManifest(read.bytes, file);
    const split = 'text' in decoded ? splitDocuments(decoded.text) : undefined;
    const byPiece = split && 'text' in decoded ? this.#readPieces(file, decoded.text, split, pieces) : undefined;
    if (byPiece) return { hash, ...byPiece };

    // The whole file at once: it cannot be split, or a piece has a parse problem (the messages
    // are then exactly those of a whole-file parse), or it holds no object at all.
    const parsed = parseManifestBytes(read.bytes, file);
    if (parsed.failed) return { hash, keepFile: true, diagnostics: parsed.diagnostics, objects: [], invalidKeys: [], ...(pieces ? { pieces } : {}) };
    const whole = this.#validatePiece(parsed.documents, 1, [...parsed.diagnostics]);
    return { hash, keepFile: whole.keepFile, diagnostics: whole.diagnostics, objects: whole.objects, invalidKeys: whole.invalidKeys };
  }

  /**
   * The file's outcome assembled from its pieces, each parsed and validated only when its text is
   * new (a piece that moved up or down the file is reused with its lines shifted); undefined
   * when the whole file must be parsed instead (see #readFile).
   */
  #readPieces(file: string, text: string, split: readonly DocumentText[], previous: ReadonlyMap<string, PieceResult> | undefined): Omit<FileResult, 'hash'> | undefined {
    const keys = split.map((piece) => sha256(piece.text, 'base64'));
    // Nothing to reuse (a new file, or every document changed): one parse of the whole text
    // gives the same documents at the same positions (documents.ts) for one parser run instead
    // of one per document, which made a cold load ~5% slower.
    let wholeByPiece: SourcedObject[][] | undefined;
    if (!keys.some((key) => previous?.has(key))) {
      const parsed = parseManifestPiece(text, file, 1);
      if (parsed.diagnostics.length > 0) return undefined;
      wholeByPiece = split.map(() => []);
      let at = 0;
      for (const doc of parsed.documents) {
        while (at + 1 < split.length && (split[at + 1] as DocumentText).line <= doc.origin.line) at++;
        wholeByPiece[at]?.push(doc);
      }
    }
    const pieces = new Map<string, PieceResult>();
    const diagnostics: Diagnostic[] = [];
    const objects: { object: KubeObject; origin: Origin }[] = [];
    const invalidKeys: string[] = [];
    let keepFile = false;
    let documents = 0;
    for (const [index, piece] of split.entries()) {
      const key = keys[index] as string;
      let result = pieces.get(key) ?? previous?.get(key);
      if (result === undefined) {
        let docs = wholeByPiece?.[index];
        if (docs === undefined) {
          const parsed = parseManifestPiece(piece.text, file, piece.line);
          if (parsed.diagnostics.length > 0) return undefined;
          docs = parsed.documents;
        }
        result = this.#validatePiece(docs, piece.line, []);
      } else if (result.line !== piece.line) {
        result = shiftPiece(result, piece.line - result.line);
      }
      pieces.set(key, result);
      documents += result.documents;
      keepFile ||= result.keepFile;
      for (const d of result.diagnostics) diagnostics.push(d);
      for (const o of result.objects) objects.push(o);
      for (const k of result.invalidKeys) invalidKeys.push(k);
    }
    // No object at all: the whole-file parse gives the "empty file" warning.
    if (documents === 0) return undefined;
    return { keepFile, diagnostics, objects, invalidKeys, pieces };
  }

  /** Validates parsed documents; `diagnostics` holds what parsing said. */
  #validatePiece(documents: readonly SourcedObject[], line: number, diagnostics: Diagnostic[]): PieceResult {
    const objects: { object: KubeObject; origin: Origin }[] = [];
    const invalidKeys: string[] = [];
    let keepFile = false;
    for (const doc of documents) {
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
    return { line, documents: documents.length, keepFile, diagnostics, objects, invalidKeys };
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

/**
 * A piece's outcome `by` lines further down (lines were added or removed above it). Its
 * positions are all in its origins and diagnostics: validation places every diagnostic at a
 * position of the document (validation/report.ts), and nothing else in a result is positional.
 */
function shiftPiece(result: PieceResult, by: number): PieceResult {
  return {
    ...result,
    line: result.line + by,
    objects: result.objects.map(({ object, origin }) => ({ object, origin: { ...origin, line: origin.line + by } })),
    diagnostics: result.diagnostics.map((d) => (d.line === undefined ? d : { ...d, line: d.line + by })),
  };
}

/** SHA-256 of bytes or text, one call (crypto.hash: no Hash object per document, ~4x cheaper). */
function sha256(data: string | Uint8Array, encoding: 'hex' | 'base64'): string {
  return hash('sha256', data, encoding);
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
