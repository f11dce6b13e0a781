/**
 * Listener/route hostname intersection (Gateway API: HTTPRoute `hostnames`, Listener `hostname`).
 * A wildcard `*.example.com` matches any name with at least one more label in front
 * (`a.example.com`, `a.b.example.com`) but not `example.com` itself.
 */

/** Whether the (exact or wildcard) `name` is covered by the wildcard `wildcard`. */
function coveredBy(name: string, wildcard: string): boolean {
  const suffix = wildcard.slice(1); // ".example.com"
  const bare = name.startsWith('*.') ? name.slice(1) : name;
  if (name.startsWith('*.')) return bare.endsWith(suffix) && bare.length >= suffix.length;
  return name.endsWith(suffix) && name.length > suffix.length;
}

/** The hostnames a route serves through one listener; empty when they do not intersect. */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] {
  if (routeHostnames.length === 0) return [listenerHostname ?? '*'];
  if (listenerHostname === undefined) return [...new Set(routeHostnames)];
  const out = new Set<string>();
  const lw = listenerHostname.startsWith('*.');
  for (const r of routeHostnames) {
    const rw = r.startsWith('*.');
    if (r === listenerHostname) out.add(r);
    else if (lw && coveredBy(r, listenerHostname)) out.add(r); // the route is narrower
    else if (rw && coveredBy(listenerHostname, r)) out.add(listenerHostname); // the listener is narrower
  }
  return [...out];
}

/** Whether a request host (no port) matches a virtual host name (exact, `*.suffix` or `*`). */
export function hostMatches(vhost: string, host: string): boolean {
  if (vhost === '*') return true;
  if (vhost.startsWith('*.')) return coveredBy(host, vhost);
  return vhost === host;
}

/**
 * Virtual host order: exact names first (alphabetical), then wildcards with the longest suffix
 * first, then `*`. A request takes the first one that matches.
 */
export function compareVirtualHosts(a: string, b: string): number {
  const rank = (h: string): number => (h === '*' ? 2 : h.startsWith('*.') ? 1 : 0);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1 && a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
