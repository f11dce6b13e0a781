/**
 * The objects named by `-f PATH...` (files, folders, or `-` for stdin): read and parsed by the
 * file source, validated one by one as the API server would, checked for duplicates, and gathered
 * into a snapshot so translation can run on them offline.
 */
import { objectKey, type KubeObject } from '../api/meta.ts';
import type { Origin, SourcedObject } from '../sources/origin.ts';
import { parseManifestText } from '../sources/file/parse.ts';
import { readManifests } from '../sources/file/read.ts';
import { createSnapshot } from '../store/create-snapshot.ts';
import type { Snapshot } from '../store/snapshot.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { validateObject } from '../validation/validate.ts';
import type { CliIO } from './io.ts';

/** The name stdin's documents carry in diagnostics. */
export const STDIN_NAME = '<stdin>';

export interface InputObject {
  /** As written in the manifest (for apply: this is what gets written). */
  readonly raw: Record<string, unknown>;
  /** Validated and defaulted (namespace filled in). */
  readonly object: KubeObject;
  readonly origin: Origin;
}

export interface InputResult {
  /** Every problem, in file order: read, parse, validation, duplicates. */
  readonly diagnostics: Diagnostic[];
  /** The objects that passed validation, duplicates excluded. */
  readonly objects: InputObject[];
  /** Documents found (valid or not). */
  readonly documentCount: number;
  /** Files read. */
  readonly files: readonly string[];
}

function where(origin: Origin): string {
  return `${origin.file}:${origin.line}:${origin.col}`;
}

/** Orders diagnostics as a reader goes through the input: file by file, then line and column (stable). */
function sortByPlace(diagnostics: readonly Diagnostic[], files: readonly string[]): Diagnostic[] {
  const rank = (d: Diagnostic): number => (d.file === undefined ? -1 : files.indexOf(d.file));
  return [...diagnostics].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/** Reads, parses and validates the documents under `paths` (`-` reads stdin once). */
export async function readInput(paths: readonly string[], io: CliIO): Promise<InputResult> {
  const documents: SourcedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const filePaths = paths.filter((p) => p !== '-');
  const files: string[] = [];
  if (filePaths.length > 0) {
    const read = await readManifests(filePaths);
    documents.push(...read.documents);
    diagnostics.push(...read.diagnostics);
    files.push(...read.files);
  }
  if (paths.includes('-')) {
    const parsed = parseManifestText(await io.readStdin(), STDIN_NAME);
    documents.push(...parsed.documents);
    diagnostics.push(...parsed.diagnostics);
    files.push(STDIN_NAME);
  }

  const objects: InputObject[] = [];
  const seen = new Map<string, Origin>();
  for (const doc of documents) {
    const result = validateObject(doc);
    diagnostics.push(...result.diagnostics);
    const object = result.object;
    if (object === undefined) continue;
    const { namespace, name = '' } = object.metadata;
    const key = objectKey(object.kind, namespace, name);
    const first = seen.get(key);
    if (first !== undefined) {
      // issue "Foundation" 4: a duplicate is an error naming both places.
      diagnostics.push({
        severity: 'error',
        code: 'duplicate_object',
        file: doc.origin.file,
        line: doc.origin.line,
        col: doc.origin.col,
        kind: object.kind,
        ...(namespace !== undefined ? { namespace } : {}),
        name,
        message: `defined twice: first at ${where(first)}, again here`,
      });
      continue;
    }
    seen.set(key, doc.origin);
    objects.push({ raw: doc.object as Record<string, unknown>, object, origin: doc.origin });
  }
  return { diagnostics: sortByPlace(diagnostics, files), objects, documentCount: documents.length, files };
}

/**
 * A snapshot of validated objects with the file-mode metadata rules (design.md "Contracts"):
 * creationTimestamp from the manifest or `now`, generation 1, a resourceVersion.
 */
export function snapshotOf(objects: readonly InputObject[], now: Date): Snapshot {
  return createSnapshot(
    objects.map(({ object, origin }, i) => ({
      object: {
        ...object,
        metadata: {
          ...object.metadata,
          creationTimestamp: object.metadata.creationTimestamp ?? now.toISOString(),
          generation: 1,
          resourceVersion: String(i + 1),
        },
      },
      origin,
    })),
  );
}
