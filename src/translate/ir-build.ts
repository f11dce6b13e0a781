/**
 * Assembles the IR: one listener per (address, port), virtual hosts in match order, routes in
 * precedence order; everything sorted so equal input gives byte-equal output (Contour's Build()).
 */
import type { GatewayIR, ListenerIR, RouteIR, ServerCertificateIR, VirtualHostIR } from '../ir/types.ts';
import type { GatewayModel } from './model.ts';
import { compareVirtualHosts } from './route/hostnames.ts';
import { comparePrecedence } from './route/matching.ts';
import type { RouteEntry } from './route/compile.ts';
import { sortSmall } from './order.ts';

interface SocketBuild {
  readonly address: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly certificates: Map<string, ServerCertificateIR>;
  readonly vhosts: Map<string, RouteEntry[]>;
}

/** `gateways` oldest first: on a shared socket the oldest Gateway's certificate wins a hostname. */
export function buildIr(gateways: readonly GatewayModel[], entries: readonly RouteEntry[]): GatewayIR {
  const sockets = new Map<string, SocketBuild>();
  for (const gw of gateways) {
    if (!gw.accepted) continue;
    for (const l of gw.listeners) {
      if (!l.ready || (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS')) continue;
      const key = `${gw.address}:${l.port}`;
      let s = sockets.get(key);
      if (!s) sockets.set(key, (s = { address: gw.address, port: l.port, protocol: l.protocol, certificates: new Map(), vhosts: new Map() }));
      if (l.certificate) {
        const host = l.certificate.hostnames[0] ?? '*';
        if (!s.certificates.has(host)) s.certificates.set(host, l.certificate);
      }
    }
  }
  for (const e of entries) {
    const s = sockets.get(e.socket);
    if (!s) continue;
    let list = s.vhosts.get(e.hostname);
    if (!list) s.vhosts.set(e.hostname, (list = []));
    list.push(e);
  }
  const listeners: ListenerIR[] = [...sockets.values()]
    .sort((a, b) => (a.address !== b.address ? (a.address < b.address ? -1 : 1) : a.port - b.port))
    .map((s) => ({
      name: `${s.address}:${s.port}`,
      address: s.address,
      port: s.port,
      protocol: s.protocol,
      certificates: [...s.certificates.entries()].sort(([a], [b]) => compareVirtualHosts(a, b)).map(([, c]) => c),
      virtualHosts: [...s.vhosts.entries()].sort(([a], [b]) => compareVirtualHosts(a, b)).map(([hostname, list]) => virtualHost(hostname, list)),
    }));
  return { listeners };
}

function byPrecedence(a: RouteEntry, b: RouteEntry): number {
  return comparePrecedence(a.precedence, b.precedence);
}

function virtualHost(hostname: string, list: RouteEntry[]): VirtualHostIR {
  // `list` is this build's own: sorted in place (sortSmall: most virtual hosts hold a few
  // routes, and copying then sorting each was ~10 MB of garbage at N = 10k).
  const sorted = sortSmall(list, byPrecedence);
  // The same route match reached through two listeners of one Gateway is one route. Gateways
  // are told apart by their rank (one per Gateway, translate/index.ts): no key string per route.
  const routes: RouteIR[] = [];
  if (sorted.length <= SCAN_MAX) {
    // Few routes: look back over the kept ones instead of building a map per virtual host.
    for (let i = 0; i < sorted.length; i++) {
      const e = sorted[i] as RouteEntry;
      let dup = false;
      for (let j = 0; j < i && !dup; j++) {
        const k = sorted[j] as RouteEntry;
        dup = k.ir.name === e.ir.name && k.precedence.gatewayRank === e.precedence.gatewayRank;
      }
      if (!dup) routes.push(e.ir);
    }
    return { hostname, routes };
  }
  const seen = new Map<string, number[]>();
  for (const e of sorted) {
    const gateway = e.precedence.gatewayRank;
    const ranks = seen.get(e.ir.name);
    if (!ranks) seen.set(e.ir.name, [gateway]);
    else if (ranks.includes(gateway)) continue;
    else ranks.push(gateway);
    routes.push(e.ir);
  }
  return { hostname, routes };
}

/** Virtual hosts up to this many entries are de-duplicated by a scan (quadratic, but tiny). */
const SCAN_MAX = 16;
