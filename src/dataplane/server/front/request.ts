/**
 * The request object of the lean front path: the fields of node:http's IncomingMessage the data
 * plane and the upstream engines read (method, url, headers, httpVersion*, socket, complete),
 * and the body as a Readable (the undici engine sends it as a stream; the lean engine reads
 * 'data'/'end' and pauses it). Reading pulls from the socket: when the body's buffer is full the
 * connection stops reading (backpressure to the client), `_read` starts it again.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

/** What the request asks of its connection. */
export interface BodySource {
  /** The body's consumer wants more: read from the socket again. */
  bodyWanted(): void;
}

/** One HTTP/1.x request (see file comment). */
export class FrontRequest extends Readable {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly socket: Socket;
  /** The whole message (head and body) was parsed. */
  complete = false;
  /** The parser's verdict: the connection may carry another request after this one. */
  keepAlive = false;
  /** The response ended before the body was read: the rest of the body is dropped. */
  dumped = false;
  readonly #source: BodySource;

  constructor(source: BodySource, socket: Socket, method: string, url: string, raw: readonly string[], headers: IncomingHttpHeaders, major: number, minor: number) {
    super();
    this.#source = source;
    this.socket = socket;
    this.method = method;
    this.url = url;
    this.rawHeaders = raw;
    this.headers = headers;
    this.httpVersionMajor = major;
    this.httpVersionMinor = minor;
  }

  get httpVersion(): string {
    return `${this.httpVersionMajor}.${this.httpVersionMinor}`;
  }

  /** The head announced a body (Content-Length other than 0, or Transfer-Encoding). */
  get hasBody(): boolean {
    const cl = this.headers['content-length'];
    return this.headers['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0');
  }

  /** As IncomingMessage: an abort is an 'error' only for those listening for one. */
  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    cb(this.listenerCount('error') === 0 ? null : err);
  }

  override _read(): void {
    if (this.complete && !this.hasBody) this.push(null);
    else this.#source.bodyWanted();
  }
}
