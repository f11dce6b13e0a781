/**
 * The lean upstream engine: HTTP/1.1 backends over our own pooled (TLS) connections, parsed by
 * Node's llhttp (h1/parser.ts); HTTP/2 and h2c backends and upgrades (WebSocket) go to the undici
 * engine it wraps. Same `Upstream` interface, same connector (tls/connector.ts: identical TLS
 * options, verification, session cache, handshake events), same classification and answers.
 *
 * Why it exists (issue 6, BENCHMARKS.md "Data plane"): on the 2-core bench machine the
 * undici-based engine measured 0.35x nginx's requests per second (7,405 vs 21,262 req/s, p99
 * 38.9 ms vs 3.1 ms, anchors.sh 3 x 8 s, 32 connections). undici's per-request machinery
 * (Request object, header parsing into objects, handler callbacks, its wasm parser copies, extra
 * writes) was the largest cost after the syscalls; this engine writes one request head per write,
 * relays the parser's flat header list to `writeHead`, and answers small responses with one
 * `end()`. Measured with bench/dataplane/solo.sh: 55-75 µs of CPU per request against
 * 82-108 µs for the undici engine (interleaved runs); full figures in BENCHMARKS.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorStatus } from '../../errors.ts';
import type { GatewayIR } from '../../ir/types.ts';
import { backendState, EndpointHealth } from './balancer.ts';
import type { BackendState } from './balancer.ts';
import type { ProxyOutcome, ProxyRequest, Upstream, UpstreamEngineOptions } from './engine.ts';
import { UpstreamEngine } from './engine.ts';
import { sendError } from './error-response.ts';
import { requestIdOf } from './exchange.ts';
import { H1Exchange } from './h1/exchange.ts';
import type { H1Context } from './h1/exchange.ts';
import { H1PoolRegistry } from './h1/pool.ts';
import type { H1Pool } from './h1/pool.ts';
import { safeDone } from './outcome.ts';
import { LivePoolTracker } from './pools.ts';
import { planPreconnects, PRECONNECT_MAX_PER_APPLY } from './preconnect.ts';

/**
 * Lean engine settings: the shared ones, and the pre-connect cap (preconnect.ts; 0 turns it off;
 * default 64, or 0 with `LASTMILE_PRECONNECT=off`, for A/B measurements).
 */
export interface LeanEngineOptions extends UpstreamEngineOptions {
  readonly preconnectMaxPerApply?: number;
}

const isHttp1 = (backend: { readonly protocol: string }): boolean => backend.protocol === 'http1';

/** The pools of each backend's endpoints, cached beside its state (dropped with the IR). */
const poolsOf = new WeakMap<BackendState, (H1Pool | undefined)[]>();

/** The lean engine (see file comment). */
export class LeanUpstreamEngine implements Upstream {
  readonly #fallback: UpstreamEngine;
  readonly #registry: H1PoolRegistry;
  readonly #ctx: H1Context;
  // Only HTTP/1.1 backends have pools here; the others are the fallback engine's.
  readonly #live = new LivePoolTracker(isHttp1);
  readonly #preconnectMax: number;
  #closed = false;

  constructor(options: LeanEngineOptions = {}) {
    this.#fallback = new UpstreamEngine(options);
    this.#preconnectMax = options.preconnectMaxPerApply ?? (process.env.LASTMILE_PRECONNECT === 'off' ? 0 : PRECONNECT_MAX_PER_APPLY);
    const events = options.events;
    this.#registry = new H1PoolRegistry({
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      maxConnectionsPerEndpoint: options.maxConnectionsPerEndpoint ?? 256,
      onHandshake: events?.handshake === undefined ? undefined : (e) => events.handshake?.(e),
      onPoolChange: events?.poolChange === undefined ? undefined : (e) => events.poolChange?.(e),
    });
    const registry = this.#registry;
    this.#ctx = {
      health: new EndpointHealth(),
      pool(state: BackendState, index: number): H1Pool {
        let cache = poolsOf.get(state);
        if (cache === undefined) {
          cache = new Array<H1Pool | undefined>(state.names.length);
          poolsOf.set(state, cache);
        }
        let pool = cache[index];
        if (pool === undefined || pool.closing) {
          pool = registry.get(state.backend, state.backend.endpoints[index]!);
          cache[index] = pool;
        }
        return pool;
      },
    };
  }

  /** Number of live pools (for tests and the admin API). */
  get poolCount(): number {
    return this.#registry.size + this.#fallback.poolCount;
  }

  proxy(req: IncomingMessage, res: ServerResponse, target: ProxyRequest, done: (outcome: ProxyOutcome) => void): void {
    const backend = target.backend;
    if (backend.protocol !== 'http1') {
      this.#fallback.proxy(req, res, target, done);
      return;
    }
    try {
      let refusal: ProxyOutcome | undefined;
      if (backend.unusable !== undefined) {
        refusal = { status: backend.unusable.status, code: backend.unusable.code, detail: `backend ${backend.name}: ${backend.unusable.message}` };
      } else if (backend.endpoints.length === 0) {
        refusal = { status: errorStatus.no_ready_endpoints, code: 'no_ready_endpoints', detail: `backend ${backend.name} has no ready endpoints` };
      } else if (this.#closed) {
        refusal = { status: errorStatus.upstream_connect_failed, code: 'upstream_connect_failed', detail: 'the upstream engine is closed' };
      }
      if (refusal !== undefined) {
        sendError(res, refusal.code!, requestIdOf(target));
        safeDone(done, refusal);
        return;
      }
      new H1Exchange(this.#ctx, req, res, target, done, backendState(backend)).start();
    } catch (err) {
      sendError(res, 'upstream_connect_failed', requestIdOf(target));
      safeDone(done, { status: errorStatus.upstream_connect_failed, code: 'upstream_connect_failed', detail: `internal error: ${String(err)}` });
    }
  }

  /** Upgrades keep the undici engine's path (its own HTTP/1.1 pools, same connector). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyRequest, done: (outcome: ProxyOutcome) => void): void {
    this.#fallback.upgrade(req, socket, head, target, done);
  }

  update(ir: GatewayIR): void {
    this.#fallback.update(ir);
    // Only the routes that changed since the last IR are walked (pools.ts LivePoolTracker).
    const { identities, profiles } = this.#live.update(ir);
    const replaced = this.#registry.retain(identities, profiles);
    this.#ctx.health.retain(identities);
    // Pools that carried traffic and were replaced (a TLS profile changed): open their
    // successors' first connection now, not on the first request (preconnect.ts). Never while
    // stopping.
    if (replaced.length > 0 && !this.#closed) this.#preconnect(replaced);
  }

  #preconnect(replaced: readonly { readonly backend: string; readonly endpoint: string }[]): void {
    const registry = this.#registry;
    const targets = planPreconnects(this.#live.added, replaced, isHttp1, (id) => registry.find(id) !== undefined, this.#preconnectMax);
    for (const t of targets) void registry.get(t.backend, t.endpoint).preconnect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#registry.closeAll(10_000), this.#fallback.close()]);
  }
}
