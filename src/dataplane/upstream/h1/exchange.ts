/**
 * One request proxied by the lean engine over a pooled HTTP/1.1 connection: writes the request
 * head in one write, streams the body with backpressure, and relays the response. A response that
 * arrives whole in one read (the common small answer) goes to the client with one `end()` (one
 * write syscall for head and body); longer ones stream with backpressure both ways. Failure
 * handling is the undici exchange's (../outcome.ts, shared): same retries, classification and
 * answers.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
// Imported, not the global: globalThis.performance is an accessor, so each use of the global is a
// slow global load (issue 6).
import { performance } from 'node:perf_hooks';
import { UpstreamTimeoutError } from '../../tls/classify.ts';
import type { BackendState, EndpointHealth } from '../balancer.ts';
import type { ProxyOutcome, ProxyRequest } from '../engine.ts';
import { requestHasBody, requestIdOf } from '../exchange.ts';
import { failedAttempt, maxAttempts } from '../outcome.ts';
import type { ConnectionUser, H1Connection } from './connection.ts';
import type { ConnectionWaiter, H1Pool } from './pool.ts';
import { HEADERS_CHECKED, requestHead, type CheckableHeaders } from './request-head.ts';
import { flatClientHeaders, headerObject, objectClientHeaders } from './response-head.ts';

/** What an exchange needs from its engine. */
export interface H1Context {
  readonly health: EndpointHealth;
  pool(state: BackendState, index: number): H1Pool;
}

/** Methods that may be sent again when a reused connection turns out closed (RFC 9110 9.2.2). */
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

const kExchange = Symbol('lastmile.h1exchange');
interface Linked {
  [kExchange]?: H1Exchange;
}
/**
 * The lean front's response (server/front/response.ts) takes the parser's flat header list as it
 * is (one pass: filtering, x-request-id and serialization); other responses (node:http, h2) get
 * the filtered list or object through writeHead.
 */
interface UpstreamHeadWriter {
  writeUpstreamHead(status: number, message: string, raw: readonly string[], requestId: string | undefined, requestIdChecked?: boolean): boolean;
}

function onClientClose(this: ServerResponse & Linked): void {
  this[kExchange]?.clientClosed();
}
function onClientDrain(this: ServerResponse & Linked): void {
  this[kExchange]?.clientDrained();
}
function onReqData(this: IncomingMessage & Linked, chunk: Buffer): void {
  this[kExchange]?.requestData(chunk);
}
function onReqEnd(this: IncomingMessage & Linked): void {
  this[kExchange]?.requestEnd();
}
function onTimer(exchange: H1Exchange, overall: boolean): void {
  exchange.timedOut(overall);
}

/** One client request over one pooled HTTP/1.1 connection (see file comment). */
export class H1Exchange implements ConnectionUser, ConnectionWaiter {
  readonly #ctx: H1Context;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #target: ProxyRequest;
  readonly #done: (outcome: ProxyOutcome) => void;
  readonly #state: BackendState;
  readonly #hasBody: boolean;
  readonly #h2: boolean;
  readonly #started = performance.now();
  #deadline = 0;
  #attempts = 0;
  #tried: number[] | undefined;
  #index = 0;
  #pool: H1Pool | undefined;
  #conn: H1Connection | undefined;
  #waiting = false;
  #timer: NodeJS.Timeout | undefined;
  #chunked = false;
  #bodySent = false;
  #head = false;
  /** Status and headers held back until the first flush (see file comment). */
  #pendingHeaders: string[] | OutgoingHttpHeaders | undefined;
  /** `#pendingHeaders` is the parser's raw list (no modifier, HTTP/1 client). */
  #rawHead = false;
  #pendingMessage = '';
  #pendingBody: Buffer[] | undefined;
  #status = 0;
  #finished = false;
  #awaitingDrain = false;

  constructor(ctx: H1Context, req: IncomingMessage, res: ServerResponse, target: ProxyRequest, done: (outcome: ProxyOutcome) => void, state: BackendState) {
    this.#ctx = ctx;
    this.#req = req;
    this.#res = res;
    this.#target = target;
    this.#done = done;
    this.#state = state;
    this.#hasBody = requestHasBody(req);
    this.#h2 = 'stream' in res;
  }

  start(): void {
    const requestMs = this.#target.timeouts.requestMs;
    if (requestMs !== undefined && requestMs > 0) this.#deadline = this.#started + requestMs;
    (this.#res as ServerResponse & Linked)[kExchange] = this;
    // `on`, not `once`: a response closes at most once, and `once` costs a wrapper per request.
    this.#res.on('close', onClientClose);
    this.#attempt();
  }

  #attempt(): void {
    this.#attempts++;
    const i = this.#ctx.health.pick(this.#state, this.#tried);
    this.#index = i;
    this.#armTimer();
    this.#pool = this.#ctx.pool(this.#state, i);
    this.#waiting = true;
    this.#pool.acquire(this);
  }

  // Same arithmetic as ../exchange.ts #armTimer, kept inline on purpose: it runs on every
  // request of the lean path, whose per-request code shape is the point of this engine.
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

  /** ConnectionWaiter: the pool's answer. */
  onConnection(err: Error | null, conn: H1Connection | null): void {
    this.#waiting = false;
    if (this.#finished) {
      // Answered meanwhile (timeout, client gone): a fresh connection is still good for others.
      if (conn !== null) conn.release();
      return;
    }
    if (err !== null || conn === null) {
      this.#fail(err ?? new Error('no connection'));
      return;
    }
    this.#send(conn);
  }

  #send(conn: H1Connection): void {
    const t = this.#target;
    let head: string;
    try {
      const h = requestHead(t.method, t.path, t.headers, this.#hasBody, this.#pool!.endpoint);
      head = h.head;
      this.#chunked = h.chunked;
    } catch (err) {
      conn.release();
      this.#fail(err as Error);
      return;
    }
    this.#conn = conn;
    conn.bind(this);
    this.#head = t.method === 'HEAD';
    const socket = conn.socket;
    // latin1: the head's characters are bytes (header values from llhttp are latin1 strings, and
    // request-head.ts admits nothing above \xff), so each is written as the one byte it stands for.
    if (!this.#hasBody) {
      socket.write(head, 'latin1');
      this.#bodySent = true;
      return;
    }
    socket.write(head, 'latin1');
    const req = this.#req as IncomingMessage & Linked;
    req[kExchange] = this;
    req.on('data', onReqData);
    req.on('end', onReqEnd);
    if (req.readableEnded) this.requestEnd();
  }

  /** A chunk of the client's request body. */
  requestData(chunk: Buffer): void {
    const conn = this.#conn;
    if (conn === undefined || this.#finished || chunk.length === 0) return;
    const socket = conn.socket;
    let ok: boolean;
    if (this.#chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write(CRLF);
      socket.uncork();
    } else {
      ok = socket.write(chunk);
    }
    if (!ok) this.#req.pause();
  }

  requestEnd(): void {
    const conn = this.#conn;
    if (conn === undefined || this.#finished || this.#bodySent) return;
    if (this.#chunked) conn.socket.write(LAST_CHUNK);
    this.#bodySent = true;
  }

  onUpstreamDrain(): void {
    if (!this.#bodySent) this.#req.resume();
  }

  /** ConnectionUser: the response head. */
  onResponseHead(status: number, statusMessage: string, raw: string[]): number {
    const t = this.#target;
    if (t.responseHeaders === undefined && !this.#h2) {
      this.#pendingHeaders = raw;
      this.#rawHead = true;
    } else {
      this.#pendingHeaders = objectClientHeaders(raw, t.responseHeaders, requestIdOf(t));
    }
    this.#pendingMessage = this.#h2 ? '' : statusMessage;
    this.#status = status;
    return this.#head ? 1 : 0;
  }

  onResponseBody(chunk: Buffer): void {
    if (this.#pendingHeaders !== undefined) {
      (this.#pendingBody ??= []).push(chunk);
      return;
    }
    if (!this.#res.write(chunk) && !this.#awaitingDrain) {
      // One 'drain' listener however many chunks of the read follow (they are written anyway:
      // at most one read's worth, the backend is paused from here).
      this.#awaitingDrain = true;
      this.#conn?.pauseReading();
      this.#res.once('drain', onClientDrain);
    }
  }

  clientDrained(): void {
    this.#awaitingDrain = false;
    this.#conn?.resumeReading();
  }

  /** Writes the held-back head (and body so far); false when the response was refused. */
  #writeHead(): boolean {
    const headers = this.#pendingHeaders;
    if (headers === undefined) return true;
    this.#pendingHeaders = undefined;
    const res = this.#res;
    try {
      let h = headers;
      if (this.#rawHead) {
        const raw = headers as string[];
        const id = requestIdOf(this.#target);
        // The id is known to pass the field-value check when it is the x-request-id value of a
        // header record marked checked (request-head.ts HEADERS_CHECKED): the same string, so one
        // pointer comparison instead of a pass over its characters.
        const sent = this.#target.headers as CheckableHeaders;
        const idChecked = id !== undefined && sent[HEADERS_CHECKED] === true && sent['x-request-id'] === id;
        const writer = res as Partial<UpstreamHeadWriter>;
        if (writer.writeUpstreamHead !== undefined && writer.writeUpstreamHead(this.#status, this.#pendingMessage, raw, id, idChecked)) return true;
        h = flatClientHeaders(raw, id);
      }
      if (this.#pendingMessage !== '') res.writeHead(this.#status, this.#pendingMessage, h);
      else res.writeHead(this.#status, h);
    } catch (err) {
      // A header Node refuses to send (e.g. invalid characters): as undici's exchange does.
      this.#conn?.destroy();
      this.#conn = undefined;
      this.#fail(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
    return true;
  }

  onParsed(): void {
    if (this.#pendingHeaders === undefined || this.#finished) return;
    const body = this.#pendingBody;
    this.#pendingBody = undefined;
    if (!this.#writeHead()) return;
    if (body !== undefined) for (const chunk of body) this.onResponseBody(chunk);
  }

  onResponseEnd(trailers: string[] | undefined): void {
    if (this.#finished) return;
    const res = this.#res;
    const body = this.#pendingBody;
    this.#pendingBody = undefined;
    const held = this.#pendingHeaders !== undefined;
    if (!this.#writeHead()) return;
    if (trailers !== undefined) {
      if (body !== undefined) for (const chunk of body) res.write(chunk);
      try {
        res.addTrailers(headerObject(trailers));
      } catch {
        // A trailer Node refuses is dropped, not fatal.
      }
      res.end();
    } else if (held && body !== undefined) {
      // Head and whole body in one write.
      res.end(body.length === 1 ? body[0] : Buffer.concat(body));
    } else {
      res.end();
    }
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn !== undefined) {
      // Reusable only when the request went out whole too (a backend may answer early).
      if (this.#bodySent) conn.release();
      else conn.destroy();
    }
    this.#ctx.health.markOk(this.#state.identities[this.#index]!);
    this.#finish({ status: this.#status, endpoint: this.#state.names[this.#index], upstreamMs: performance.now() - this.#started });
  }

  onConnectionError(err: Error): void {
    const conn = this.#conn;
    this.#conn = undefined;
    if (this.#finished) return;
    // A reused connection the backend had already closed: nothing of this request was answered,
    // and a bodiless idempotent request can go out again on a new connection (as nginx does).
    if (conn !== undefined && conn.served > 0 && this.#status === 0 && !this.#hasBody && RETRYABLE.has(this.#target.method) && this.#attempts < maxAttempts + 1) {
      this.#attempts++;
      this.#waiting = true;
      this.#pool!.acquire(this);
      return;
    }
    this.#fail(err);
  }

  timedOut(overall: boolean): void {
    this.#timer = undefined;
    if (this.#finished) return;
    const t = this.#target.timeouts;
    const err = new UpstreamTimeoutError(overall ? `request timeout (${t.requestMs} ms) elapsed` : `backend request timeout (${t.backendRequestMs} ms) elapsed`);
    this.#abortUpstream();
    this.#fail(err);
  }

  clientClosed(): void {
    if (this.#finished) return;
    this.#abortUpstream();
    this.#finish({ status: 0, endpoint: this.#state.names[this.#index], upstreamMs: performance.now() - this.#started });
  }

  #abortUpstream(): void {
    if (this.#waiting) {
      this.#waiting = false;
      this.#pool?.cancel(this);
    }
    const conn = this.#conn;
    this.#conn = undefined;
    conn?.destroy();
  }

  #fail(failure: Error): void {
    if (this.#finished) return;
    // Nothing reached the backend, and without a body nothing was consumed: safe to retry.
    const outcome = failedAttempt(this.#res, failure, this.#target, this.#state, this.#index, this.#ctx.health, !this.#hasBody, this.#attempts, this.#status, this.#started);
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
    if (this.#hasBody) {
      const req = this.#req as IncomingMessage & Linked;
      req[kExchange] = undefined;
      req.off('data', onReqData);
      req.off('end', onReqEnd);
      // What the backend did not wait for is read and dropped, so the client's next request on
      // this keep-alive connection can be parsed (Node only does this for unread bodies).
      if (!req.readableEnded) req.resume();
    }
    // Inline rather than outcome.ts's safeDone: this runs once per request on the lean path.
    try {
      this.#done(outcome);
    } catch {
      // The caller's bookkeeping must not break the proxy.
    }
  }
}
