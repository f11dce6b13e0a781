/**
 * The upstream engine: after routing, proxies a request to one endpoint of a backend over a pooled
 * connection, originating verified TLS when a BackendTLSPolicy applies (issue 4 items 3-4).
 *
 * Built on undici Pools (one per endpoint and TLS profile) with our own connector (tls/connector.ts).
 * The {@link Upstream} interface is all the rest of the data plane sees, so a leaner engine over
 * raw sockets can replace this one later (issue 6) without touching callers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorStatus } from '../../errors.ts';
import type { ErrorCode } from '../../errors.ts';
import type { BackendIR, GatewayIR, HeaderModifierIR } from '../../ir/types.ts';
import type { HandshakeEvent } from '../tls/connector.ts';
import { backendState, EndpointHealth } from './balancer.ts';
import { rawErrorResponse, sendError } from './error-response.ts';
import { ProxyExchange, requestIdOf } from './exchange.ts';
import type { ExchangeContext } from './exchange.ts';
import { safeDone } from './outcome.ts';
import { LivePoolTracker, PoolRegistry } from './pools.ts';
import type { PoolChangeEvent } from './pools.ts';
import { UpgradeExchange } from './upgrade.ts';

/** A routed request, ready to be sent to a backend. */
export interface ProxyRequest {
  readonly backend: BackendIR;
  readonly method: string;
  /** Already rewritten, with the query string. */
  readonly path: string;
  /** Headers to send, already filtered: hop-by-hop removed, X-Forwarded-* added, Host kept. */
  readonly headers: Record<string, string | string[]>;
  readonly timeouts: { readonly requestMs?: number; readonly backendRequestMs?: number };
  /** Applied to the response headers before they are sent to the client. */
  readonly responseHeaders?: HeaderModifierIR;
  /** For logs/metrics: the route id. */
  readonly routeName: string;
  /** Put on the client response as `x-request-id` unless the backend sent one (else the header's). */
  readonly requestId?: string;
}

/** How a proxied request ended. */
export interface ProxyOutcome {
  /** Status sent to the client (0 if the client went away). */
  readonly status: number;
  /** Set when lastmile answered with an error. */
  readonly code?: ErrorCode;
  /** `address:port` */
  readonly endpoint?: string;
  /** The whole story for logs (never secrets). */
  readonly detail?: string;
  readonly upstreamMs?: number;
}

/** Optional hooks (metrics, logs). None is called per request. */
export interface UpstreamEvents {
  /** Every upstream TLS handshake, successful or not. */
  handshake?(e: HandshakeEvent): void;
  /** An upstream pool opened or closed a connection. */
  poolChange?(e: PoolChangeEvent): void;
}

/** What the data plane needs from an upstream engine. */
export interface Upstream {
  proxy(req: IncomingMessage, res: ServerResponse, target: ProxyRequest, done: (outcome: ProxyOutcome) => void): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyRequest, done: (outcome: ProxyOutcome) => void): void;
  update(ir: GatewayIR): void;
  close(): Promise<void>;
}

/** Engine settings; every field has a default. */
export interface UpstreamEngineOptions {
  events?: UpstreamEvents;
  /** Idle time before a pooled connection closes; keep it below the backends' own (gotcha 3). Default 4000. */
  keepAliveTimeoutMs?: number;
  /** TCP connect plus TLS handshake. Default 10000. */
  connectTimeoutMs?: number;
  /** Default 256. */
  maxConnectionsPerEndpoint?: number;
}

/** The undici-based upstream engine (see file comment). */
export class UpstreamEngine implements Upstream {
  readonly #ctx: ExchangeContext;
  readonly #registry: PoolRegistry;
  readonly #live = new LivePoolTracker(() => true);
  #closed = false;

  constructor(options: UpstreamEngineOptions = {}) {
    const events = options.events;
    this.#registry = new PoolRegistry({
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      maxConnectionsPerEndpoint: options.maxConnectionsPerEndpoint ?? 256,
      onHandshake: events?.handshake === undefined ? undefined : (e) => events.handshake?.(e),
      onPoolChange: events?.poolChange === undefined ? undefined : (e) => events.poolChange?.(e),
    });
    this.#ctx = { registry: this.#registry, health: new EndpointHealth() };
  }

  /** Number of live pools (for tests and the admin API). */
  get poolCount(): number {
    return this.#registry.size;
  }

  /**
   * Answers requests the engine must not send anywhere: an unusable backend (never plaintext
   * where a policy applies, design.md) or no ready endpoint. Returns the outcome, or undefined
   * when the request can go upstream.
   */
  #refusal(target: ProxyRequest): ProxyOutcome | undefined {
    const backend = target.backend;
    if (backend.unusable !== undefined) {
      return { status: backend.unusable.status, code: backend.unusable.code, detail: `backend ${backend.name}: ${backend.unusable.message}` };
    }
    if (backend.endpoints.length === 0) {
      return { status: errorStatus.no_ready_endpoints, code: 'no_ready_endpoints', detail: `backend ${backend.name} has no ready endpoints` };
    }
    if (this.#closed) {
      return { status: errorStatus.upstream_connect_failed, code: 'upstream_connect_failed', detail: 'the upstream engine is closed' };
    }
    return undefined;
  }

  /** Proxies one request and streams the response back; answers lastmile's error when it cannot. Never throws. */
  proxy(req: IncomingMessage, res: ServerResponse, target: ProxyRequest, done: (outcome: ProxyOutcome) => void): void {
    try {
      const refusal = this.#refusal(target);
      if (refusal !== undefined) {
        sendError(res, refusal.code!, requestIdOf(target));
        safeDone(done, refusal);
        return;
      }
      new ProxyExchange(this.#ctx, req, res, target, done, backendState(target.backend)).start();
    } catch (err) {
      sendError(res, 'upstream_connect_failed', requestIdOf(target));
      safeDone(done, { status: errorStatus.upstream_connect_failed, code: 'upstream_connect_failed', detail: `internal error: ${String(err)}` });
    }
  }

  /** Upgrade (WebSocket) over the same verified TLS. Never throws. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: ProxyRequest, done: (outcome: ProxyOutcome) => void): void {
    try {
      const refusal = this.#refusal(target);
      if (refusal !== undefined) {
        socket.end(rawErrorResponse(refusal.code!, requestIdOf(target)));
        safeDone(done, refusal);
        return;
      }
      new UpgradeExchange(this.#ctx, req, socket, head, target, done, backendState(target.backend)).start();
    } catch (err) {
      socket.destroy();
      safeDone(done, { status: 0, code: 'upstream_connect_failed', detail: `internal error: ${String(err)}` });
    }
  }

  /**
   * Called with every new IR: pools whose (endpoint, profile id) no longer appear are drained and
   * closed. A CA rotation changes the profile id, so connections verified under the old trust are
   * never handed to a new request.
   */
  update(ir: GatewayIR): void {
    // Only the routes that changed since the last IR are walked (pools.ts LivePoolTracker).
    const { identities, profiles } = this.#live.update(ir);
    this.#registry.retain(identities, profiles);
    this.#ctx.health.retain(identities);
  }

  /** Stops taking requests, lets in-flight ones finish (up to 10 s), then closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#registry.closeAll(10_000);
  }
}
