/**
 * kubectl describe's layout: `Label:  value` lines whose values line up among siblings, nested
 * blocks indented by two spaces, lists of scalars one per line, and `<none>` for empty values.
 */

export interface Entry {
  readonly label: string;
  /** An inline value (may be multi-line: continuation lines are indented under the label). */
  readonly value?: string;
  /** Nested entries, printed under the label. */
  readonly children?: readonly Entry[];
  /** Raw lines printed under the label (lists of scalars). */
  readonly lines?: readonly string[];
}

/** Renders entries at `indent`, aligning the inline values of siblings. */
export function renderEntries(entries: readonly Entry[], indent = ''): string[] {
  const width = Math.max(0, ...entries.filter((e) => isInline(e)).map((e) => e.label.length + 1));
  const out: string[] = [];
  for (const entry of entries) {
    if (isInline(entry)) {
      const value = entry.value ?? '';
      const [first = '', ...rest] = value.split('\n');
      if (rest.length > 0 && first === '') {
        out.push(`${indent}${entry.label}:`);
        for (const line of rest) out.push(`${indent}  ${line}`);
      } else {
        out.push(`${indent}${`${entry.label}:`.padEnd(width + 2)}${first}`.trimEnd());
        // Continuations (more labels, annotations) line up under the first value, as in kubectl.
        for (const line of rest) out.push(`${indent}${' '.repeat(width + 2)}${line}`);
      }
      continue;
    }
    out.push(`${indent}${entry.label}:`);
    for (const line of entry.lines ?? []) out.push(`${indent}  ${line}`);
    out.push(...renderEntries(entry.children ?? [], `${indent}  `));
  }
  return out;
}

function isInline(entry: Entry): boolean {
  return entry.value !== undefined;
}

/** `caCertificateRefs` -> `Ca Certificate Refs`, as kubectl titles unstructured fields. Keys with dots, slashes or dashes (labels, options, data keys) stay as written. */
export function titleCase(key: string): string {
  if (/[./\-_]/.test(key)) return key;
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '<none>';
  if (typeof value === 'string') return value.includes('\n') ? `\n${value.replace(/\n$/, '')}` : value;
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** Any JSON value as describe entries (objects by key, lists of objects item after item). */
export function valueEntries(value: unknown): Entry[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item) => valueEntries(item));
  return Object.entries(value as Record<string, unknown>).map(([key, child]) => entryFor(titleCase(key), child));
}

/** One labelled value: inline for scalars and empty values, nested for objects and lists. */
export function entryFor(label: string, value: unknown): Entry {
  if (Array.isArray(value)) {
    if (value.length === 0) return { label, value: '<none>' };
    if (value.every((v) => v === null || typeof v !== 'object')) return { label, lines: value.map((v) => scalar(v)) };
    return { label, children: value.flatMap((item) => valueEntries(item)) };
  }
  if (value !== null && typeof value === 'object') {
    return Object.keys(value).length === 0 ? { label, value: '<none>' } : { label, children: valueEntries(value) };
  }
  return { label, value: scalar(value) };
}

/** `key=value` lines for labels, `<none>` when there are none (kubectl's Labels: field). */
export function keyValues(map: Record<string, string> | undefined, sep: string): string {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}${sep}${map?.[k] ?? ''}`).join('\n');
}
