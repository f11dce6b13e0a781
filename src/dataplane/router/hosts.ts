/**
 * Virtual host lookup for one listener socket: exact names in a Map, then wildcard suffixes
 * longest first, then `*` (the order ListenerIR.virtualHosts already has, gateway-api
 * Listener.hostname and HTTPRoute.hostnames: `*.example.com` matches one or more labels in front
 * of `example.com`, never `example.com` itself).
 */

export interface HostTable<T> {
  lookup(host: string): T | undefined;
}

/** Builds the lookup from (hostname, value) pairs in precedence order; the first entry for a name wins. */
export function compileHosts<T>(entries: readonly { hostname: string; value: T }[]): HostTable<T> {
  const exact = new Map<string, T>();
  const wildcards: { suffix: string; value: T }[] = [];
  let any: T | undefined;
  for (const { hostname, value } of entries) {
    const h = hostname.toLowerCase();
    if (h === '*') any ??= value;
    else if (h.startsWith('*.')) wildcards.push({ suffix: h.slice(1), value });
    else if (!exact.has(h)) exact.set(h, value);
  }
  // Longest suffix first; stable for equal lengths (IR order).
  wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  return {
    lookup(host: string): T | undefined {
      const e = exact.get(host);
      if (e !== undefined) return e;
      for (const w of wildcards) {
        if (host.length > w.suffix.length && host.endsWith(w.suffix)) return w.value;
      }
      return any;
    },
  };
}

/**
 * The host part of a Host header or :authority, lowercased, without port or the trailing dot
 * of a fully qualified name. IPv6 literals keep their brackets stripped.
 */
export function hostWithoutPort(host: string | undefined): string {
  if (!host) return '';
  let h = host;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end < 0 ? h : h.slice(1, end);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}
