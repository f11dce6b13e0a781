/**
 * One pooled HTTP/1.1 connection to a backend: a (TLS) socket and Node's strict response parser
 * (parser.ts). It relays parser events to the exchange currently bound to it, and refuses bytes
 * nobody asked for: data on an idle connection, or bytes after the end of the response, close
 * the connection instead of being read as the next request's response.
 */
import type net from 'node:net';
import { createResponseParser } from './parser.ts';
import type { ParserCallbacks, ResponseParser } from './parser.ts';
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

export class H1Connection implements ParserCallbacks {
  readonly socket: net.Socket;
  readonly #pool: H1Pool;
  readonly #parser: ResponseParser;
  /** The exchange using this connection, if any. */
  #user: ConnectionUser | undefined;
  /** Exchanges this connection has completed (0: fresh). */
  served = 0;
  idleSince = 0;
  #headers: string[] | undefined;
  #headSeen = false;
  #informational = false;
  #complete = false;
  #trailers: string[] | undefined;
  #error: Error | undefined;
  #closed = false;
  #reusable = true;

  constructor(socket: net.Socket, pool: H1Pool) {
    this.socket = socket;
    this.#pool = pool;
    this.#parser = createResponseParser(this);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err: Error) => {
      this.#error ??= err;
    });
    socket.on('close', () => this.#onClose());
    socket.on('drain', () => this.#user?.onUpstreamDrain());
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
  }

  /** Gives the connection back to its pool after a complete exchange. */
  release(): void {
    this.#user = undefined;
    this.served++;
    this.#pool.release(this);
  }

  destroy(): void {
    this.#reusable = false;
    this.#user = undefined;
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const user = this.#user;
    if (user === undefined || this.#complete) {
      this.destroy();
      return;
    }
    const r = this.#parser.execute(chunk);
    if (typeof r !== 'number') {
      if (this.#complete) {
        // The response ended; what follows it is garbage, not this exchange's failure.
        this.#reusable = false;
        this.socket.destroy();
        user.onResponseEnd(this.#take());
        return;
      }
      this.destroy();
      user.onConnectionError(r);
      return;
    }
    if (this.#user !== user) return;
    if (this.#complete) user.onResponseEnd(this.#take());
    else user.onParsed();
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
      if (this.#complete && r === undefined) user.onResponseEnd(this.#take());
      else user.onConnectionError(this.#error ?? new UpstreamClosedError());
    }
    this.#parser.close();
    this.#pool.closed(this);
  }

  // ParserCallbacks: called synchronously inside execute() and finish().

  onMessageBegin(): void {
    // A second response for one request: unsolicited bytes; stop reading them as a response.
    if (this.#complete) this.#reusable = false;
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
      return 0;
    }
    this.#headSeen = true;
    if (!keepAlive) this.#reusable = false;
    return user.onResponseHead(status, statusMessage, list);
  }

  onBody(chunk: Buffer): void {
    if (!this.#complete) this.#user?.onResponseBody(chunk);
  }

  onMessageComplete(): void {
    if (this.#informational) {
      this.#informational = false;
      return;
    }
    if (this.#headers !== undefined) {
      this.#trailers = this.#headers;
      this.#headers = undefined;
    }
    this.#complete = true;
  }
}
