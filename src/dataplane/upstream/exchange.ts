/**
 * One proxied request: an undici dispatch handler that streams the upstream response into the
 * client's ServerResponse with backpressure, and turns every failure into lastmile's answer.
 * One object per request (it is the handler, the timer callback and the close listener), so the
 * per-request path allocates little beyond what undici and node:http need.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse, IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { UpstreamTimeoutError } from '../tls/classify.ts';
import type { BackendState, EndpointHealth } from './balancer.ts';
import type { ProxyOutcome, ProxyRequest } from './engine.ts';
import { clientResponseHeaders } from './headers.ts';
import { ClientGoneError, failedAttempt, requestIdOf, safeDone } from './outcome.ts';
import type { PoolEntry, PoolRegistry } from './pools.ts';

/** What an exchange needs from its engine. */
export interface ExchangeContext {
  readonly registry: PoolRegistry;
  readonly health: EndpointHealth;
}

/** undici honours a per-request `servername` that its .d.ts omits (ecosystem.md gotcha 1). */
export interface UpstreamDispatchOptions extends Dispatcher.DispatchOptions {
  servername?: string;
}

/** Whether the request carries a body (HTTP/1.1 framing headers, or an HTTP/2 stream still open). */
export function requestHasBody(req: IncomingMessage): boolean {
  const h2 = (req as IncomingMessage & { stream?: { endAfterHeaders?: boolean } }).stream;
  if (h2 !== undefined) return h2.endAfterHeaders === false;
  const cl = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0');
}

/**
 * Headers undici refuses to send (it frames the message itself): present only if the caller did
 * not filter them, so check cheaply and copy only then.
 */
export function upstreamHeaders(headers: Record<string, string | string[]>, dropUpgrade: boolean): Record<string, string | string[]> {
  if (
    headers.expect === undefined &&
    headers.connection === undefined &&
    headers['keep-alive'] === undefined &&
    headers['transfer-encoding'] === undefined &&
    headers.upgrade === undefined &&
    !dropUpgrade
  ) {
    return headers;
  }
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    if (name === 'expect' || name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding' || name === 'upgrade') continue;
    out[name] = headers[name]!;
  }
  return out;
}

export { requestIdOf } from './outcome.ts';

// Listeners shared by all exchanges: the response points at its exchange, so the per-request path
// allocates no closures for them.
const kExchange = Symbol('lastmile.exchange');
interface Linked {
  [kExchange]?: ProxyExchange;
}
function onClientClose(this: ServerResponse & Linked): void {
  this[kExchange]?.clientClosed();
}
function onClientDrain(this: ServerResponse & Linked): void {
  this[kExchange]?.resume();
}
function onTimer(exchange: ProxyExchange, overall: boolean): void {
  exchange.timedOut(overall);
}

function hasKeys(o: IncomingHttpHeaders): boolean {
  for (const _ in o) return true;
  return false;
}

/** One client request proxied to one backend (see file comment). */
export class ProxyExchange implements Dispatcher.DispatchHandler {
  readonly #ctx: ExchangeContext;
  readonly #res: ServerResponse;
  readonly #target: ProxyRequest;
  readonly #done: (outcome: ProxyOutcome) => void;
  readonly #state: BackendState;
  readonly #opts: UpstreamDispatchOptions;
  readonly #hasBody: boolean;
  readonly #started = performance.now();
  #deadline = 0;
  #attempts = 0;
  #tried: number[] | undefined;
  #index = 0;
  #entry: PoolEntry | undefined;
  #controller: Dispatcher.DispatchController | null = null;
  #timer: NodeJS.Timeout | undefined;
  #failure: Error | undefined;
  #status = 0;
  #finished = false;

  constructor(
    ctx: ExchangeContext,
    req: IncomingMessage,
    res: ServerResponse,
    target: ProxyRequest,
    done: (outcome: ProxyOutcome) => void,
    state: BackendState,
  ) {
    this.#ctx = ctx;
    this.#res = res;
    this.#target = target;
    this.#done = done;
    this.#state = state;
    this.#hasBody = requestHasBody(req);
    const opts: UpstreamDispatchOptions = {
      path: target.path,
      method: target.method,
      headers: upstreamHeaders(target.headers, false),
      body: this.#hasBody ? req : null,
    };
    // SNI from the profile on every request, never from the forwarded Host (gotcha 1).
    if (target.backend.tls !== undefined) opts.servername = target.backend.tls.sni;
    this.#opts = opts;
  }

  /** Starts the first attempt. */
  start(): void {
    const requestMs = this.#target.timeouts.requestMs;
    if (requestMs !== undefined && requestMs > 0) this.#deadline = this.#started + requestMs;
    (this.#res as ServerResponse & Linked)[kExchange] = this;
    this.#res.once('close', onClientClose);
    this.#attempt();
  }

  #attempt(): void {
    this.#attempts++;
    const state = this.#state;
    const i = this.#ctx.health.pick(state, this.#tried);
    this.#index = i;
    this.#controller = null;
    this.#armTimer();
    const entry = state.pool(this.#ctx.registry, i, false);
    this.#entry = entry;
    entry.pool.dispatch(this.#opts, this);
  }

  #armTimer(): void {
    const backendMs = this.#target.timeouts.backendRequestMs;
    let ms = backendMs !== undefined && backendMs > 0 ? backendMs : Infinity;
    let overall = false;
    if (this.#deadline > 0) {
      const left = this.#deadline - performance.now();
      if (left < ms) {
        ms = left;
        overall = true;
      }
    }
    if (ms === Infinity) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(onTimer, Math.max(1, ms), this, overall);
  }

  /** Timer expiry (see onTimer): the route's request timeout, or its backendRequest timeout. */
  timedOut(overall: boolean): void {
    this.#timer = undefined;
    if (this.#finished) return;
    const t = this.#target.timeouts;
    const err = new UpstreamTimeoutError(
      overall ? `request timeout (${t.requestMs} ms) elapsed` : `backend request timeout (${t.backendRequestMs} ms) elapsed`,
    );
    this.#failure = err;
    if (this.#controller !== null) this.#controller.abort(err);
    else this.#fail(err); // still waiting for a connection: answer now, abort when it starts
  }

  /** The client's response closed (see onClientClose): normal after the end, an abort before it. */
  clientClosed(): void {
    if (this.#finished) return;
    const err = new ClientGoneError('client closed the connection');
    this.#failure = err;
    if (this.#controller !== null) this.#controller.abort(err);
    else this.#finish({ status: 0, endpoint: this.#state.names[this.#index] });
  }

  /** The client drained its buffer (see onClientDrain). */
  resume(): void {
    this.#controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#finished) {
      controller.abort(this.#failure ?? new ClientGoneError('request already answered'));
      return;
    }
    this.#controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (this.#finished) return;
    const res = this.#res;
    let out: OutgoingHttpHeaders;
    try {
      out = clientResponseHeaders(headers, this.#target.responseHeaders);
      const id = requestIdOf(this.#target);
      if (out['x-request-id'] === undefined && id !== undefined) out['x-request-id'] = id;
      // HTTP/2 responses have no reason phrase; Node warns if one is given.
      if (statusMessage !== undefined && statusMessage !== '' && !('stream' in res)) res.writeHead(statusCode, statusMessage, out);
      else res.writeHead(statusCode, out);
    } catch (err) {
      controller.abort(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.#status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#res.write(chunk)) {
      controller.pause();
      this.#res.once('drain', onClientDrain);
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.#finished) return;
    const res = this.#res;
    if (hasKeys(trailers)) {
      try {
        res.addTrailers(trailers);
      } catch {
        // A trailer Node refuses (e.g. invalid characters) is dropped, not fatal.
      }
    }
    res.end();
    this.#ctx.health.markOk(this.#state.identities[this.#index]!);
    this.#finish({ status: this.#status, endpoint: this.#state.names[this.#index], upstreamMs: performance.now() - this.#started });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.#finished) return;
    this.#fail(this.#failure ?? error);
  }

  #fail(failure: Error): void {
    const err = this.#entry === undefined ? failure : this.#entry.explain(failure);
    // Nothing reached the backend, and without a body nothing was consumed: safe to retry.
    const outcome = failedAttempt(this.#res, err, this.#target, this.#state, this.#index, this.#ctx.health, !this.#hasBody, this.#attempts, this.#status, this.#started);
    if (outcome === undefined) {
      (this.#tried ??= []).push(this.#index);
      this.#attempt();
      return;
    }
    this.#finish(outcome);
  }

  #finish(outcome: ProxyOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    safeDone(this.#done, outcome);
  }
}
