/**
 * Pools of raw HTTP/1.1 connections for the lean engine, one per (endpoint, TLS profile id),
 * opened by the same connector as the undici engine (tls/connector.ts): identical TCP and TLS
 * options, verification, session cache and handshake events. A connection carries one exchange
 * at a time (no pipelining: client requests are arbitrary and often not idempotent).
 */
// Imported, not the global (an accessor: each use would be a slow global load, issue 6).
import { performance } from 'node:perf_hooks';
import type { BackendIR, EndpointIR } from '../../../ir/types.ts';
import { tlsConnectOptions } from '../../tls/connect-options.ts';
import type { UpstreamTlsOptions } from '../../tls/connect-options.ts';
import { createConnector } from '../../tls/connector.ts';
import type { HandshakeEvent } from '../../tls/connector.ts';
import { SessionCache, settleWithin } from '../pool-lifecycle.ts';
import type { PoolChangeEvent } from '../pools.ts';
import { endpointName, poolIdentity } from '../pools.ts';
import { H1Connection } from './connection.ts';

/** Whoever waits for a connection (an exchange). */
export interface ConnectionWaiter {
  /** Called once with a connection bound to nobody yet, or the connect error. */
  onConnection(err: Error | null, conn: H1Connection | null): void;
}

/** Settings shared by all pools of an engine. */
export interface H1PoolSettings {
  readonly keepAliveTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxConnectionsPerEndpoint: number;
  readonly onHandshake?: (e: HandshakeEvent) => void;
  readonly onPoolChange?: (e: PoolChangeEvent) => void;
}

type Connect = ReturnType<typeof createConnector>;

/** The connections to one endpoint under one profile. */
export class H1Pool {
  readonly identity: string;
  readonly endpoint: string;
  /** The BackendIR name. */
  readonly backend: string;
  readonly #profile: string | undefined;
  readonly #connect: Connect;
  readonly #target: { hostname: string; host: string; port: string; protocol: string };
  readonly #settings: H1PoolSettings;
  /** Idle connections, most recently used last (reused first: keeps few connections hot). */
  readonly #idle: H1Connection[] = [];
  readonly #waiters: ConnectionWaiter[] = [];
  #sweeper: NodeJS.Timeout | undefined;
  #onEmpty: (() => void) | undefined;
  #closed: Promise<void> | undefined;
  readonly #all = new Set<H1Connection>();
  /** Open plus connecting. */
  #size = 0;
  #open = 0;
  /** A pre-connect is under way (preconnect.ts): a request may wait for it instead of opening its own. */
  #preconnecting = false;
  /** True once the pool stopped taking requests; holders must look the pool up again. */
  closing = false;

  constructor(identity: string, backend: BackendIR, endpoint: EndpointIR, connect: Connect, settings: H1PoolSettings) {
    this.identity = identity;
    this.endpoint = endpointName(endpoint);
    this.backend = backend.name;
    this.#profile = backend.tls?.id;
    this.#connect = connect;
    this.#settings = settings;
    const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
    this.#target = { hostname: host, host: `${host}:${endpoint.port}`, port: String(endpoint.port), protocol: backend.tls === undefined ? 'http:' : 'https:' };
  }

  /** Hands `waiter` an idle connection now, a new one once connected, or queues it. */
  acquire(waiter: ConnectionWaiter): void {
    const idle = this.#idle;
    while (idle.length > 0) {
      const conn = idle.pop()!;
      if (conn.usable) {
        waiter.onConnection(null, conn);
        return;
      }
    }
    // The first request after an edit waits for the pre-connect under way rather than paying a
    // second handshake; should it fail, that request still gets its own connect (below).
    if (this.#preconnecting && this.#waiters.length === 0) this.#waiters.push(waiter);
    else if (this.#size < this.#settings.maxConnectionsPerEndpoint) this.#open1(waiter);
    else this.#waiters.push(waiter);
  }

  /** Open connections (not counting those still connecting). */
  get openConnections(): number {
    return this.#open;
  }

  /**
   * Opens one connection ahead of any request (preconnect.ts), through the same connector as a
   * request's own: same TCP/TLS options, verification and session cache. Only on an empty pool
   * that takes requests. On success the connection is handed to a waiting request or kept idle
   * (the keep-alive sweep applies); on failure nothing is kept or reported to requests: a waiting
   * request opens its own connection and gets exactly the answer it would have had. Resolves
   * with the outcome (for logs and tests); never rejects.
   */
  preconnect(): Promise<'connected' | 'failed' | 'skipped'> {
    if (this.closing || this.#size > 0 || this.#preconnecting) return Promise.resolve('skipped');
    this.#size++;
    this.#preconnecting = true;
    // The mark reaches the handshake event (HandshakeEvent.preconnect), for logs.
    const target = { ...this.#target, preconnect: true };
    return new Promise((resolve) => {
      this.#connect(target, (err, socket) => {
        this.#preconnecting = false;
        if (err !== null || socket === null) {
          this.#size--;
          // Whoever waited on it connects on its own now (the same error, or a healthy retry).
          while (this.#waiters.length > 0 && this.#size < this.#settings.maxConnectionsPerEndpoint) this.#open1(this.#waiters.shift()!);
          this.#checkEmpty();
          resolve('failed');
          return;
        }
        const conn = new H1Connection(socket, this);
        this.#all.add(conn);
        this.#open++;
        this.#changed();
        // Kept idle, it counts as a reused connection: a bodiless idempotent request that finds it
        // closed by the backend (or by a late TLS alert) goes out again on a new one (exchange.ts).
        if (this.#waiters.length === 0) conn.served = 1;
        this.release(conn);
        resolve('connected');
      });
    });
  }

  /** Forgets a waiter that no longer wants a connection (timed out, client gone). */
  cancel(waiter: ConnectionWaiter): void {
    const i = this.#waiters.indexOf(waiter);
    if (i >= 0) this.#waiters.splice(i, 1);
  }

  #open1(waiter: ConnectionWaiter): void {
    this.#size++;
    this.#connect(this.#target, (err, socket) => {
      if (err !== null || socket === null) {
        this.#size--;
        waiter.onConnection(err ?? new Error('connect failed'), null);
        this.#checkEmpty();
        return;
      }
      const conn = new H1Connection(socket, this);
      this.#all.add(conn);
      this.#open++;
      this.#changed();
      waiter.onConnection(null, conn);
    });
  }

  /** A connection finished an exchange cleanly and may carry another. */
  release(conn: H1Connection): void {
    if (!conn.usable) {
      conn.destroy();
      return;
    }
    const next = this.#waiters.shift();
    if (next !== undefined) {
      next.onConnection(null, conn);
      return;
    }
    if (this.closing) {
      conn.destroy();
      return;
    }
    conn.idleSince = performance.now();
    this.#idle.push(conn);
    // One timer per pool, not per request: closes connections idle longer than the keep-alive timeout.
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.max(250, this.#settings.keepAliveTimeoutMs / 4)).unref();
  }

  #sweep(): void {
    const limit = performance.now() - this.#settings.keepAliveTimeoutMs;
    const idle = this.#idle;
    while (idle.length > 0 && idle[0]!.idleSince <= limit) idle.shift()!.destroy();
    if (idle.length === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** A connection's socket closed (called once per connection). */
  closed(conn: H1Connection): void {
    this.#all.delete(conn);
    this.#size--;
    this.#open--;
    const i = this.#idle.indexOf(conn);
    if (i >= 0) this.#idle.splice(i, 1);
    this.#changed();
    // A slot freed: a queued request gets a new connection.
    if (this.#waiters.length > 0 && this.#size < this.#settings.maxConnectionsPerEndpoint) this.#open1(this.#waiters.shift()!);
    this.#checkEmpty();
  }

  #changed(): void {
    this.#settings.onPoolChange?.({ backend: this.backend, endpoint: this.endpoint, ...(this.#profile === undefined ? {} : { profile: this.#profile }), open: this.#open });
  }

  #checkEmpty(): void {
    if (this.#size === 0 && this.#waiters.length === 0 && this.#onEmpty !== undefined) this.#onEmpty();
  }

  /**
   * Stops taking requests: idle connections close now, busy ones after their exchange; queued
   * waiters are served by the connections still finishing (they were routed under the config
   * that had this pool) or by new ones. Resolves when every connection is closed.
   */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.closing = true;
      if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
      this.#onEmpty = resolve;
      for (const conn of this.#idle.splice(0)) conn.destroy();
      this.#checkEmpty();
    });
    return this.#closed;
  }

  /** Destroys every connection, busy or not. */
  destroyAll(): void {
    for (const conn of this.#all) conn.destroy();
  }
}

/** All HTTP/1.1 pools of the lean engine, by pool identity. */
export class H1PoolRegistry {
  readonly #settings: H1PoolSettings;
  readonly #pools = new Map<string, H1Pool>();
  readonly #tlsOptions = new Map<string, UpstreamTlsOptions>();
  readonly #sessions = new SessionCache(4096);
  readonly #closing = new Set<H1Pool>();

  constructor(settings: H1PoolSettings) {
    this.#settings = settings;
  }

  get size(): number {
    return this.#pools.size;
  }

  /** The pool of one endpoint of a backend, created on first use. */
  get(backend: BackendIR, endpoint: EndpointIR): H1Pool {
    const profile = backend.tls;
    const identity = poolIdentity(endpoint, profile);
    let pool = this.#pools.get(identity);
    if (pool === undefined) {
      let tls: UpstreamTlsOptions | undefined;
      if (profile !== undefined) {
        tls = this.#tlsOptions.get(profile.id);
        if (tls === undefined) {
          tls = tlsConnectOptions(profile, false);
          this.#tlsOptions.set(profile.id, tls);
        }
      }
      const connect = createConnector({
        endpoint: endpointName(endpoint),
        backend: backend.name,
        sessionKey: identity,
        profile,
        tls,
        sessions: this.#sessions,
        connectTimeoutMs: this.#settings.connectTimeoutMs,
        h2c: false,
        onHandshake: this.#settings.onHandshake,
        // Late TLS alerts reach the connection's own error listener, already annotated.
        lateTlsErrors: profile === undefined ? undefined : new Map(),
      });
      pool = new H1Pool(identity, backend, endpoint, connect, this.#settings);
      this.#pools.set(identity, pool);
    }
    return pool;
  }

  /** The pool of `identity`, if one exists (no pool is created). */
  find(identity: string): H1Pool | undefined {
    return this.#pools.get(identity);
  }

  /**
   * Keeps the pools in `identities`, closes the others gracefully; drops unused TLS options.
   * Returns the closed pools that had open connections (traffic was flowing to them): the ones
   * whose replacement preconnect.ts may open a connection for.
   */
  retain(identities: ReadonlySet<string>, profileIds: ReadonlySet<string>): H1Pool[] {
    const busy: H1Pool[] = [];
    for (const [identity, pool] of this.#pools) {
      if (identities.has(identity)) continue;
      this.#pools.delete(identity);
      if (pool.openConnections > 0) busy.push(pool);
      this.#close(pool);
    }
    for (const id of this.#tlsOptions.keys()) if (!profileIds.has(id)) this.#tlsOptions.delete(id);
    return busy;
  }

  #close(pool: H1Pool): void {
    this.#closing.add(pool);
    void pool.close().then(() => this.#closing.delete(pool));
  }

  /** Closes every pool; what still runs after `graceMs` is destroyed. */
  async closeAll(graceMs: number): Promise<void> {
    for (const pool of this.#pools.values()) this.#close(pool);
    this.#pools.clear();
    const all = [...this.#closing];
    await settleWithin(Promise.all(all.map((p) => p.close())), graceMs);
    for (const p of all) p.destroyAll();
  }
}
