/**
 * What the file-mode config loader (config-loader.ts) makes of one file's bytes: decoded, split
 * into documents, parsed and validated, each document's outcome kept by a hash of its text so
 * the next read of the file reuses the documents that did not change. A pure function of its
 * inputs (and of the validator).
 */
import { hash } from 'node:crypto';
import type { KubeObject } from '../api/meta.ts';
import type { Origin, SourcedObject } from '../sources/origin.ts';
import { parseManifestBytes } from '../sources/file/read.ts';
import { decodeManifest } from '../sources/file/decode.ts';
import { splitDocuments, type DocumentText } from '../sources/file/documents.ts';
import { parseManifestPiece } from '../sources/file/parse.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { storeKeyOfManifest } from '../store/keys.ts';

/** The validation step's signature (src/validation/validate.ts). */
export type ValidateFn = (doc: SourcedObject) => { object?: KubeObject; diagnostics: readonly Diagnostic[] };

/** One file's outcome, cached by content hash. */
export interface FileResult extends FileOutcome {
  readonly hash: string | undefined;
  /**
   * The file's stat identity when it was read (device, inode, size, mtime and ctime in ns), and
   * whether it can be trusted to mean "same content" on the next load (see ConfigLoader #unchanged).
   */
  readonly stat?: { readonly key: string; readonly trusted: boolean };
}

/** What parsing and validating a file's bytes gives (all of FileResult but hash and stat). */
export interface FileOutcome {
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
export interface PieceResult {
  /** The line of the file where the piece starts: its positions are relative to that. */
  readonly line: number;
  /** Documents the piece holds (0 for blank or comment-only pieces). */
  readonly documents: number;
  readonly keepFile: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly objects: readonly { object: KubeObject; origin: Origin }[];
  readonly invalidKeys: readonly string[];
}

/**
 * Parses and validates a (non-blank) file. `previous`: the pieces of the file's last outcome,
 * reused for every document whose text is unchanged, and kept when the file fails to parse.
 */
export function fileOutcome(file: string, bytes: Uint8Array, previous: ReadonlyMap<string, PieceResult> | undefined, validate: ValidateFn): FileOutcome {
  const decoded = decodeManifest(bytes, file);
  const split = 'text' in decoded ? splitDocuments(decoded.text) : undefined;
  const byPiece = split && 'text' in decoded ? readPieces(file, decoded.text, split, previous, validate) : undefined;
  if (byPiece) return byPiece;

  // The whole file at once: it cannot be split, or a piece has a parse problem (the messages
  // are then exactly those of a whole-file parse), or it holds no object at all.
  const parsed = parseManifestBytes(bytes, file);
  if (parsed.failed) return { keepFile: true, diagnostics: parsed.diagnostics, objects: [], invalidKeys: [], ...(previous ? { pieces: previous } : {}) };
  const whole = validatePiece(parsed.documents, 1, [...parsed.diagnostics], validate);
  return { keepFile: whole.keepFile, diagnostics: whole.diagnostics, objects: whole.objects, invalidKeys: whole.invalidKeys };
}

/**
 * The file's outcome assembled from its pieces, each parsed and validated only when its text is
 * new (a piece that moved up or down the file is reused with its lines shifted); undefined
 * when the whole file must be parsed instead (see fileOutcome).
 */
function readPieces(file: string, text: string, split: readonly DocumentText[], previous: ReadonlyMap<string, PieceResult> | undefined, validate: ValidateFn): FileOutcome | undefined {
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
      result = validatePiece(docs, piece.line, [], validate);
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
function validatePiece(documents: readonly SourcedObject[], line: number, diagnostics: Diagnostic[], validate: ValidateFn): PieceResult {
  const objects: { object: KubeObject; origin: Origin }[] = [];
  const invalidKeys: string[] = [];
  let keepFile = false;
  for (const doc of documents) {
    const verdict = validateSafely(doc, validate);
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
function validateSafely(doc: SourcedObject, validate: ValidateFn): { object?: KubeObject; diagnostics: readonly Diagnostic[] } {
  try {
    return validate(doc);
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

/**
 * A piece's outcome `by` lines further down (lines were added or removed above it). Its
 * positions are all in its origins and diagnostics: validation places every diagnostic at a
 * position of the document (validation/report.ts), and nothing else in a result is positional.
 */
export function shiftPiece(result: PieceResult, by: number): PieceResult {
  return {
    ...result,
    line: result.line + by,
    objects: result.objects.map(({ object, origin }) => ({ object, origin: { ...origin, line: origin.line + by } })),
    diagnostics: result.diagnostics.map((d) => (d.line === undefined ? d : { ...d, line: d.line + by })),
  };
}

/** SHA-256 of bytes or text, one call (crypto.hash: no Hash object per document, ~4x cheaper). */
export function sha256(data: string | Uint8Array, encoding: 'hex' | 'base64'): string {
  return hash('sha256', data, encoding);
}
