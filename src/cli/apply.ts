/**
 * `lastmile apply -f PATH... --config DIR`: validate everything first (one error and nothing is
 * written), then write each object into DIR, where `serve --config DIR` picks it up. An object
 * already defined in DIR is updated in the file where it lives (the other documents of that file
 * are left byte for byte); a new one gets its own file `<kind>-<namespace>-<name>.yaml`. Each
 * file is replaced atomically; an unchanged object is not written at all.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { kindInfo } from '../api/kinds.ts';
import { objectKey, type KubeObject } from '../api/meta.ts';
import { readManifests } from '../sources/file/read.ts';
import { formatDiagnostic } from '../validation/diagnostic.ts';
import { validateObject } from '../validation/validate.ts';
import { writeFileAtomic } from './atomic-write.ts';
import type { VerbContext } from './context.ts';
import { readInput, type InputObject } from './input.ts';
import { CliError } from './io.ts';
import { resourceName } from './print/output.ts';

export interface ApplyOptions {
  filename: string[];
  config: string;
}

type Action = 'created' | 'configured' | 'unchanged';

interface Existing {
  readonly file: string;
  readonly raw: unknown;
  readonly validated?: KubeObject;
}

/** The kind/namespace/name key of a document as written (namespace defaulted as the API server does). */
function rawKey(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const doc = raw as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const info = typeof doc.kind === 'string' ? kindInfo(doc.kind) : undefined;
  const name = doc.metadata?.name;
  if (info === undefined || typeof name !== 'string') return undefined;
  const ns = typeof doc.metadata?.namespace === 'string' && doc.metadata.namespace !== '' ? doc.metadata.namespace : 'default';
  return objectKey(info.kind, info.namespaced ? ns : undefined, name);
}

function keyOf(object: KubeObject): string {
  return objectKey(object.kind, object.metadata.namespace, object.metadata.name ?? '');
}

function withoutStatus(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object') return raw;
  const { status: _status, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/** Where each object of DIR is defined, and which files hold a Secret. */
async function loadExisting(dir: string): Promise<{ byKey: Map<string, Existing>; secretFiles: Set<string>; failedFiles: string[] }> {
  const read = await readManifests([dir]);
  const byKey = new Map<string, Existing>();
  const secretFiles = new Set<string>();
  for (const doc of read.documents) {
    const result = validateObject(doc);
    const key = result.object !== undefined ? keyOf(result.object) : rawKey(doc.object);
    if ((doc.object as { kind?: unknown } | null)?.kind === 'Secret') secretFiles.add(doc.origin.file);
    if (key === undefined || byKey.has(key)) continue;
    byKey.set(key, { file: doc.origin.file, raw: doc.object, ...(result.object ? { validated: result.object } : {}) });
  }
  return { byKey, secretFiles, failedFiles: read.failedFiles };
}

function serialize(raw: unknown, file: string): string {
  if (extname(file) === '.json') return `${JSON.stringify(raw, null, 2)}\n`;
  // YAML 1.1 as the file source reads it, so strings such as "on" or "0755" come back as written.
  return stringify(raw, { version: '1.1', lineWidth: 0 });
}

/**
 * Replaces, in a manifest file's text, the documents that define the given objects, leaving every
 * other byte of the file as it was.
 */
function rewriteDocuments(text: string, file: string, replacements: ReadonlyMap<string, unknown>): string {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const splices: { start: number; end: number; text: string }[] = [];
  const done = new Set<string>();
  for (const doc of Array.isArray(docs) ? docs : []) {
    const contents = doc.contents;
    if (contents === null || contents.range === undefined || contents.range === null) continue;
    const key = rawKey(doc.toJS());
    if (key === undefined || !replacements.has(key) || done.has(key)) continue;
    done.add(key);
    const [start, valueEnd] = contents.range;
    // The node's range may or may not take in its final line break (block vs flow nodes): keep
    // whatever line ending was there.
    const ending = text.slice(start, valueEnd).endsWith('\n') ? '\n' : '';
    splices.push({ start, end: valueEnd, text: serialize(replacements.get(key), file).replace(/\n$/, '') + ending });
  }
  for (const key of replacements.keys()) {
    if (!done.has(key)) {
      throw new CliError(`error: ${key} is defined in ${file} in a form apply cannot edit (e.g. inside a List); edit that file by hand`);
    }
  }
  let out = text;
  for (const s of splices.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** `<kind>-<namespace>-<name>.yaml`, lowercase, and not a file that already exists. */
async function newFileName(dir: string, object: KubeObject, taken: ReadonlySet<string>): Promise<string> {
  const parts = [object.kind, object.metadata.namespace, object.metadata.name].filter((p): p is string => p !== undefined && p !== '');
  const stem = parts.join('-').toLowerCase();
  for (let i = 1; ; i++) {
    const file = join(dir, `${stem}${i === 1 ? '' : `-${i}`}.yaml`);
    if (!taken.has(file) && !(await exists(file))) return file;
  }
}

/** Runs `apply`; returns the exit code. */
export async function runApply(ctx: VerbContext, opts: ApplyOptions): Promise<number> {
  const dir = opts.config;
  const dirInfo = await stat(dir).catch(() => undefined);
  if (dirInfo !== undefined && !dirInfo.isDirectory()) throw new CliError(`error: --config ${dir}: not a directory`);

  const input = await readInput(opts.filename, ctx.io);
  for (const d of input.diagnostics) ctx.io.err(`${formatDiagnostic(d)}\n`);
  const errors = input.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    throw new CliError(`error: nothing applied: the input has ${errors} error${errors === 1 ? '' : 's'} (listed above); fix them and apply again`);
  }
  if (input.objects.length === 0) throw new CliError('error: no objects passed to apply');

  if (dirInfo === undefined) await mkdir(dir, { recursive: true });
  const existing = await loadExisting(dir);
  for (const file of existing.failedFiles) {
    ctx.io.err(`warning: ${file} in ${dir} cannot be read; objects defined there are not considered\n`);
  }

  // Plan every write before making any, so a problem found while planning writes nothing.
  const results: { object: InputObject; action: Action }[] = [];
  const edits = new Map<string, Map<string, unknown>>();
  const created = new Map<string, unknown>();
  const secretFiles = new Set(existing.secretFiles);
  for (const item of input.objects) {
    const key = keyOf(item.object);
    const raw = withoutStatus(item.raw);
    const found = existing.byKey.get(key);
    if (found !== undefined) {
      const same =
        isDeepStrictEqual(withoutStatus(found.raw), raw) || (found.validated !== undefined && isDeepStrictEqual(found.validated, item.object));
      if (same) {
        results.push({ object: item, action: 'unchanged' });
        continue;
      }
      let fileEdits = edits.get(found.file);
      if (fileEdits === undefined) edits.set(found.file, (fileEdits = new Map()));
      fileEdits.set(key, raw);
      if (item.object.kind === 'Secret') secretFiles.add(found.file);
      results.push({ object: item, action: 'configured' });
    } else {
      const file = await newFileName(dir, item.object, new Set(created.keys()));
      created.set(file, raw);
      if (item.object.kind === 'Secret') secretFiles.add(file);
      results.push({ object: item, action: 'created' });
    }
  }

  const writes: { file: string; text: string; mode: number }[] = [];
  for (const [file, replacements] of edits) {
    const text = await readFile(file, 'utf8');
    const mode = (await stat(file)).mode & 0o777;
    writes.push({ file, text: rewriteDocuments(text, file, replacements), mode: secretFiles.has(file) ? 0o600 : mode });
  }
  for (const [file, raw] of created) {
    writes.push({ file, text: serialize(raw, file), mode: secretFiles.has(file) ? 0o600 : 0o644 });
  }
  for (const w of writes) await writeFileAtomic(w.file, w.text, w.mode);

  for (const r of results) ctx.io.out(`${resourceName(r.object.object)} ${r.action}\n`);
  return 0;
}
