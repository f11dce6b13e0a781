/**
 * Field positions: maps a field path (['spec', 'rules', 0, 'matches', 0]) to where it is written
 * in the YAML source, by walking the parsed node tree of the `yaml` package.
 */
import type { Document, LineCounter, Node } from 'yaml';
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { FieldPath, Origin } from '../origin.ts';

/** Maps a source offset to its line and column (the `yaml` package's LineCounter, or a shifted one). */
export type LinePositions = Pick<LineCounter, 'linePos'>;

/** One step of a walk: the key node (maps) and the value node found under it. */
interface Step {
  readonly key?: Node;
  readonly value?: Node;
}

/** Start offset of a node, or undefined for nodes without a source range (e.g. implicit nulls). */
function startOf(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range?.[0];
}

function deref(node: unknown, doc: Document): unknown {
  // An alias points at its anchored node; `resolve` returns undefined for an unknown anchor.
  return isAlias(node) ? (node.resolve(doc) ?? node) : node;
}

function keyMatches(key: unknown, segment: string | number): boolean {
  // Keys are compared as JSON would see them: a YAML 1.1 `on:` key is `true` and becomes "true".
  if (isScalar(key)) return String(key.value) === String(segment);
  return false;
}

/** The yaml package resolves a `<<` key to a symbol value; its source text stays `<<`. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.source === '<<';
}

/** Finds the pair for `segment` in a map, looking into `<<` merge sources as YAML 1.1 does. */
function findPair(map: unknown, segment: string | number, doc: Document, depth = 0): Step | undefined {
  if (!isMap(map) || depth > 8) return undefined;
  const merges: unknown[] = [];
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    if (keyMatches(pair.key, segment)) return { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined };
    if (isMergeKey(pair.key)) merges.push(pair.value);
  }
  // Direct keys override merged ones (YAML merge-key spec), so merge sources are searched last.
  for (const source of merges) {
    const resolved = deref(source, doc);
    const candidates = isSeq(resolved) ? resolved.items.map((item) => deref(item, doc)) : [resolved];
    for (const candidate of candidates) {
      const found = findPair(candidate, segment, doc, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The position of `path` under `root`. When the whole path is written: the value's position
 * for scalars (where a bad value is), the key's position for collections (where the field is
 * written). When part of the path is missing: the deepest written ancestor's key; at worst
 * `fallback` (the document's start).
 */
export function positionIn(
  doc: Document,
  root: unknown,
  path: FieldPath,
  lineCounter: LinePositions,
  file: string,
  fallback: Origin,
): Origin {
  let node = root;
  let last: Step | undefined;
  let complete = true;
  for (const segment of path) {
    node = deref(node, doc);
    let step: Step | undefined;
    if (isMap(node)) {
      step = findPair(node, segment, doc);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      step = item === undefined ? undefined : { value: item as Node };
    }
    if (!step) {
      complete = false;
      break;
    }
    last = step;
    node = step.value;
  }
  let offset: number | undefined;
  if (last) {
    const value = deref(last.value, doc);
    const preferValue = complete && (last.key === undefined || isScalar(value));
    offset = preferValue ? (startOf(last.value) ?? startOf(last.key)) : (startOf(last.key) ?? startOf(last.value));
  } else if (path.length === 0) {
    offset = startOf(root);
  }
  if (offset === undefined) return fallback;
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, col };
}

/**
 * The chain of nodes (outermost first) whose source ranges contain `offset`: the last one is
 * the innermost. Used to point an error at the start of the node it is about, and to name the
 * key of a duplicate-key error.
 */
export function nodeChainAt(root: unknown, offset: number): Node[] {
  const chain: Node[] = [];
  let node: unknown = root;
  // Children lie inside their parent's range, so one descent (no backtracking) finds the chain.
  for (let depth = 0; depth < 256 && node !== null && typeof node === 'object'; depth++) {
    const range = (node as { range?: readonly number[] }).range;
    if (!range || range[0] === undefined || range[1] === undefined) break;
    if (offset < range[0] || offset > range[1]) break;
    chain.push(node as Node);
    let next: unknown;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items) {
        const parts = isPair(item) ? [item.key, item.value] : [item];
        next = parts.find((part) => contains(part, offset));
        if (next !== undefined) break;
      }
    }
    node = next;
  }
  return chain;
}

function contains(node: unknown, offset: number): boolean {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range?.[0] !== undefined && range[1] !== undefined && offset >= range[0] && offset <= range[1];
}
