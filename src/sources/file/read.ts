/**
 * Reads manifests from files and directories: the file source of standalone mode
 * (design.md "Contracts": `serve --config DIR` reads DIR recursively, `*.yaml|*.yml|*.json`).
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { closeSync, fstatSync, openSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../../validation/diagnostic.ts';
import type { SourcedObject } from '../origin.ts';
import { MAX_MANIFEST_BYTES, decodeManifest, tooLargeDiagnostic } from './decode.ts';
import { parseManifestText } from './parse.ts';

/** kubectl's list (FileExtensions in its resource builder), matched as it does: case-sensitively. */
const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** Bounds directory recursion (symlink loops are also cut by the visited set). */
const MAX_DEPTH = 64;

export interface ReadResult {
  /** Documents of the files that loaded without error, in file order then document order. */
  documents: SourcedObject[];
  diagnostics: Diagnostic[];
  /** Files that could not be read or parsed: none of their documents are in `documents`. */
  failedFiles: string[];
  /** Every manifest file found, sorted. */
  files: string[];
}

export interface FileListing {
  /** Manifest files, sorted, each named by the path the user gave joined with the names found. */
  files: string[];
  diagnostics: Diagnostic[];
  /** Given paths that do not exist (a diagnostic was also produced for each). */
  missing: string[];
  /**
   * A symlink was followed under a given directory: a file may then be reachable by two names,
   * of which the listing keeps one, so a change reported under another name means nothing alone.
   */
  symlinks: boolean;
}

/** True for a name the directory walk reads. */
export function isManifestName(name: string): boolean {
  return !name.startsWith('.') && MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function readError(file: string, error: unknown): Diagnostic {
  const code = errnoCode(error);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
  return { severity: 'error', code: 'read_error', file, message: `cannot read: ${why}` };
}

/**
 * Lists the manifest files under `paths`. A path naming a file is taken whatever its extension
 * (as `kubectl apply -f file` does); directories are walked recursively for `*.yaml|*.yml|*.json`.
 *
 * Names starting with a dot are skipped. That is also what makes a Kubernetes ConfigMap volume
 * read once: it holds `..2026_01_01_00_00_00.123/` (the real files), `..data -> ..2026_...`
 * and, visible, `app.yaml -> ..data/app.yaml`. Symlinks are followed, to files and to
 * directories, and one real file reached by two names is read once (under its smallest name).
 */
export async function listManifestFiles(paths: readonly string[]): Promise<FileListing> {
  const diagnostics: Diagnostic[] = [];
  const missing: string[] = [];
  const byRealPath = new Map<string, string>();
  const visitedDirs = new Set<string>();
  let symlinks = false;

  /** `knownReal`: the file's real path when the caller already knows it (see walk). */
  const addFile = async (file: string, knownReal?: string): Promise<void> => {
    let real: string;
    try {
      real = knownReal ?? (await realpath(file));
    } catch (error) {
      diagnostics.push(readError(file, error));
      return;
    }
    const known = byRealPath.get(real);
    if (known === undefined || file < known) byRealPath.set(real, file);
  };

  const walk = async (dir: string, depth: number): Promise<void> => {
    let real: string;
    let entries: Dirent[];
    try {
      real = await realpath(dir);
      if (visitedDirs.has(real)) return;
      visitedDirs.add(real);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      diagnostics.push(readError(dir, error));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        symlinks = true;
        try {
          const target = await stat(path);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          // A dangling symlink (e.g. mid-swap of a ConfigMap volume): the next reload sees it.
          continue;
        }
      }
      if (isDir && depth < MAX_DEPTH) await walk(path, depth + 1);
      // A regular file (not a symlink) in a directory whose real path is `real` has the real
      // path `real/name`: no realpath(3) per file. With one object per file, that call was
      // most of the listing time (40k files at N = 10k; BENCHMARKS.md "Control plane").
      else if (isFile && isManifestName(entry.name)) await addFile(path, entry.isSymbolicLink() ? undefined : join(real, entry.name));
    }
  };

  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
        missing.push(path);
        diagnostics.push({ severity: 'error', code: 'path_not_found', file: path, message: 'no such file or directory' });
      } else {
        diagnostics.push(readError(path, error));
      }
      continue;
    }
    if (info.isDirectory()) await walk(path, 0);
    else if (info.isFile()) await addFile(path);
    else diagnostics.push({ severity: 'error', code: 'read_error', file: path, message: 'not a regular file or a directory' });
  }
  const files = [...byRealPath.values()].sort();
  return { files, diagnostics, missing, symlinks };
}

/**
 * Reads one file's bytes, refusing files over MAX_MANIFEST_BYTES without reading them (the size
 * is checked on the open descriptor, so a 50 MB file costs one fstat).
 */
export async function readManifestBytes(file: string): Promise<{ bytes: Uint8Array } | { diagnostic: Diagnostic }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    return { diagnostic: readError(file, error) };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { diagnostic: { severity: 'error', code: 'read_error', file, message: 'not a regular file' } };
    if (info.size > MAX_MANIFEST_BYTES) return { diagnostic: tooLargeDiagnostic(file, info.size) };
    // The file may have grown since the stat (it is being written): check again after reading.
    const bytes = await handle.readFile();
    if (bytes.length > MAX_MANIFEST_BYTES) return { diagnostic: tooLargeDiagnostic(file, bytes.length) };
    return { bytes };
  } catch (error) {
    return { diagnostic: readError(file, error) };
  } finally {
    await handle.close();
  }
}

/**
 * readManifestBytes without the event loop: for the one or few files an edit touched (the config
 * loader decides; config-loader.ts SYNC_FILES). Each await of the async version waits for a turn
 * of the event loop, and a gateway under load runs a batch of requests in every turn, so five
 * awaits of a 50 KB read took milliseconds each (issue "Performance": edit applied within 50 ms).
 * Bounded: a file of at most MAX_MANIFEST_BYTES from a local disk, which is then parsed on this
 * same thread anyway.
 */
export function readManifestBytesSync(file: string): { bytes: Uint8Array } | { diagnostic: Diagnostic } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return { diagnostic: readError(file, error) };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { diagnostic: { severity: 'error', code: 'read_error', file, message: 'not a regular file' } };
    if (info.size > MAX_MANIFEST_BYTES) return { diagnostic: tooLargeDiagnostic(file, info.size) };
    const bytes = readFileSync(fd);
    if (bytes.length > MAX_MANIFEST_BYTES) return { diagnostic: tooLargeDiagnostic(file, bytes.length) };
    return { bytes };
  } catch (error) {
    return { diagnostic: readError(file, error) };
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses one file; `failed` when any error diagnostic was produced. */
export async function readManifestFile(file: string): Promise<{ documents: SourcedObject[]; diagnostics: Diagnostic[]; failed: boolean }> {
  const read = await readManifestBytes(file);
  if ('diagnostic' in read) return { documents: [], diagnostics: [read.diagnostic], failed: true };
  return parseManifestBytes(read.bytes, file);
}

/** Decodes and parses bytes already read; `failed` when any error diagnostic was produced. */
export function parseManifestBytes(bytes: Uint8Array, file: string): { documents: SourcedObject[]; diagnostics: Diagnostic[]; failed: boolean } {
  const decoded = decodeManifest(bytes, file);
  if ('diagnostic' in decoded) return { documents: [], diagnostics: [decoded.diagnostic], failed: true };
  const parsed = parseManifestText(decoded.text, file);
  const failed = parsed.diagnostics.some((d) => d.severity === 'error');
  return { documents: parsed.documents, diagnostics: parsed.diagnostics, failed };
}

/** Reads every manifest under `paths` (files or directories), in sorted file order. */
export async function readManifests(paths: readonly string[]): Promise<ReadResult> {
  const listing = await listManifestFiles(paths);
  const result: ReadResult = { documents: [], diagnostics: [...listing.diagnostics], failedFiles: [], files: listing.files };
  for (const file of listing.files) {
    const read = await readManifestFile(file);
    result.diagnostics.push(...read.diagnostics);
    if (read.failed) result.failedFiles.push(file);
    else result.documents.push(...read.documents);
  }
  return result;
}
