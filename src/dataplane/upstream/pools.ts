/**
 * Upstream connection pools, one per (endpoint, TLS profile id, HTTP version), built lazily on the
 * first request and reused (design.md "Performance design"). Because a profile id is a content
 * hash that includes the CA bundle, a trust change gives new keys: connections verified under the
 * old trust are only ever used by requests already on them, then closed (issue 4 item 5).
 */
import { Pool } from 'undici';
import type { BackendIR, EndpointIR, GatewayIR, RouteIR, UpstreamTlsProfileIR } from '../../ir/types.ts';
import { diffRoutes } from '../router/ir-diff.ts';
import { tlsConnectOptions } from '../tls/connect-options.ts';
import type { UpstreamTlsOptions } from '../tls/connect-options.ts';
import { createConnector } from '../tls/connector.ts';
import type { HandshakeEvent } from '../tls/connector.ts';
import { SessionCache, settleWithin } from './pool-lifecycle.ts';

/** Pool-size changes, as reported to the `poolChange` hook. */
export interface PoolChangeEvent {
  readonly backend: string;
  readonly endpoint: string;
  readonly profile?: string;
  readonly open: number;
}

/** Settings shared by all pools. */
export interface PoolSettings {
  readonly keepAliveTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxConnectionsPerEndpoint: number;
  readonly onHandshake?: (e: HandshakeEvent) => void;
  readonly onPoolChange?: (e: PoolChangeEvent) => void;
}

/** `address:port`, with brackets for IPv6 (the form logs and URLs use). */
export function endpointName(endpoint: EndpointIR): string {
  return endpoint.address.includes(':') ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/**
 * The identity of the connections to an endpoint under a profile: the unit that `update()` keeps
 * or closes, and the key of the TLS session cache (a session never crosses profiles).
 */
export function poolIdentity(endpoint: EndpointIR, profile: UpstreamTlsProfileIR | undefined): string {
  return `${endpointName(endpoint)}|${profile === undefined ? 'plain' : profile.id}`;
}

/** One pool and its bookkeeping. */
export class PoolEntry {
  readonly key: string;
  readonly identity: string;
  readonly endpoint: string;
  readonly pool: Pool;
  /** See ConnectorOptions.lateTlsErrors. */
  readonly lateTlsErrors: Map<number, Error>;
  /** True once the pool stopped taking requests; holders must look the key up again. */
  closing = false;
  open = 0;
  constructor(key: string, identity: string, endpoint: string, pool: Pool, lateTlsErrors: Map<number, Error>) {
    this.key = key;
    this.identity = identity;
    this.endpoint = endpoint;
    this.pool = pool;
    this.lateTlsErrors = lateTlsErrors;
  }

  /** The real cause of an undici "other side closed" when a TLS alert preceded it. */
  explain(err: Error): Error {
    if (this.lateTlsErrors.size === 0 || (err as { code?: string }).code !== 'UND_ERR_SOCKET') return err;
    const port = (err as { socket?: { localPort?: number } }).socket?.localPort;
    return (port === undefined ? undefined : this.lateTlsErrors.get(port)) ?? err;
  }
}

/** The pool identities and TLS profile ids an IR still uses. */
export interface LivePools {
  readonly identities: Set<string>;
  readonly profiles: Set<string>;
}

/**
 * Walks every usable backend of `ir` that `accept` admits (each once) and collects the pool
 * identities of its endpoints and its TLS profile id: what an engine's `update` keeps.
 */
export function livePools(ir: GatewayIR, accept: (backend: BackendIR) => boolean): LivePools {
  const identities = new Set<string>();
  const profiles = new Set<string>();
  const seen = new Set<BackendIR>();
  for (const listener of ir.listeners) {
    for (const vhost of listener.virtualHosts) {
      for (const route of vhost.routes) {
        for (const weighted of route.backends) {
          const backend = weighted.backend;
          if (seen.has(backend) || backend.unusable !== undefined || !accept(backend)) continue;
          seen.add(backend);
          if (backend.tls !== undefined) profiles.add(backend.tls.id);
          for (const endpoint of backend.endpoints) identities.add(poolIdentity(endpoint, backend.tls));
        }
      }
    }
  }
  return { identities, profiles };
}

/** The pool identities of a backend's endpoints (a pure function of the immutable BackendIR). */
const identitiesOf = new WeakMap<BackendIR, readonly string[]>();
function backendIdentities(backend: BackendIR): readonly string[] {
  let ids = identitiesOf.get(backend);
  if (ids === undefined) {
    ids = backend.endpoints.map((e) => poolIdentity(e, backend.tls));
    identitiesOf.set(backend, ids);
  }
  return ids;
}

function bump(counts: Map<string, number>, live: Set<string>, key: string, by: 1 | -1): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) {
    counts.set(key, n);
    if (by > 0) live.add(key);
  } else {
    counts.delete(key);
    live.delete(key);
  }
}

/**
 * `livePools` kept up to date across IR swaps: reference counts of pool identities and profile
 * ids per route occurrence, adjusted only for the routes that changed (router/ir-diff.ts). The
 * sets it returns always equal `livePools(ir, accept)` (live-pools.test.ts checks it on edit
 * sequences), so `retain` closes exactly the same pools: a backend whose TLS profile changed has
 * a new profile id, its old identities drop to zero and their pools are drained and closed.
 * Why: the full walk over 40k routes (and a key string per endpoint) on every edit was ~35% of
 * the apply time at N = 10k.
 */
export class LivePoolTracker {
  readonly #accept: (backend: BackendIR) => boolean;
  readonly #identityCounts = new Map<string, number>();
  readonly #profileCounts = new Map<string, number>();
  readonly #live: { identities: Set<string>; profiles: Set<string> } = { identities: new Set(), profiles: new Set() };
  #ir: GatewayIR = { listeners: [] };
  #added: RouteIR[] = [];

  constructor(accept: (backend: BackendIR) => boolean) {
    this.#accept = accept;
  }

  /** Moves to `ir`; the returned sets are live (valid until the next update). */
  update(ir: GatewayIR): LivePools {
    const added: RouteIR[] = [];
    diffRoutes(this.#ir, ir, {
      removed: (r) => this.#count(r, -1),
      added: (r) => {
        added.push(r);
        this.#count(r, 1);
      },
    });
    this.#ir = ir;
    this.#added = added;
    return this.#live;
  }

  /** The routes the last `update` added or replaced (where new pool identities come from). */
  get added(): readonly RouteIR[] {
    return this.#added;
  }

  #count(route: RouteIR, by: 1 | -1): void {
    for (const weighted of route.backends) {
      const backend = weighted.backend;
      if (backend.unusable !== undefined || !this.#accept(backend)) continue;
      if (backend.tls !== undefined) bump(this.#profileCounts, this.#live.profiles, backend.tls.id, by);
      for (const id of backendIdentities(backend)) bump(this.#identityCounts, this.#live.identities, id, by);
    }
  }
}

/** All pools of an engine. */
export class PoolRegistry {
  readonly #settings: PoolSettings;
  readonly #pools = new Map<string, PoolEntry>();
  readonly #tlsOptions = new Map<string, UpstreamTlsOptions>();
  readonly #sessions = new SessionCache(4096);
  readonly #closing = new Map<PoolEntry, Promise<void>>();

  constructor(settings: PoolSettings) {
    this.#settings = settings;
  }

  /** Number of pools (for tests and the admin API). */
  get size(): number {
    return this.#pools.size;
  }

  /**
   * The pool for one endpoint of a backend, created on first use. `http1Only` gives a separate
   * HTTP/1.1 pool for upgrades to an h2 backend (WebSocket needs HTTP/1.1 here).
   */
  get(backend: BackendIR, endpoint: EndpointIR, http1Only: boolean): PoolEntry {
    const profile = backend.tls;
    const version = http1Only && backend.protocol !== 'h2c' ? 'http1' : backend.protocol;
    const identity = poolIdentity(endpoint, profile);
    const key = `${identity}|${version}`;
    let entry = this.#pools.get(key);
    if (entry === undefined) {
      entry = this.#create(key, identity, backend, endpoint, version);
      this.#pools.set(key, entry);
    }
    return entry;
  }

  #create(key: string, identity: string, backend: BackendIR, endpoint: EndpointIR, version: BackendIR['protocol']): PoolEntry {
    const s = this.#settings;
    const profile = backend.tls;
    const allowH2 = version === 'h2';
    let tlsOptions: UpstreamTlsOptions | undefined;
    if (profile !== undefined) {
      const optionsKey = `${profile.id}|${allowH2 ? 'h2' : 'h1'}`;
      tlsOptions = this.#tlsOptions.get(optionsKey);
      if (tlsOptions === undefined) {
        tlsOptions = tlsConnectOptions(profile, allowH2);
        this.#tlsOptions.set(optionsKey, tlsOptions);
      }
    }
    const name = endpointName(endpoint);
    const lateTlsErrors = new Map<number, Error>();
    const connect = createConnector({
      lateTlsErrors: profile === undefined ? undefined : lateTlsErrors,
      endpoint: name,
      backend: backend.name,
      sessionKey: identity,
      profile,
      tls: tlsOptions,
      sessions: this.#sessions,
      connectTimeoutMs: s.connectTimeoutMs,
      h2c: version === 'h2c',
      onHandshake: s.onHandshake,
    });
    // `useH2c` is read by undici at runtime but missing from its Pool.Options type.
    const poolOptions: Pool.Options & { useH2c?: boolean } = {
      connections: s.maxConnectionsPerEndpoint,
      // Never pipeline: client requests are arbitrary and often not idempotent (ecosystem.md 1).
      pipelining: 1,
      // Below typical backend idle timeouts; the backend's Keep-Alive hint can only lower it.
      keepAliveTimeout: s.keepAliveTimeoutMs,
      keepAliveMaxTimeout: s.keepAliveTimeoutMs,
      connect,
      // undici 8 defaults allowH2 to true: say what we mean (ecosystem.md 1).
      allowH2,
      useH2c: version === 'h2c',
    };
    const pool = new Pool(`${profile === undefined ? 'http' : 'https'}://${name}`, poolOptions);
    const entry = new PoolEntry(key, identity, name, pool, lateTlsErrors);
    const onPoolChange = s.onPoolChange;
    pool.on('connect', () => {
      entry.open++;
      onPoolChange?.({ backend: backend.name, endpoint: name, ...(profile === undefined ? {} : { profile: profile.id }), open: entry.open });
    });
    pool.on('disconnect', () => {
      entry.open = Math.max(0, entry.open - 1);
      onPoolChange?.({ backend: backend.name, endpoint: name, ...(profile === undefined ? {} : { profile: profile.id }), open: entry.open });
    });
    return entry;
  }

  /**
   * Keeps the pools whose identity is in `identities` and closes the others gracefully: requests
   * already queued or running finish, then the sockets close. Profiles not in use lose their
   * cached TLS options.
   */
  retain(identities: ReadonlySet<string>, profileIds: ReadonlySet<string>): void {
    for (const [key, entry] of this.#pools) {
      if (identities.has(entry.identity)) continue;
      this.#pools.delete(key);
      this.#close(entry);
    }
    for (const key of this.#tlsOptions.keys()) {
      if (!profileIds.has(key.slice(0, key.lastIndexOf('|')))) this.#tlsOptions.delete(key);
    }
  }

  #close(entry: PoolEntry): void {
    entry.closing = true;
    const closed = entry.pool.close().catch(() => undefined);
    this.#closing.set(entry, closed);
    void closed.finally(() => this.#closing.delete(entry));
  }

  /**
   * Closes every pool, letting in-flight requests finish for up to `graceMs`; whatever still
   * runs after that is destroyed.
   */
  async closeAll(graceMs: number): Promise<void> {
    for (const entry of this.#pools.values()) this.#close(entry);
    this.#pools.clear();
    await settleWithin(Promise.all(this.#closing.values()), graceMs);
    await Promise.all([...this.#closing.keys()].map((entry) => entry.pool.destroy().catch(() => undefined)));
  }
}
