/**
 * Route matches to IR matchers, and the precedence order between them (HTTPRoute spec:
 * Exact path > longest prefix > method > most headers > most query params; ties: oldest route,
 * then `{namespace}/{name}`, then rule order, then match order).
 */
import type { GRPCRouteMatch, HTTPRouteMatch } from '../../api/gateway-api.ts';
import type { MatchIR } from '../../ir/types.ts';

/** An HTTPRoute match with the spec defaults (PathPrefix `/`, Exact headers and query params). */
export function httpMatch(m: HTTPRouteMatch): MatchIR {
  return {
    path: { type: m.path?.type ?? 'PathPrefix', value: m.path?.value ?? '/' },
    ...(m.method ? { method: m.method } : {}),
    headers: (m.headers ?? []).map((h) => ({ type: h.type ?? 'Exact', name: h.name, value: h.value })),
    queryParams: (m.queryParams ?? []).map((q) => ({ type: q.type ?? 'Exact', name: q.name, value: q.value })),
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A GRPCRoute match as an HTTP/2 path matcher: gRPC calls are POSTs to `/{service}/{method}`.
 * Exact service+method = Exact path; service only = prefix `/{service}/`; method only, or
 * RegularExpression = a path regex.
 */
export function grpcMatch(m: GRPCRouteMatch): MatchIR {
  const headers = (m.headers ?? []).map((h) => ({ type: h.type ?? 'Exact', name: h.name, value: h.value }));
  const { service, method } = m.method ?? {};
  const type = m.method?.type ?? 'Exact';
  let path: MatchIR['path'];
  if (!service && !method) path = { type: 'PathPrefix', value: '/' };
  else if (type === 'Exact' && service && method) path = { type: 'Exact', value: `/${service}/${method}` };
  else if (type === 'Exact' && service) path = { type: 'PathPrefix', value: `/${service}` };
  else {
    const s = service ? (type === 'Exact' ? escapeRegExp(service) : service) : '[^/]+';
    const me = method ? (type === 'Exact' ? escapeRegExp(method) : method) : '[^/]+';
    path = { type: 'RegularExpression', value: `/${s}/${me}` };
  }
  return { path, headers, queryParams: [] };
}

/** What the precedence order looks at, besides the match itself. */
export interface PrecedenceKey {
  readonly match: MatchIR;
  /** Route creationTimestamp in ms (Infinity when unknown). */
  readonly routeTime: number;
  /** `{namespace}/{name}` of the route. */
  readonly routeName: string;
  readonly rule: number;
  readonly matchIndex: number;
  /** Age rank of the Gateway the route is attached through (routes shared by Gateways on one socket). */
  readonly gatewayRank: number;
}

function pathRank(type: MatchIR['path']['type']): number {
  // Exact first, then prefixes; regular expressions are implementation specific: after prefixes.
  return type === 'Exact' ? 0 : type === 'PathPrefix' ? 1 : 2;
}

/** Negative when `a` must be tried before `b`. */
export function comparePrecedence(a: PrecedenceKey, b: PrecedenceKey): number {
  const pa = pathRank(a.match.path.type);
  const pb = pathRank(b.match.path.type);
  if (pa !== pb) return pa - pb;
  if (a.match.path.value.length !== b.match.path.value.length) return b.match.path.value.length - a.match.path.value.length;
  const ma = a.match.method ? 0 : 1;
  const mb = b.match.method ? 0 : 1;
  if (ma !== mb) return ma - mb;
  if (a.match.headers.length !== b.match.headers.length) return b.match.headers.length - a.match.headers.length;
  if (a.match.queryParams.length !== b.match.queryParams.length) return b.match.queryParams.length - a.match.queryParams.length;
  if (a.routeTime !== b.routeTime) return a.routeTime < b.routeTime ? -1 : 1;
  if (a.routeName !== b.routeName) return a.routeName < b.routeName ? -1 : 1;
  if (a.rule !== b.rule) return a.rule - b.rule;
  if (a.matchIndex !== b.matchIndex) return a.matchIndex - b.matchIndex;
  return a.gatewayRank - b.gatewayRank;
}
