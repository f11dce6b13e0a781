/**
 * Compiles one route's MatchIR into a predicate, once per IR swap: regular expressions are built
 * here (anchored: the whole value must match, as Envoy's RE2 full match does), header names are
 * lowercased, and checks run cheapest first (method, path, headers, query).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MatchIR } from '../../ir/types.ts';
import { pathPrefixMatcher } from './path.ts';

/** What a matcher looks at. */
export interface RequestView {
  readonly method: string;
  /** Normalized path without query. */
  readonly path: string;
  /** Raw query string without `?`. */
  readonly query: string;
  /** Node's header object: names lowercased, repeated headers joined with `, `. */
  readonly headers: IncomingHttpHeaders;
}

export type Matcher = (req: RequestView, params: QueryParams) => boolean;

/** Query parameters parsed at most once per request, only when a route asks. */
export class QueryParams {
  readonly #raw: string;
  #parsed: URLSearchParams | undefined;
  constructor(raw: string) {
    this.#raw = raw;
  }
  /** The first value of a parameter (names are case-sensitive, as in the Gateway API). */
  get(name: string): string | null {
    this.#parsed ??= new URLSearchParams(this.#raw);
    return this.#parsed.get(name);
  }
}

function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function valueMatcher(type: 'Exact' | 'RegularExpression', value: string): (v: string) => boolean {
  if (type === 'Exact') return (v) => v === value;
  const re = anchored(value);
  return (v) => re.test(v);
}

/**
 * Builds the predicate. An invalid regular expression (translation should have rejected it)
 * yields a matcher that never matches: failing closed, never matching too much.
 */
export function compileMatch(m: MatchIR): Matcher {
  let pathOk: (path: string) => boolean;
  let headerChecks: { name: string; test: (v: string) => boolean }[];
  let queryChecks: { name: string; test: (v: string) => boolean }[];
  try {
    const { type, value } = m.path;
    if (type === 'Exact') pathOk = (p) => p === value;
    else if (type === 'PathPrefix') pathOk = pathPrefixMatcher(value);
    else {
      const re = anchored(value);
      pathOk = (p) => re.test(p);
    }
    headerChecks = m.headers.map((h) => ({ name: h.name.toLowerCase(), test: valueMatcher(h.type, h.value) }));
    queryChecks = m.queryParams.map((q) => ({ name: q.name, test: valueMatcher(q.type, q.value) }));
  } catch {
    return () => false;
  }
  const method = m.method;
  return (req, params) => {
    if (method !== undefined && req.method !== method) return false;
    if (!pathOk(req.path)) return false;
    for (const h of headerChecks) {
      const v = req.headers[h.name];
      if (v === undefined) return false;
      if (!h.test(Array.isArray(v) ? v.join(', ') : v)) return false;
    }
    for (const q of queryChecks) {
      const v = params.get(q.name);
      if (v === null || !q.test(v)) return false;
    }
    return true;
  };
}
