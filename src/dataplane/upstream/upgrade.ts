/**
 * Upgrades (WebSocket) through the same pools and the same verified TLS as ordinary requests:
 * the backend's 101 is relayed to the client socket, then bytes flow both ways untouched.
 * A backend that declines the upgrade gets its answer relayed and the connection closed.
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { errorStatus } from '../../errors.ts';
import { UpstreamTimeoutError } from '../tls/classify.ts';
import type { BackendState } from './balancer.ts';
import type { ProxyOutcome, ProxyRequest } from './engine.ts';
import { rawErrorResponse } from './error-response.ts';
import { requestIdOf, upstreamHeaders } from './exchange.ts';
import type { ExchangeContext, UpstreamDispatchOptions } from './exchange.ts';
import type { PoolEntry } from './pools.ts';
import { clientResponseHeaders } from './headers.ts';
import { judgeFailure, safeDone } from './outcome.ts';

/** Serializes a response head; values come from undici's strict parser, so no CR/LF injection. */
function formatHead(status: number, headers: OutgoingHttpHeaders, extra: string): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) head += `${name}: ${v}\r\n`;
    else head += `${name}: ${String(value)}\r\n`;
  }
  return `${head}${extra}\r\n`;
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** One upgrade request proxied to one backend endpoint. */
export class UpgradeExchange implements Dispatcher.DispatchHandler {
  readonly #ctx: ExchangeContext;
  readonly #socket: Duplex;
  readonly #head: Buffer;
  readonly #target: ProxyRequest;
  readonly #done: (outcome: ProxyOutcome) => void;
  readonly #state: BackendState;
  readonly #opts: UpstreamDispatchOptions;
  readonly #started = performance.now();
  #attempts = 0;
  #tried: number[] | undefined;
  #index = 0;
  #entry: PoolEntry | undefined;
  #controller: Dispatcher.DispatchController | null = null;
  #timer: NodeJS.Timeout | undefined;
  #failure: Error | undefined;
  #wrote = false;
  #status = 0;
  #finished = false;

  constructor(
    ctx: ExchangeContext,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: ProxyRequest,
    done: (outcome: ProxyOutcome) => void,
    state: BackendState,
  ) {
    this.#ctx = ctx;
    this.#socket = socket;
    this.#head = head;
    this.#target = target;
    this.#done = done;
    this.#state = state;
    const opts: UpstreamDispatchOptions = {
      path: target.path,
      method: target.method,
      // undici writes `connection: upgrade` and `upgrade:` itself from the `upgrade` option.
      headers: upstreamHeaders(target.headers, true),
      body: null,
      upgrade: firstValue(req.headers.upgrade) ?? 'websocket',
    };
    if (target.backend.tls !== undefined) opts.servername = target.backend.tls.sni;
    this.#opts = opts;
  }

  /** Starts the first attempt. */
  start(): void {
    const t = this.#target.timeouts;
    const ms = Math.min(t.requestMs ?? Infinity, t.backendRequestMs ?? Infinity);
    if (ms !== Infinity && ms > 0) this.#timer = setTimeout(this.#onTimeout, ms, ms);
    this.#socket.once('close', this.#onClientClose);
    this.#socket.on('error', this.#onClientClose);
    this.#attempt();
  }

  #attempt(): void {
    this.#attempts++;
    const i = this.#ctx.health.pick(this.#state, this.#tried);
    this.#index = i;
    this.#controller = null;
    const entry = this.#state.pool(this.#ctx.registry, i, true);
    this.#entry = entry;
    entry.pool.dispatch(this.#opts, this);
  }

  readonly #onTimeout = (ms: number): void => {
    if (this.#finished) return;
    const err = new UpstreamTimeoutError(`no upgrade answer within ${ms} ms`);
    this.#failure = err;
    if (this.#controller !== null) this.#controller.abort(err);
    else this.#fail(err);
  };

  readonly #onClientClose = (): void => {
    if (this.#finished) return;
    const err = new Error('client closed the connection');
    this.#failure = err;
    if (this.#controller !== null) this.#controller.abort(err);
    this.#finish({ status: 0, endpoint: this.#state.names[this.#index] });
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#finished) {
      controller.abort(this.#failure ?? new Error('upgrade already answered'));
      return;
    }
    this.#controller = controller;
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, upstream: Duplex): void {
    const client = this.#socket;
    if (this.#finished) {
      upstream.destroy();
      return;
    }
    const out = clientResponseHeaders(headers, this.#target.responseHeaders);
    const upgrade = firstValue(headers.upgrade);
    client.write(formatHead(statusCode, out, upgrade === undefined ? 'connection: upgrade\r\n' : `connection: upgrade\r\nupgrade: ${upgrade}\r\n`));
    if (this.#head.length > 0) upstream.write(this.#head);
    client.off('close', this.#onClientClose);
    client.off('error', this.#onClientClose);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    upstream.pipe(client);
    client.pipe(upstream);
    this.#finish({ status: statusCode, endpoint: this.#state.names[this.#index], upstreamMs: performance.now() - this.#started });
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (this.#finished) return;
    // The backend declined the upgrade: relay its answer; the end of the connection ends the body.
    const out = clientResponseHeaders(headers, this.#target.responseHeaders);
    this.#wrote = true;
    this.#status = statusCode;
    if (!this.#socket.write(formatHead(statusCode, out, 'connection: close\r\n'))) controller.pause();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#socket.write(chunk)) {
      controller.pause();
      this.#socket.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.#finished) return;
    this.#socket.end();
    this.#finish({ status: this.#status, endpoint: this.#state.names[this.#index], upstreamMs: performance.now() - this.#started });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.#finished) return;
    this.#fail(this.#failure ?? error);
  }

  #fail(failure: Error): void {
    const err = this.#entry === undefined ? failure : this.#entry.explain(failure);
    const endpoint = this.#state.names[this.#index]!;
    const verdict = judgeFailure(err, this.#target, this.#state, this.#index, this.#ctx.health, !this.#wrote, this.#attempts);
    if (verdict === undefined) {
      (this.#tried ??= []).push(this.#index);
      this.#attempt();
      return;
    }
    // A raw socket, not a ServerResponse: the answer is written by hand (outcome.ts answerError's twin).
    let status = this.#status;
    if (this.#wrote) this.#socket.destroy();
    else {
      this.#socket.end(rawErrorResponse(verdict.code, requestIdOf(this.#target)));
      status = errorStatus[verdict.code];
    }
    this.#finish({ status, code: verdict.code, endpoint, detail: verdict.detail, upstreamMs: performance.now() - this.#started });
  }

  #finish(outcome: ProxyOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    safeDone(this.#done, outcome);
  }
}
