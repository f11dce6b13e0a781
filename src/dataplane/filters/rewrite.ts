/**
 * Path rewriting shared by URLRewrite and RequestRedirect (gateway-api HTTPPathModifier):
 * ReplaceFullPath replaces the whole path; ReplacePrefixMatch replaces the prefix the route's
 * PathPrefix match matched (the API only allows it with a PathPrefix match).
 */
import type { MatchIR } from '../../ir/types.ts';
import { replacePrefix } from '../router/path.ts';

export interface PathModifier {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

/** The rewritten path (without query). */
export function rewritePath(path: string, mod: PathModifier, match: MatchIR['path']): string {
  if (mod.type === 'ReplaceFullPath') return mod.value;
  // CEL on HTTPRoute rules restricts ReplacePrefixMatch to PathPrefix matches; with any other
  // match type there is no matched prefix, so leave the path alone.
  if (match.type !== 'PathPrefix') return path;
  return replacePrefix(path, match.value, mod.value);
}

/** Path plus query, as the upstream request line carries it. */
export function withQuery(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}
