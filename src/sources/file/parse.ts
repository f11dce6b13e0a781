/**
 * Parses the text of one manifest file (multi-document YAML, or JSON, which is YAML) into
 * SourcedObjects that remember where each field is written.
 *
 * Rules (issue "Foundation"):
 * - Empty documents (`---` alone, comments only, `null`) are skipped silently; a file with no
 *   document at all gets one warning.
 * - `kind: List` (kubectl's v1 List, and `<Kind>List` as `kubectl get -o yaml` writes it) expands
 *   into its items.
 * - A file loads whole or not at all: any error (syntax, duplicate key, a document that is not
 *   an object or lacks apiVersion/kind) fails the whole file and no document of it is returned.
 *   A syntax error can shift where later documents start and end, so the documents that do
 *   parse are not trustworthy; and in `serve`, the caller keeps the last good objects of a
 *   failed file (store keepPrevious.files), which is what makes a bad edit harmless.
 */
import type { Document, Tags } from 'yaml';
import { LineCounter, isMap, isScalar, parseAllDocuments } from 'yaml';
import type { Diagnostic } from '../../validation/diagnostic.ts';
import type { FieldPath, Origin, SourcedObject } from '../origin.ts';
import { MAX_MANIFEST_BYTES, tooLargeDiagnostic } from './decode.ts';
import { nodeChainAt, positionIn, type LinePositions } from './positions.ts';

export interface ParseResult {
  /** The documents of the file; empty when the file has an error diagnostic. */
  documents: SourcedObject[];
  diagnostics: Diagnostic[];
}

/**
 * YAML 1.1, on purpose. kubectl and the API server decode YAML through sigs.k8s.io/yaml, which
 * is go-yaml v2: it resolves `on`/`off`/`yes`/`no`/`y`/`n` to booleans and `0755` to the octal
 * 493 (YAML 1.1), where a YAML 1.2 parser keeps `on` a string and reads `0755` as 755. We must
 * read a manifest as the cluster would, or `lastmile validate` and `kubectl apply` disagree.
 *
 * go-yaml v2 keeps timestamps as strings when decoding into untyped values (its decode.go,
 * "for backward compatibility"), and knows no base-60 numbers (`1:30`), so those tags of the
 * yaml package's 1.1 schema are removed. The explicit-only tags (!!binary, !!set, !!omap,
 * !!pairs) would produce non-JSON values (Uint8Array, Set, Map): removed too, so such a tag is
 * a warning and the value stays plain.
 */
const YAML_OPTIONS = {
  version: '1.1',
  uniqueKeys: true,
  prettyErrors: false,
  customTags: (tags: Tags): Tags =>
    tags.filter((tag) => {
      const id = typeof tag === 'string' ? tag : tag.tag;
      const format = typeof tag === 'string' ? undefined : tag.format;
      if (format === 'TIME') return false;
      return !/:(timestamp|binary|set|omap|pairs)$/.test(id);
    }),
} as const;

/** Bounds alias expansion ("billion laughs"): the yaml package's default, stated explicitly. */
const MAX_ALIAS_COUNT = 100;

/**
 * Runs `fn` with `process.env` replaced by a plain stand-in that answers the yaml package's
 * debug switches from memory. The package's parser reads `process.env.LOG_TOKENS` once per token
 * (and the composer `LOG_STREAM` once per document), and every `process.env` read is a call into
 * C++ and getenv(3): measured at 0.7 µs each, about a quarter of all YAML parsing time (11% of a
 * 10k-object cold load; BENCHMARKS.md "Control plane"). The package has no option to turn the
 * check off. The stand-in keeps the switches' real values, so debugging them still works, and
 * inherits from the real env for any other variable. `fn` is synchronous, so no other code can
 * observe the swap, and `finally` puts the real env back even if it throws.
 */
function withCheapEnv<T>(fn: () => T): T {
  const real = process.env;
  const tokens = real['LOG_TOKENS'];
  const stream = real['LOG_STREAM'];
  // The stand-in is kept while nothing it answers changed: the loader parses one document at a
  // time, and building a new one each time cost ~6 µs a document.
  if (standIn?.real !== real || standIn.tokens !== tokens || standIn.stream !== stream) {
    standIn = {
      real, tokens, stream,
      env: Object.create(real, { LOG_TOKENS: { value: tokens }, LOG_STREAM: { value: stream } }) as NodeJS.ProcessEnv,
    };
  }
  process.env = standIn.env;
  try {
    return fn();
  } finally {
    process.env = real;
  }
}

/** The last stand-in for process.env (withCheapEnv) and what it was built from. */
let standIn: { real: NodeJS.ProcessEnv; tokens: string | undefined; stream: string | undefined; env: NodeJS.ProcessEnv } | undefined;

/** Parses one manifest file's text. Never throws for bad input: problems are diagnostics. */
export function parseManifestText(text: string, file: string): ParseResult {
  // The reader refuses large files before reading them; this guards direct callers (stdin).
  if (text.length > MAX_MANIFEST_BYTES) return { documents: [], diagnostics: [tooLargeDiagnostic(file, Buffer.byteLength(text))] };
  const { documents, diagnostics } = parseManifestPiece(text, file, 1);
  const hasError = diagnostics.some((d) => d.severity === 'error');
  if (!hasError && documents.length === 0) {
    diagnostics.push({ severity: 'warning', code: 'empty_file', file, message: 'the file contains no objects' });
  }
  return { documents: hasError ? [] : documents, diagnostics };
}

/**
 * Parses a piece of a manifest file that starts at line `firstLine` of `file` (a whole file is
 * the piece starting at line 1): positions are the file's. Unlike parseManifestText, it neither
 * warns about an empty piece nor drops documents when there are errors: the caller decides
 * (sources/file/documents.ts explains pieces; runner/config-loader.ts uses them).
 */
export function parseManifestPiece(text: string, file: string, firstLine: number): ParseResult {
  const lineCounter = new LineCounter();
  const docs = withCheapEnv(() => parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter }));
  const lines = firstLine === 1 ? lineCounter : shiftedLines(lineCounter, firstLine - 1);
  const diagnostics: Diagnostic[] = [];
  const documents: SourcedObject[] = [];
  const pos = (offset: number | undefined): { line: number; col: number } =>
    offset === undefined ? { line: firstLine, col: 1 } : lines.linePos(offset);

  for (const doc of docs) {
    for (const error of doc.errors) diagnostics.push(syntaxDiagnostic(doc, error, file, pos));
    for (const warning of doc.warnings) {
      diagnostics.push({ severity: 'warning', code: 'yaml_warning', file, ...pos(warning.pos[0]), message: warning.message });
    }
    if (doc.errors.length > 0 || isEmptyDocument(doc)) continue;

    const start = pos(startOfNode(doc.contents));
    const origin: Origin = { file, line: start.line, col: start.col };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // toJS throws for an unknown alias or an excessive alias count.
      diagnostics.push({ severity: 'error', code: 'yaml_syntax', file, ...start, message: (error as Error).message });
      continue;
    }
    const positionOf = (path: FieldPath): Origin => positionIn(doc, doc.contents, path, lines, file, origin);
    expandDocument(value, origin, positionOf, file, documents, diagnostics);
  }
  return { documents, diagnostics };
}

/** Line positions `by` lines further down: a piece's offsets are relative to where it starts. */
function shiftedLines(counter: LineCounter, by: number): LinePositions {
  return {
    linePos(offset: number): { line: number; col: number } {
      const { line, col } = counter.linePos(offset);
      return { line: line + by, col };
    },
  };
}

function startOfNode(node: unknown): number | undefined {
  return (node as { range?: readonly number[] } | null)?.range?.[0];
}

/** `---` alone, a comment-only document, or an explicit `null`: kubectl skips these. */
function isEmptyDocument(doc: Document): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null);
}

/**
 * A document, or the items of a List, becomes SourcedObjects. A List's item keeps the List's
 * positions under `items[i]`, so diagnostics point into the List.
 */
function expandDocument(
  value: unknown,
  origin: Origin,
  positionOf: (path: FieldPath) => Origin,
  file: string,
  out: SourcedObject[],
  diagnostics: Diagnostic[],
): void {
  if (!checkObject(value, origin, file, 'the document', diagnostics)) return;
  if (isList(value)) {
    const items = value.items as unknown[];
    items.forEach((item, index) => {
      const itemPositionOf = (path: FieldPath): Origin => positionOf(['items', index, ...path]);
      const itemOrigin = itemPositionOf([]);
      if (checkObject(item, itemOrigin, file, `items[${index}] of the List`, diagnostics)) {
        out.push({ object: item, origin: itemOrigin, positionOf: itemPositionOf });
      }
    });
    return;
  }
  out.push({ object: value, origin, positionOf });
}

/**
 * kubectl expands `kind: List` and any `<Kind>List` that carries `items` (what `kubectl get
 * -o yaml` prints for several objects).
 */
function isList(value: Record<string, unknown>): boolean {
  const kind = value['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value['items']);
}

/** An object with string apiVersion and kind, or a diagnostic saying what is missing. */
function checkObject(
  value: unknown,
  origin: Origin,
  file: string,
  what: string,
  diagnostics: Diagnostic[],
): value is Record<string, unknown> {
  const at = { file, line: origin.line, col: origin.col };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    diagnostics.push({ severity: 'error', code: 'not_an_object', ...at, message: `${what} is ${got}, not an object (a mapping with apiVersion, kind and metadata)` });
    return false;
  }
  const record = value as Record<string, unknown>;
  const metadata = record['metadata'];
  const identity: { kind?: string; namespace?: string; name?: string } = {};
  if (typeof record['kind'] === 'string' && record['kind'] !== '') identity.kind = record['kind'];
  if (metadata !== null && typeof metadata === 'object') {
    const { name, namespace } = metadata as Record<string, unknown>;
    if (typeof name === 'string') identity.name = name;
    if (typeof namespace === 'string') identity.namespace = namespace;
  }
  let ok = true;
  if (typeof record['apiVersion'] !== 'string' || record['apiVersion'] === '') {
    diagnostics.push({ severity: 'error', code: 'missing_apiVersion', ...at, ...identity, field: 'apiVersion', message: `${what} has no apiVersion (a non-empty string is required)` });
    ok = false;
  }
  if (identity.kind === undefined) {
    diagnostics.push({ severity: 'error', code: 'missing_kind', ...at, ...identity, field: 'kind', message: `${what} has no kind (a non-empty string is required)` });
    ok = false;
  }
  return ok;
}

function syntaxDiagnostic(
  doc: Document,
  error: { code: string; message: string; pos: [number, number] },
  file: string,
  pos: (offset: number | undefined) => { line: number; col: number },
): Diagnostic {
  let offset = error.pos[0];
  let message = error.message;
  const chain = nodeChainAt(doc.contents, offset);
  const inner = chain[chain.length - 1];
  if (error.code === 'DUPLICATE_KEY') {
    const parent = chain[chain.length - 2];
    if (isScalar(inner) && isMap(parent)) {
      const key = String(inner.value);
      const first = parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key && pair.key !== inner);
      const firstAt = first ? startOfNode(first.key) : undefined;
      const where = firstAt === undefined ? '' : ` (first defined at line ${pos(firstAt).line})`;
      message = `duplicate key "${key}": mapping keys must be unique${where}`;
      offset = startOfNode(inner) ?? offset;
    }
    return { severity: 'error', code: 'yaml_duplicate_key', file, ...pos(offset), message };
  }
  // An unclosed quote is reported where the input ends; point at the quote that opened it.
  if (error.code === 'MISSING_CHAR' && isScalar(inner) && (inner.type === 'QUOTE_DOUBLE' || inner.type === 'QUOTE_SINGLE')) {
    offset = startOfNode(inner) ?? offset;
    message = `${message} (the quoted string starting here is never closed)`;
  }
  return { severity: 'error', code: 'yaml_syntax', file, ...pos(offset), message };
}
