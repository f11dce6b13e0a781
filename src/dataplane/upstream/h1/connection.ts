/**
 * One pooled HTTP/1.1 connection to a backend: a (TLS) socket and Node's strict response parser
 * (parser.ts), which consumes the socket's stream handle so reads reach llhttp without a JS
 * 'data' event. It relays parser events to the exchange currently bound to it, and refuses bytes
 * nobody asked for: data on an idle connection, or bytes after the end of the response, close
 * the connection instead of being read as the next request's response.
 */
import type net from 'node:net';
import { digitsValue, lowerName } from '../../llhttp.ts';
import { createResponseParser } from './parser.ts';
import type { ParseError, ParserCallbacks, WatchedParser } from './parser.ts';
import type { H1Pool } from './pool.ts';

/** What a connection reports to the exchange bound to it. */
export interface ConnectionUser {
  /** The final (non-1xx) response head; returns 1 when the response has no body (HEAD). */
  onResponseHead(status: number, statusMessage: string, headers: string[]): number;
  onResponseBody(chunk: Buffer): void;
  /** After each chunk of socket data was parsed, while the response is still running. */
  onParsed(): void;
  /** The response ended (trailers, if any, are given). */
  onResponseEnd(trailers: string[] | undefined): void;
  /** The connection failed or closed before the response ended. */
  onConnectionError(err: Error): void;
  /** The socket can take more request body. */
  onUpstreamDrain(): void;
}

/** The socket closed before the response ended (undici calls this "other side closed"). */
export class UpstreamClosedError extends Error {
  readonly code = 'LASTMILE_UPSTREAM_CLOSED';
  constructor(message = 'the backend closed the connection before the response ended') {
    super(message);
    this.name = 'UpstreamClosedError';
  }
}

/** The part of a socket's stream handle (TCP or TLS wrap) used to stop and restart reading. */
interface StreamHandle {
  reading: boolean;
  readonly isStreamBase?: boolean;
  readStart(): number;
  readStop(): number;
}

/**
 * The body length a response announces when the connection may count it itself: a final
 * response with a body (not HEAD, 204 or 304: llhttp ends those with the head) and a
 * Content-Length, no Transfer-Encoding. -1 otherwise (llhttp's completion is used). llhttp already
 * refused a malformed or repeated Content-Length, and one with Transfer-Encoding.
 */
function countableLength(list: readonly string[]): number {
  let length = -1;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    // llhttp admitted only digits here (and refused more than fit in 64 bits); digitsValue
    // avoids Number()'s runtime call for a string fresh from the parser (-1 past 15 digits).
    if (name.length === 14 && lowerName(name) === 'content-length') length = digitsValue(list[i + 1]!);
    else if (name.length === 17 && lowerName(name) === 'transfer-encoding') return -1;
  }
  return length > 0 && length <= Number.MAX_SAFE_INTEGER ? length : -1;
}

function handleOf(socket: net.Socket): StreamHandle | null {
  return (socket as unknown as { _handle: StreamHandle | null })._handle;
}

export class H1Connection implements ParserCallbacks {
  readonly socket: net.Socket;
  readonly #pool: H1Pool;
  readonly #parser: WatchedParser;
  /** The parser reads the handle directly (else 'data' events feed `execute`). */
  #consumed = false;
  #reading = true;
  /** The exchange using this connection, if any. */
  #user: ConnectionUser | undefined;
  /**
   * Exchanges this connection has completed (0: fresh, opened for the request holding it). A
   * pre-connected connection that waited idle starts at 1 (pool.ts preconnect): like a reused
   * one, the backend may have closed it meanwhile.
   */
  served = 0;
  idleSince = 0;
  #headers: string[] | undefined;
  #headSeen = false;
  #informational = false;
  #complete = false;
  /** The end of the response was delivered to the user. */
  #ended = false;
  #trailers: string[] | undefined;
  /**
   * Body bytes still to come of a Content-Length response the connection counts itself (-1: not
   * counting). Then llhttp's message-complete callback is off and the last body byte completes
   * the response: one C++ to JS call fewer per response (issue 6).
   */
  #remaining = -1;
  #completeWatched = true;
  #error: Error | undefined;
  #closed = false;
  #reusable = true;

  constructor(socket: net.Socket, pool: H1Pool) {
    this.socket = socket;
    this.#pool = pool;
    this.#parser = createResponseParser(this);
    socket.on('error', (err: Error) => {
      this.#error ??= err;
    });
    socket.on('close', () => this.#onClose());
    socket.on('drain', () => this.#user?.onUpstreamDrain());
    const handle = handleOf(socket);
    if (handle !== null && handle.isStreamBase === true && socket.readableLength === 0) {
      // As node:http's server does with its sockets; EOF and read errors still reach the socket's
      // own stream (end, error, close), which stays flowing so they are noticed.
      this.#parser.consume(handle);
      this.#consumed = true;
    } else {
      // Bytes were already read into the stream (or no native handle): the plain path.
      socket.on('data', (chunk: Buffer) => this.onExecute(this.#parser.execute(chunk)));
    }
    socket.resume();
  }

  /** Whether it can carry another exchange. */
  get usable(): boolean {
    return this.#reusable && !this.#closed && !this.socket.destroyed;
  }

  /** Marks the connection as not reusable (the exchange ended early, or the backend said close). */
  retire(): void {
    this.#reusable = false;
  }

  /** Binds an exchange whose request head is about to be written. */
  bind(user: ConnectionUser): void {
    this.#user = user;
    this.#headSeen = false;
    this.#complete = false;
    this.#ended = false;
    this.#parser.watchMessageBegin(false);
    if (!this.#reading) this.#setReading(true);
  }

  /** Gives the connection back to its pool after a complete exchange. */
  release(): void {
    this.#user = undefined;
    this.served++;
    // An idle connection keeps reading: a close, or unsolicited bytes, are noticed at once. (The
    // exchange may have paused it on its last chunk for a slow client.)
    if (!this.#reading) this.#setReading(true);
    this.#pool.release(this);
  }

  /** Stops reading from the backend (the client is slower than the backend). */
  pauseReading(): void {
    if (this.#reading) this.#setReading(false);
  }

  /** Reads from the backend again. */
  resumeReading(): void {
    if (!this.#reading) this.#setReading(true);
  }

  #setReading(want: boolean): void {
    const socket = this.socket;
    if (!this.#consumed) {
      this.#reading = want;
      if (want) socket.resume();
      else socket.pause();
      return;
    }
    const handle = handleOf(socket);
    if (handle === null || socket.destroyed) return;
    this.#reading = want;
    handle.reading = want;
    if (want) handle.readStart();
    else handle.readStop();
  }

  destroy(): void {
    this.#reusable = false;
    this.#user = undefined;
    this.socket.destroy();
  }

  /** After each read the parser consumed (ParserCallbacks). */
  onExecute(r: number | ParseError): void {
    const user = this.#user;
    if (user === undefined || this.#ended) {
      // Bytes on an idle connection, or after the response was delivered: never kept for the
      // next request (the parser may already have read them as the start of a message).
      this.destroy();
      return;
    }
    if (typeof r !== 'number') {
      if (this.#complete) {
        // The response ended; what follows it is garbage, not this exchange's failure.
        this.#reusable = false;
        this.socket.destroy();
        this.#end(user);
        return;
      }
      this.destroy();
      user.onConnectionError(r);
      return;
    }
    if (this.#user !== user) return;
    if (this.#complete) this.#end(user);
    else user.onParsed();
  }

  #end(user: ConnectionUser): void {
    this.#ended = true;
    user.onResponseEnd(this.#take());
  }

  #take(): string[] | undefined {
    const t = this.#trailers;
    this.#trailers = undefined;
    return t;
  }

  #onClose(): void {
    this.#closed = true;
    const user = this.#user;
    this.#user = undefined;
    if (user !== undefined && !this.#complete) {
      // A body delimited by the connection close ends here; anything else is a failure.
      const r = this.#headSeen ? this.#parser.finish() : undefined;
      if (this.#complete && r === undefined) this.#end(user);
      else user.onConnectionError(this.#error ?? new UpstreamClosedError());
    }
    if (this.#consumed) {
      this.#consumed = false;
      this.#parser.unconsume();
    }
    this.#parser.close();
    this.#pool.closed(this);
  }

  // ParserCallbacks: called synchronously inside execute() and finish().

  onMessageBegin(): void {
    // Armed only once the response completed (onMessageComplete): a second response for one
    // request is unsolicited; the connection is not reused.
    this.#reusable = false;
  }

  onHeaders(headers: string[]): void {
    (this.#headers ??= []).push(...headers);
  }

  onHeadersComplete(_major: number, _minor: number, headers: string[] | undefined, status: number, statusMessage: string, _upgrade: boolean, keepAlive: boolean): number {
    let list = headers ?? [];
    if (this.#headers !== undefined) {
      list = [...this.#headers, ...list];
      this.#headers = undefined;
    }
    const user = this.#user;
    if (user === undefined || this.#complete) {
      this.#reusable = false;
      this.socket.destroy();
      return 1;
    }
    if (status < 200) {
      if (status === 101) {
        // Only upgrade requests may switch protocols, and they never come here.
        this.destroy();
        user.onConnectionError(new UpstreamClosedError('the backend switched protocols (101) on a request that did not ask to upgrade'));
        return 1;
      }
      // 100 Continue, 102, 103: informational, not relayed; the final response follows.
      this.#informational = true;
      this.#watchComplete(true);
      return 0;
    }
    this.#headSeen = true;
    if (!keepAlive) this.#reusable = false;
    const skip = user.onResponseHead(status, statusMessage, list);
    this.#remaining = skip === 0 && status !== 204 && status !== 304 ? countableLength(list) : -1;
    this.#watchComplete(this.#remaining < 0);
    return skip;
  }

  #watchComplete(on: boolean): void {
    if (on === this.#completeWatched) return;
    this.#completeWatched = on;
    this.#parser.watchMessageComplete(on);
  }

  onBody(chunk: Buffer): void {
    if (this.#complete) return;
    this.#user?.onResponseBody(chunk);
    if (this.#remaining > 0) {
      this.#remaining -= chunk.length;
      // The last byte: llhttp completes the message here too (its callback is off).
      if (this.#remaining <= 0) this.onMessageComplete();
    }
  }

  onMessageComplete(): void {
    this.#remaining = -1;
    if (this.#informational) {
      this.#informational = false;
      return;
    }
    if (this.#headers !== undefined) {
      this.#trailers = this.#headers;
      this.#headers = undefined;
    }
    this.#complete = true;
    this.#parser.watchMessageBegin(true);
  }
}
