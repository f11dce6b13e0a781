/**
 * Test fixtures for incremental IR application (imported by *.test.ts only): a seeded generator
 * of GatewayIRs and of edit sequences that keep object identity for what an edit did not touch,
 * as the incremental translator does (translate/translator.ts spliceIr), plus edits that do not
 * (a full re-translation: every object new, equal content).
 */
import type { BackendIR, GatewayIR, ListenerIR, MatchIR, RouteIR, UpstreamTlsProfileIR, VirtualHostIR } from '../../ir/types.ts';

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed by its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PATHS = ['/', '/a', '/a/b', '/b', '/v1', '/v12/x', '/c/'];
export const HOSTNAMES = ['api.example.com', 'www.example.com', '*.example.com', '*.a.example.com', 'x.a.example.com', '*'];
/** Hosts a probe sends (exact names, names only a wildcard matches, names nothing matches). */
export const PROBE_HOSTS = ['api.example.com', 'www.example.com', 'x.a.example.com', 'y.a.example.com', 'z.example.com', 'example.com', 'other.test'];

export interface IrGen {
  readonly random: () => number;
  pick<T>(list: readonly T[]): T;
  /** A BackendIR: plain, TLS (one of a few CAs/SNIs/SANs/client certificates), h2, or unusable. */
  backend(): BackendIR;
  route(): RouteIR;
  virtualHost(hostname: string): VirtualHostIR;
  listener(name: string): ListenerIR;
  gateway(): GatewayIR;
  /** One edit of `ir`; unchanged parts keep their identity unless the edit is a full rebuild. */
  edit(ir: GatewayIR): GatewayIR;
}

/**
 * `pems` gives the CA and client certificate PEM texts profiles pick from (the certificate tests
 * need real ones; others may pass placeholders).
 */
export function irGen(seed: number, pems: { cas: readonly string[]; clients: readonly string[] } = { cas: ['CA-1', 'CA-2'], clients: ['CLIENT-1'] }): IrGen {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  let serial = 0;

  const profile = (): UpstreamTlsProfileIR => {
    const sni = pick(['api.test', 'x.wild.test', 'other.test']);
    const ca = pick([...pems.cas, 'system']);
    const sans = random() < 0.3;
    const client = random() < 0.3 && pems.clients.length > 0 ? pick(pems.clients) : undefined;
    const body = {
      policy: { namespace: 'default', name: pick(['p1', 'p2']) },
      sni,
      trust: ca === 'system' ? { kind: 'system' as const } : { kind: 'bundle' as const, caPem: ca, sources: [pick(['ConfigMap/default/ca', 'ConfigMap/other/ca'])] },
      verify: sans ? { kind: 'subjectAltNames' as const, dnsNames: [sni], uris: [] } : { kind: 'hostname' as const, hostname: sni },
      ...(client === undefined ? {} : { clientCertificate: { certPem: client, keyPem: 'KEY', source: 'Secret/default/client' } }),
      alpn: ['http/1.1'],
    };
    // A content id, as translation computes one (equal content, equal id).
    return { id: `id:${JSON.stringify(body).length}:${sni}:${ca.length}:${sans}:${client === undefined ? '' : client.length}:${body.policy.name}:${ca.slice(-12)}`, ...body };
  };

  const backend = (): BackendIR => {
    const n = Math.floor(random() * 3);
    const name = `Service/default/s${Math.floor(random() * 6)}:443`;
    const endpoints = Array.from({ length: n }, () => ({ address: `10.0.0.${Math.floor(random() * 4)}`, port: pick([80, 443]) }));
    const b: BackendIR = { name, service: { namespace: 'default', name, port: 443 }, endpoints, protocol: random() < 0.2 ? 'h2' : 'http1' };
    const r = random();
    if (r < 0.5) return { ...b, tls: profile() };
    if (r < 0.6) return { ...b, unusable: { status: 500, code: 'backend_tls_policy_invalid', message: 'no valid CA' } };
    return b;
  };

  const match = (): MatchIR => {
    const type = pick(['Exact', 'PathPrefix', 'PathPrefix', 'RegularExpression'] as const);
    const value = type === 'RegularExpression' ? pick(['/v[0-9]+', '/v[0-9]+/.*', '/a.*']) : pick(PATHS);
    return {
      path: { type, value },
      ...(random() < 0.2 ? { method: pick(['GET', 'POST']) } : {}),
      headers: random() < 0.3 ? [{ type: 'Exact', name: 'X-A', value: pick(['1', '2']) }] : [],
      queryParams: random() < 0.2 ? [{ type: 'Exact', name: 'q', value: pick(['1', '2']) }] : [],
    };
  };

  const route = (): RouteIR => {
    const id = serial++;
    const count = Math.floor(random() * 3);
    return {
      name: `HTTPRoute/default/r${id}/rule/0/match/0`,
      route: { kind: 'HTTPRoute', namespace: 'default', name: `r${id}`, rule: 0 },
      gateway: { namespace: 'default', name: 'gw', listener: 'http' },
      match: match(),
      filters: random() < 0.2 ? { requestHeaders: { set: [{ name: 'x-set', value: String(id) }], add: [], remove: [] } } : {},
      backends: Array.from({ length: count }, () => ({ weight: pick([0, 1, 1, 3]), filters: {}, backend: backend() })),
      timeouts: {},
    };
  };

  const virtualHost = (hostname: string): VirtualHostIR => ({ hostname, routes: Array.from({ length: 1 + Math.floor(random() * 4) }, route) });

  const listener = (name: string): ListenerIR => {
    const hosts = HOSTNAMES.filter(() => random() < 0.6);
    const https = random() < 0.3;
    return {
      name,
      address: '127.0.0.1',
      port: Number(name.split(':')[1] ?? 0),
      protocol: https ? 'HTTPS' : 'HTTP',
      certificates: https ? [{ hostnames: ['*'], certPem: pick(pems.cas), keyPem: 'KEY', source: 'Secret/default/gw' }] : [],
      virtualHosts: hosts.map(virtualHost),
    };
  };

  const gateway = (): GatewayIR => ({ listeners: ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'].filter((_, i) => i === 0 || random() < 0.7).map(listener) });

  /** Replaces listener `li` (new object) with `f` applied to its virtual hosts. */
  const withVhosts = (ir: GatewayIR, li: number, f: (v: VirtualHostIR[]) => VirtualHostIR[]): GatewayIR => ({
    listeners: ir.listeners.map((l, i) => (i === li ? { ...l, virtualHosts: f([...l.virtualHosts]) } : l)),
  });
  /** Replaces one virtual host (new object) with `f` applied to its routes. */
  const withRoutes = (ir: GatewayIR, f: (r: RouteIR[]) => RouteIR[]): GatewayIR => {
    const li = Math.floor(random() * ir.listeners.length);
    const l = ir.listeners[li];
    if (l === undefined || l.virtualHosts.length === 0) return ir;
    const vi = Math.floor(random() * l.virtualHosts.length);
    return withVhosts(ir, li, (vs) => vs.map((v, i) => (i === vi ? { hostname: v.hostname, routes: f([...v.routes]) } : v)));
  };

  const edit = (ir: GatewayIR): GatewayIR => {
    const kind = Math.floor(random() * 11);
    switch (kind) {
      case 0: // a policy edit: routes re-translated with new backends (new RouteIR objects, same places)
        return withRoutes(ir, (rs) => rs.map((r) => (random() < 0.5 ? { ...r, backends: r.backends.map((wb) => ({ ...wb, backend: random() < 0.5 ? backend() : { ...wb.backend } })) } : r)));
      case 1: // the same content, new objects (e.g. a re-translation of one route)
        return withRoutes(ir, (rs) => rs.map((r) => structuredClone(r)));
      case 2: // a route removed
        return withRoutes(ir, (rs) => rs.slice(1));
      case 3: // a route added, or an existing one repeated (the same object twice)
        return withRoutes(ir, (rs) => (random() < 0.3 && rs[0] !== undefined ? [rs[0], ...rs] : [...rs, route()]));
      case 4: // routes reordered
        return withRoutes(ir, (rs) => rs.reverse());
      case 5: { // a virtual host added or removed (the host table changes)
        const li = Math.floor(random() * ir.listeners.length);
        return withVhosts(ir, li, (vs) => {
          const missing = HOSTNAMES.filter((h) => !vs.some((v) => v.hostname === h));
          if (missing.length > 0 && random() < 0.5) return [...vs, virtualHost(pick(missing))];
          vs.splice(Math.floor(random() * vs.length), 1);
          return vs;
        });
      }
      case 6: // a full translation: all new objects, equal content
        return structuredClone(ir);
      case 7: { // a listener added or removed
        if (ir.listeners.length > 1 && random() < 0.5) return { listeners: ir.listeners.slice(0, -1) };
        const names = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'].filter((n) => !ir.listeners.some((l) => l.name === n));
        return names.length === 0 ? ir : { listeners: [...ir.listeners, listener(pick(names))] };
      }
      case 8: // listener certificates replaced
        return { listeners: ir.listeners.map((l) => (l.protocol === 'HTTPS' && random() < 0.5 ? { ...l, certificates: [{ hostnames: ['*'], certPem: pick(pems.cas), keyPem: 'KEY', source: 'Secret/default/gw2' }] } : l)) };
      case 9: // nothing changed: the same IR object
        return ir;
      default: // everything new
        return gateway();
    }
  };

  return { random, pick, backend, route, virtualHost, listener, gateway, edit };
}
