/** Small helpers over plain JSON-like values as a YAML or JSON parser produces them. */

/** A mapping (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A deep copy of a JSON-like value. YAML aliases may make two places share one object; the copy
 * separates them (structuredClone would keep them shared), so defaulting one place never changes
 * another. Throws a RangeError past `maxDepth` (the caller turns it into a diagnostic).
 */
export function deepCopy<T>(v: T, maxDepth = 1000): T {
  return copy(v, 0, maxDepth) as T;
}

function copy(v: unknown, depth: number, maxDepth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > maxDepth) throw new RangeError(`object nested deeper than ${maxDepth} levels`);
  if (Array.isArray(v)) return v.map((x) => copy(x, depth + 1, maxDepth));
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  const out: Record<string, unknown> = {};
  const record = v as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const value = copy(record[k], depth + 1, maxDepth);
    // defineProperty, not assignment: a `__proto__` key in a manifest must stay a plain key.
    // Only there: for any other key both make the same plain data property, and assignment
    // is the fast path (a cold load copies every document: ~2% of it at N = 10k).
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out;
}
