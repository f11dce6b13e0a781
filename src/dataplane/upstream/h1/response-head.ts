/**
 * The client-facing headers of an upstream response, from the parser's flat list
 * `[name, value, name, value...]`: the same rules as headers.ts `clientResponseHeaders` (hop-by-hop
 * headers and those the Connection header names dropped, names lower-cased as undici gives them,
 * the route's modifier applied), plus `x-request-id` when the backend sent none.
 * The common case (no modifier) stays a flat array, which `writeHead` takes without building an
 * object per response.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { HeaderModifierIR } from '../../../ir/types.ts';
import { clientResponseHeaders, isHopByHop } from '../headers.ts';

/** The parser's list as undici would give it: lower-case names, repeated names as arrays. */
export function headerObject(raw: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}

/** Drops from a flat list the headers a Connection header names (rare: a second pass then). */
function dropConnectionNamed(out: string[], connection: string): string[] {
  const named = new Set<string>();
  for (const token of connection.split(',')) {
    const n = token.trim().toLowerCase();
    if (n !== '') named.add(n);
  }
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!named.has(out[i]!)) kept.push(out[i]!, out[i + 1]!);
  return kept;
}

/** Flat client headers (no modifier). */
export function flatClientHeaders(raw: readonly string[], requestId: string | undefined): string[] {
  let out: string[] = [];
  let hasId = false;
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (isHopByHop(name)) {
      if (name === 'connection') connection = connection === undefined ? raw[i + 1]! : `${connection},${raw[i + 1]!}`;
      continue;
    }
    if (name === 'x-request-id') hasId = true;
    out.push(name, raw[i + 1]!);
  }
  if (connection !== undefined) {
    out = dropConnectionNamed(out, connection);
    hasId = false;
    for (let i = 0; i < out.length; i += 2) if (out[i] === 'x-request-id') hasId = true;
  }
  if (!hasId && requestId !== undefined) out.push('x-request-id', requestId);
  return out;
}

/** Object client headers (a modifier applies, or the client speaks HTTP/2). */
export function objectClientHeaders(raw: readonly string[], mod: HeaderModifierIR | undefined, requestId: string | undefined): OutgoingHttpHeaders {
  const out = clientResponseHeaders(headerObject(raw), mod);
  if (out['x-request-id'] === undefined && requestId !== undefined) out['x-request-id'] = requestId;
  return out;
}
