/**
 * Headers sent upstream: the client's, minus hop-by-hop headers (RFC 9110 7.6.1), plus
 * X-Forwarded-*, then the route's and backend's RequestHeaderModifier filters. Host is kept as
 * the client sent it: the upstream TLS SNI comes from the BackendTLSPolicy profile, never from
 * Host (spec.md: the Host header is forwarded unchanged), unless a URLRewrite sets a hostname.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderModifierIR } from '../../ir/types.ts';

export type OutgoingHeaders = Record<string, string | string[]>;

/** Headers that only describe one connection and never travel through a proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

export interface ForwardContext {
  /** Client address (the TCP peer). */
  readonly remoteAddress: string | undefined;
  /** Scheme the client used to reach the gateway. */
  readonly proto: 'http' | 'https';
  /** The request id (kept from the client or generated). */
  readonly requestId: string;
  /** True when forwarding an HTTP/1.1 Upgrade (WebSocket): Upgrade and Connection: upgrade stay. */
  readonly upgrade?: boolean;
}

/**
 * Copies the client's headers for the upstream request: hop-by-hop headers and the headers the
 * Connection header names are dropped, HTTP/2 pseudo-headers are dropped (`:authority` becomes
 * Host when there is no Host), X-Forwarded-For is appended to, X-Forwarded-Proto and
 * X-Forwarded-Host are set, and `x-request-id` is set.
 */
export function buildUpstreamHeaders(incoming: IncomingHttpHeaders, ctx: ForwardContext): OutgoingHeaders {
  const named = connectionTokens(incoming.connection);
  let out: OutgoingHeaders;
  if (keepsAll(incoming, named)) {
    // The common request (no hop-by-hop or pseudo-header to drop): one copy of the whole record
    // instead of a keyed store per header (issue 6). Same keys, same order, same values.
    out = { ...incoming } as OutgoingHeaders;
  } else {
    out = {};
    for (const name in incoming) {
      const value = incoming[name];
      if (value !== undefined && !dropped(name, named)) out[name] = value;
    }
  }
  const authority = incoming[':authority'];
  if (out.host === undefined && typeof authority === 'string') out.host = authority;
  const host = out.host;
  const xff = incoming['x-forwarded-for'];
  const peer = ctx.remoteAddress ?? '';
  const prior = Array.isArray(xff) ? xff.join(', ') : xff;
  out['x-forwarded-for'] = prior ? `${prior}, ${peer}` : peer;
  out['x-forwarded-proto'] = ctx.proto;
  if (typeof host === 'string') out['x-forwarded-host'] = host;
  out['x-request-id'] = ctx.requestId;
  if (ctx.upgrade) {
    const up = incoming.upgrade;
    if (up !== undefined) {
      out.upgrade = up;
      out.connection = 'upgrade';
    }
  }
  return out;
}

/** A header that never travels upstream: a pseudo-header, hop-by-hop, or named by Connection. */
function dropped(name: string, named: Set<string> | undefined): boolean {
  return name.charCodeAt(0) === 58 /* : */ || HOP_BY_HOP.has(name) || (named !== undefined && named.has(name));
}

/** Whether every header of `incoming` is copied as it is (nothing dropped, no undefined value). */
function keepsAll(incoming: IncomingHttpHeaders, named: Set<string> | undefined): boolean {
  for (const name in incoming) {
    if (incoming[name] === undefined || dropped(name, named)) return false;
  }
  return true;
}

function connectionTokens(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  // What HTTP/1.1 clients send on most requests names only itself, a hop-by-hop header already
  // dropped: no Set and no split per request for it.
  if (connection === 'keep-alive' || connection === 'Keep-Alive') return undefined;
  const joined = Array.isArray(connection) ? connection.join(',') : connection;
  const set = new Set<string>();
  for (const t of joined.split(',')) {
    const n = t.trim().toLowerCase();
    if (n !== '' && n !== 'upgrade') set.add(n);
  }
  return set;
}

/**
 * Applies an HTTPHeaderFilter to a header record (lowercase names): `set` replaces, `add`
 * appends a value after any existing ones, `remove` drops. Names are case-insensitive.
 */
export function applyHeaderModifier(headers: OutgoingHeaders, mod: HeaderModifierIR): void {
  for (const { name, value } of mod.set) headers[name.toLowerCase()] = value;
  for (const { name, value } of mod.add) {
    const key = name.toLowerCase();
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else if (Array.isArray(existing)) headers[key] = [...existing, value];
    else headers[key] = [existing, value];
  }
  for (const name of mod.remove) delete headers[name.toLowerCase()];
}

/** One modifier doing what `a` then `b` would do (route filters, then backend filters). */
export function mergeHeaderModifiers(a: HeaderModifierIR | undefined, b: HeaderModifierIR | undefined): HeaderModifierIR | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  // A name `b` sets overrides anything `a` added; keep `a`'s other operations in order.
  const bSet = new Set(b.set.map((s) => s.name.toLowerCase()));
  return {
    set: [...a.set.filter((s) => !bSet.has(s.name.toLowerCase())), ...b.set],
    add: [...a.add.filter((s) => !bSet.has(s.name.toLowerCase())), ...b.add],
    // ...and a name `b` sets or adds is not removed by `a`'s earlier remove.
    remove: [...a.remove.filter((n) => !bSet.has(n.toLowerCase()) && !b.add.some((x) => x.name.toLowerCase() === n.toLowerCase())), ...b.remove],
  };
}

/** Whether the request asks for a protocol upgrade (HTTP/1.1 `Connection: upgrade` + `Upgrade`). */
export function isUpgradeRequest(headers: IncomingHttpHeaders): boolean {
  if (headers.upgrade === undefined) return false;
  const c = headers.connection;
  return c !== undefined && /(^|,)\s*upgrade\s*(,|$)/i.test(Array.isArray(c) ? c.join(',') : c);
}
