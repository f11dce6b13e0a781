/**
 * Response header handling: hop-by-hop headers are connection-scoped (RFC 9110 7.6.1) and never
 * forwarded; the route's ResponseHeaderModifier applies after that.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { HeaderModifierIR } from '../../ir/types.ts';

/** Whether a (lower-case) header name is hop-by-hop and must not cross the proxy. */
export function isHopByHop(name: string): boolean {
  switch (name) {
    case 'connection':
    case 'keep-alive':
    case 'transfer-encoding':
    case 'upgrade':
    case 'te':
    case 'trailer':
      return true;
    default:
      return name.startsWith('proxy-');
  }
}

interface CompiledModifier {
  readonly set: readonly (readonly [string, string])[];
  readonly add: readonly (readonly [string, string])[];
  readonly remove: readonly string[];
}

// Compiled once per IR modifier (names lower-cased), not per request.
const compiled = new WeakMap<HeaderModifierIR, CompiledModifier>();

function compile(mod: HeaderModifierIR): CompiledModifier {
  let c = compiled.get(mod);
  if (c === undefined) {
    c = {
      set: mod.set.map((h) => [h.name.toLowerCase(), h.value] as const),
      add: mod.add.map((h) => [h.name.toLowerCase(), h.value] as const),
      remove: mod.remove.map((n) => n.toLowerCase()),
    };
    compiled.set(mod, c);
  }
  return c;
}

/** Applies a Gateway API header modifier in place: set replaces, add appends, remove deletes. */
export function applyHeaderModifier(headers: OutgoingHttpHeaders, mod: HeaderModifierIR): void {
  const c = compile(mod);
  for (const [name, value] of c.set) headers[name] = value;
  for (const [name, value] of c.add) {
    const prev = headers[name];
    if (prev === undefined) headers[name] = value;
    else if (Array.isArray(prev)) headers[name] = [...prev, value];
    else headers[name] = [String(prev), value];
  }
  for (const name of c.remove) delete headers[name];
}

/**
 * The headers to send to the client for an upstream response: a new object without hop-by-hop
 * headers nor the headers the backend's Connection header names, then the route's modifier.
 */
export function clientResponseHeaders(upstream: IncomingHttpHeaders, mod: HeaderModifierIR | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (isHopByHop(name)) continue;
    const value = upstream[name];
    if (value !== undefined) out[name] = value;
  }
  const connection = upstream.connection;
  if (connection !== undefined) {
    for (const token of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') delete out[name];
    }
  }
  if (mod !== undefined) applyHeaderModifier(out, mod);
  return out;
}
