/**
 * One client connection of the lean front path: the socket's reads go straight into llhttp
 * (request-parser.ts), each request becomes a FrontRequest/FrontResponse pair handed to the
 * data plane, and responses leave in request order. One response is in flight at a time;
 * pipelined requests wait in a short queue (reading stops while they do), and a request's body is
 * read only as fast as its consumer takes it (the socket stops reading when the body's buffer is
 * full). Time limits are counted in ticks of the server's sweep (server.ts), so a request costs
 * no timer and no clock read.
 *
 * Errors are answered as node:http answers them: a parse error gets 400 (431 for a head over the
 * size limit, 413 for oversized chunk extensions) then the connection is destroyed; an HTTP/1.1
 * request without Host gets 400; `Expect: 100-continue` gets `100 Continue` before the request is
 * handed over, any other expectation 417; a head not complete within the headers timeout gets
 * 408 (slowloris).
 */
import type { Socket } from 'node:net';
import { createRequestParser, METHODS, type ParseError, type RequestParser, type RequestParserCallbacks } from './request-parser.ts';
import { headerObject } from './headers.ts';
import { FrontRequest, type BodySource } from './request.ts';
import { FrontResponse, type ResponseOwner } from './response.ts';
import { BAD_REQUEST, CONTINUE, CONTINUE_EXPECTATION, parseErrorAnswer, TIMEOUT } from './answers.ts';
import type { FrontHandlers, FrontHost } from './host.ts';

export type { FrontHandlers, FrontHost };

/** Pipelined requests held at most; a client sending more is cut off. */
const MAX_QUEUE = 256;

function closeParser(parser: RequestParser): void {
  parser.close();
}

function onSocketError(this: Socket): void {
  this.destroy();
}

/** One accepted connection (see file comment). */
export class FrontConnection implements RequestParserCallbacks, BodySource, ResponseOwner {
  readonly socket: Socket;
  readonly #host: FrontHost;
  readonly #parser: RequestParser;
  #consumed = true;
  /** llhttp calls onMessageComplete (off while requests end with their heads). */
  #completeWatched = true;
  #partialHeaders: string[] = [];
  #partialUrl = '';
  /** The message whose head or body is being parsed. */
  #parsing: FrontRequest | undefined;
  /** The response being written. */
  #active: FrontResponse | undefined;
  readonly #queue: FrontRequest[] = [];
  #upgrade: FrontRequest | undefined;
  /**
   * Tick when the current head began (-1: not inside a head). llhttp's message-begin callback is
   * off (request-parser.ts): a head is known to have begun when a read leaves the parser outside
   * any message that read completed (onExecute), or from the accept for the first one (as
   * node:http counts it).
   */
  #headTick: number;
  /** A head or a whole message completed during the read being parsed. */
  #endedInRead = false;
  /** Tick when the connection went idle (-1: busy). */
  #idleTick = -1;
  #bodyPaused = false;
  #queuePaused = false;
  /** Reading is over for good (the connection ends after what is in flight). */
  #stopped = false;
  #reading = true;
  #pumping = false;
  /** No more requests are taken: the connection ends after the response in flight. */
  #closing = false;
  #draining = false;
  #gone = false;
  /** The early bytes being parsed by `start` (outside a consumed read). */
  #early: Buffer | undefined;
  // Per connection, not per request: removed again when the socket is handed to an upgrade.
  readonly #onEndListener = (): void => this.#onEnd();
  readonly #onCloseListener = (): void => this.#onClose();
  readonly #onDrainListener = (): void => this.#onDrain();

  constructor(socket: Socket, host: FrontHost) {
    this.socket = socket;
    this.#host = host;
    this.#headTick = host.tick;
    this.#parser = createRequestParser(this);
    socket.on('error', onSocketError);
    socket.on('end', this.#onEndListener);
    socket.on('close', this.#onCloseListener);
    socket.on('drain', this.#onDrainListener);
  }

  /** Starts reading (once the server tracks the connection: requests may be handled at once). */
  start(): void {
    const socket = this.socket;
    // A TLS socket handed over after its handshake may hold bytes already decrypted into its
    // stream (the first request, sent with the handshake's end): they are parsed first.
    const early = socket.readableLength > 0 ? (socket.read() as Buffer | null) : null;
    this.#parser.consume((socket as unknown as { _handle: object })._handle);
    // Flowing, so the end of the stream is noticed; no data reaches JS while the parser consumes.
    socket.resume();
    if (early !== null && early.length > 0) {
      this.#early = early;
      try {
        this.onExecute(this.#parser.execute(early));
      } finally {
        this.#early = undefined;
      }
    }
  }

  get keepAliveField(): string {
    return this.#host.keepAliveField;
  }

  get draining(): boolean {
    return this.#draining || this.#host.draining;
  }

  // --- parser callbacks -------------------------------------------------------------------

  /** Bytes of a new head arrived (see #headTick): its clock runs, the idle one stops. */
  #headBegun(): void {
    if (this.#headTick < 0) this.#headTick = this.#host.tick;
    this.#idleTick = -1;
  }

  onHeaders(headers: string[], url: string): void {
    for (const h of headers) this.#partialHeaders.push(h);
    this.#partialUrl += url;
  }

  onHeadersComplete(major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, upgrade: boolean, keepAlive: boolean): void {
    this.#headTick = -1;
    this.#endedInRead = true;
    let raw = headers;
    if (raw === undefined) {
      raw = this.#partialHeaders;
      this.#partialHeaders = [];
    }
    let target = url;
    if (target === undefined || target === '') {
      target = this.#partialUrl;
      this.#partialUrl = '';
    }
    const fields = headerObject(raw);
    const req = new FrontRequest(this, this.socket, METHODS[method] ?? 'GET', target, raw, fields, major, minor);
    req.keepAlive = keepAlive;
    this.#parsing = req;
    // A request without Transfer-Encoding whose Content-Length is absent or 0 ends with its head
    // (RFC 9112 6.3; llhttp completes it right after this callback returns, nothing in between):
    // it is completed below, after its dispatch (the order llhttp's callback would give), and
    // llhttp's message-complete call is turned off meanwhile (one C++ to JS call fewer per GET).
    // Upgrades keep llhttp's own completion (the hand-over needs it).
    const cl = fields['content-length'];
    const endsHere = !upgrade && fields['transfer-encoding'] === undefined && (cl === undefined || cl === '0');
    if (endsHere === this.#completeWatched) {
      this.#completeWatched = !endsHere;
      this.#parser.watchMessageComplete(!endsHere);
    }
    this.#queueRequest(req, upgrade, keepAlive);
    if (endsHere) this.onMessageComplete();
  }

  #queueRequest(req: FrontRequest, upgrade: boolean, keepAlive: boolean): void {
    if (this.#closing) return;
    if (upgrade) {
      // Handed over once the head is parsed (onExecute): the bytes after it belong to the new protocol.
      this.#upgrade = req;
      return;
    }
    if (!keepAlive) this.#closing = true; // nothing after this request is served
    const queue = this.#queue;
    if (queue.length === 0 && this.#active === undefined && !this.#pumping && !this.#gone) {
      // The common case, no request waiting: dispatched at once (what #pump would do).
      this.#dispatch(req);
      return;
    }
    queue.push(req);
    if (queue.length > MAX_QUEUE) {
      this.socket.destroy();
      return;
    }
    this.#pump();
  }

  onBody(chunk: Buffer): void {
    const req = this.#parsing;
    if (req === undefined || req.dumped) return;
    if (!req.push(chunk)) {
      this.#bodyPaused = true;
      this.#updateReading();
    }
  }

  onMessageComplete(): void {
    this.#endedInRead = true;
    const req = this.#parsing;
    this.#parsing = undefined;
    if (req === undefined) return;
    req.complete = true;
    // A bodiless request (the common GET) ends lazily, when someone reads it (request.ts): an
    // eager push(null) costs a nextTick and a readable event per request that nobody reads.
    if (!req.dumped && req.hasBody) req.push(null);
    if (this.#bodyPaused) {
      this.#bodyPaused = false;
      this.#updateReading();
    }
    // Answered before its end was parsed (e.g. a 404 written at once): idle from now on.
    if (this.#active === undefined && this.#queue.length === 0 && !this.#closing && this.#idleTick < 0) this.#idleTick = this.#host.tick;
  }

  onExecute(ret: number | ParseError): void {
    const ended = this.#endedInRead;
    this.#endedInRead = false;
    if (typeof ret !== 'number') {
      this.#parseError(ret);
      return;
    }
    // Bytes outside any message, and no message ended in them: the start of a head, not yet
    // complete. (A read that ended a message and began the next is not noticed here; that head
    // is then bounded by the keep-alive timeout until a later read of it is.)
    if (!ended && ret > 0 && this.#parsing === undefined) this.#headBegun();
    const up = this.#upgrade;
    if (up !== undefined) {
      this.#upgrade = undefined;
      this.#handUpgrade(up, ret);
    }
  }

  // --- requests and responses -------------------------------------------------------------

  /** Starts queued requests while the response slot is free (a loop: no recursion per request). */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#active === undefined && this.#queue.length > 0 && !this.#gone) {
        this.#dispatch(this.#queue.shift()!);
      }
    } finally {
      this.#pumping = false;
    }
    const waiting = this.#queue.length > 0;
    if (waiting !== this.#queuePaused) {
      this.#queuePaused = waiting;
      this.#updateReading();
    }
  }

  #dispatch(req: FrontRequest): void {
    const res = new FrontResponse(this, req);
    this.#active = res;
    this.#idleTick = -1;
    if (req.method === 'PRI') {
      // An HTTP/2 preface on a plain HTTP/1 connection (node:http destroys it too).
      this.socket.destroy();
      return;
    }
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      // RFC 9112 3.2: an HTTP/1.1 request without Host is answered 400.
      if (req.headers.host === undefined) {
        res.writeHead(400, ['connection', 'close']);
        res.end();
        return;
      }
      const expect = req.headers.expect;
      if (expect !== undefined) {
        if (!CONTINUE_EXPECTATION.test(expect)) {
          res.writeHead(417);
          res.end();
          return;
        }
        if (!req.complete) this.socket.write(CONTINUE, 'latin1');
      }
    }
    this.#host.handlers.request(req, res);
  }

  responseFinished(res: FrontResponse, close: boolean): void {
    if (this.#active !== res) return;
    this.#active = undefined;
    const req = res.req;
    if (!req.complete) {
      // The body nobody waited for is read and dropped, so the next request can be parsed.
      req.dumped = true;
      if (this.#bodyPaused) {
        this.#bodyPaused = false;
        this.#updateReading();
      }
    }
    if (close || this.draining) {
      this.#queue.length = 0;
      this.#stopReading();
      // destroySoon, not end: reading is stopped, so the client's FIN would never be read and
      // the socket would stay open (one leaked descriptor per `Connection: close` request, and a
      // drain that waits for its deadline). node:http closes the same way.
      this.socket.destroySoon();
      return;
    }
    this.#pump();
    if (this.#active === undefined && this.#queue.length === 0) {
      if (this.#closing) {
        // The client half-closed, or its last request was answered: nothing more will come.
        this.#stopReading();
        this.socket.destroySoon();
      } else if (this.#parsing === undefined) {
        this.#idleTick = this.#host.tick;
      }
    }
  }

  /** BodySource: the body's consumer wants more. */
  bodyWanted(): void {
    if (this.#bodyPaused) {
      this.#bodyPaused = false;
      this.#updateReading();
    }
  }

  #onDrain(): void {
    const res = this.#active;
    if (res !== undefined && res.needDrain) {
      res.needDrain = false;
      res.emit('drain');
    }
  }

  // --- reading -----------------------------------------------------------------------------

  #updateReading(): void {
    const want = !this.#bodyPaused && !this.#queuePaused && !this.#stopped;
    if (want === this.#reading) return;
    const handle = (this.socket as unknown as { _handle: { reading: boolean; readStart(): number; readStop(): number } | null })._handle;
    if (handle === null || this.#gone) return;
    this.#reading = want;
    handle.reading = want;
    if (want) handle.readStart();
    else handle.readStop();
  }

  #stopReading(): void {
    this.#closing = true;
    this.#stopped = true;
    this.#updateReading();
  }

  // --- errors, timeouts, end --------------------------------------------------------------

  #parseError(err: ParseError): void {
    this.#host.handlers.clientError(err);
    // A parse error after a `Connection: close` request is the client's next message: ignore it.
    if (err.code === 'HPE_CLOSED_CONNECTION') {
      this.#stopReading();
      return;
    }
    this.#fail(parseErrorAnswer(err.code));
  }

  /** Answers with `answer` unless a response already started on the wire, then destroys. */
  #fail(answer: string): void {
    this.#closing = true;
    const active = this.#active;
    if (this.socket.writable && (active === undefined || !active.headersSent)) this.socket.write(answer, 'latin1');
    this.socket.destroy();
  }

  /** Called by the server's sweep: headers and keep-alive timeouts, in ticks. */
  check(headersTicks: number, idleTicks: number): void {
    const tick = this.#host.tick;
    if (this.#headTick >= 0 && tick - this.#headTick >= headersTicks) {
      this.#host.handlers.clientError(Object.assign(new Error('request headers timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }));
      this.#fail(TIMEOUT);
    } else if (this.#idleTick >= 0 && tick - this.#idleTick >= idleTicks) {
      this.socket.destroy();
    }
  }

  /** Graceful close: an idle connection ends now, a busy one after its response in flight. */
  drain(): void {
    this.#draining = true;
    if (this.#active === undefined && this.#parsing === undefined && this.#queue.length === 0) {
      this.#stopReading();
      this.socket.destroySoon();
    }
  }

  #onEnd(): void {
    // The client finished sending (half-close). A request cut short is a parse error; otherwise
    // the responses in flight are still written, then the connection ends.
    if (this.#consumed) {
      const err = this.#parser.finish();
      if (err !== undefined) {
        this.#parseError(err);
        return;
      }
    }
    this.#closing = true;
    if (this.#active === undefined && this.#queue.length === 0) this.socket.end();
  }

  #onClose(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#release();
    this.#queue.length = 0;
    const req = this.#parsing;
    this.#parsing = undefined;
    if (req !== undefined && !req.complete && !req.destroyed) req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    const res = this.#active;
    this.#active = undefined;
    res?.aborted();
    this.#host.released(this, undefined);
  }

  #release(): void {
    if (this.#consumed) {
      this.#consumed = false;
      this.#parser.unconsume();
    }
    // Freed outside the parser's own callbacks (this may run inside one of them).
    setImmediate(closeParser, this.#parser);
  }

  #handUpgrade(req: FrontRequest, parsed: number): void {
    const socket = this.socket;
    if (req.method === 'CONNECT' || this.#active !== undefined || this.#queue.length > 0 || !req.complete) {
      // No CONNECT tunnels (node:http destroys them without a 'connect' listener); an upgrade
      // behind a response in flight, or with a body, is not something clients send.
      if (this.#active === undefined && req.method !== 'CONNECT') socket.write(BAD_REQUEST, 'latin1');
      socket.destroy();
      return;
    }
    const current = this.#early ?? this.#parser.getCurrentBuffer();
    const head = current.subarray(parsed);
    this.#gone = true;
    this.#release();
    socket.off('end', this.#onEndListener);
    socket.off('close', this.#onCloseListener);
    socket.off('drain', this.#onDrainListener);
    socket.off('error', onSocketError);
    // Neither flowing nor paused (as node:http leaves it): the upgrade's reader starts the flow.
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    this.#host.released(this, socket);
    this.#host.handlers.upgrade(req, socket, head);
  }
}
