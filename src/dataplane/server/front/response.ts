/**
 * The response object of the lean front path: the part of node:http's ServerResponse the data
 * plane and the upstream engines use (writeHead with a flat header list or an object, write with
 * backpressure and 'drain', end, addTrailers, destroy, headersSent/writableEnded/destroyed, and
 * 'close' when the client goes away before the end). The head is serialized once, when the
 * first bytes go out, and a small whole response (writeHead then end(body), the common proxied
 * answer) leaves in a single socket write.
 *
 * Framing follows node:http: a Content-Length given is kept, `end(body)` before any write adds
 * one, a streamed body of unknown length is chunked for HTTP/1.1 clients and delimited by the
 * connection close for HTTP/1.0 ones; HEAD, 204 and 304 responses carry no body.
 */
// Imported, not the global: globalThis.Buffer is an accessor, so each use of the global is a slow
// global load (issue 6).
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { dateField, serializeFields, upstreamFields, type HeadFacts } from './headers.ts';
import type { FrontRequest } from './request.ts';

/** What a response needs from its connection. */
export interface ResponseOwner {
  readonly socket: Socket;
  /** The keep-alive hint sent on reusable connections, e.g. `keep-alive: timeout=60\r\n`. */
  readonly keepAliveField: string;
  /** The listener is draining: the response closes its connection. */
  readonly draining: boolean;
  /** The whole response was handed to the socket; `close`: the connection ends after it. */
  responseFinished(res: FrontResponse, close: boolean): void;
}

/** Small bodies are copied next to the head for one write; larger ones go as a second buffer. */
const COPY_LIMIT = 16 * 1024;
const STRING_LIMIT = 1024;
const LAST_CHUNK = '0\r\n\r\n';

function writeHeadAndBody(socket: Socket, head: string, body: Buffer | undefined): boolean {
  if (body === undefined || body.length === 0) return socket.write(head, 'latin1');
  if (body.length <= STRING_LIMIT) {
    // One latin1 string, one write: cheaper than a Buffer allocation and a copy for small bodies.
    return socket.write(head + body.toString('latin1'), 'latin1');
  }
  if (body.length <= COPY_LIMIT) {
    const buf = Buffer.allocUnsafe(head.length + body.length);
    buf.write(head, 0, 'latin1');
    body.copy(buf, head.length);
    return socket.write(buf);
  }
  socket.cork();
  socket.write(head, 'latin1');
  const ok = socket.write(body);
  socket.uncork();
  return ok;
}

/** A whole response (head and a small body or none) in one write. */
function writeWhole(socket: Socket, head: string, body: Buffer | undefined): void {
  if (body === undefined || body.length === 0) {
    socket.write(head, 'latin1');
  } else if (body.length <= STRING_LIMIT) {
    const whole = head + body.toString('latin1');
    socket.write(whole, 'latin1');
  } else {
    writeHeadAndBody(socket, head, body);
  }
}

function toBuffer(chunk: Buffer | Uint8Array | string | undefined): Buffer | undefined {
  if (chunk === undefined) return undefined;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** One response on a front connection (see file comment). */
export class FrontResponse extends EventEmitter {
  readonly req: FrontRequest;
  readonly socket: Socket;
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  readonly #owner: ResponseOwner;
  #facts: HeadFacts | undefined;
  #extra: Map<string, [string, string | number | readonly string[]]> | undefined;
  #flushed = false;
  #chunked = false;
  #hasBody = true;
  #closeAfter = false;
  #trailers: OutgoingHttpHeaders | undefined;
  /** A write returned false: 'drain' is due when the socket drains. */
  needDrain = false;

  constructor(owner: ResponseOwner, req: FrontRequest) {
    super();
    this.#owner = owner;
    this.socket = owner.socket;
    this.req = req;
  }

  /** node:http's setHeader, for headers set before writeHead (writeHead's win on a clash). */
  setHeader(name: string, value: string | number | readonly string[]): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    (this.#extra ??= new Map()).set(name.toLowerCase(), [name, value]);
    return this;
  }

  getHeader(name: string): string | number | readonly string[] | undefined {
    return this.#extra?.get(name.toLowerCase())?.[1];
  }

  /** Validates and stores the head (throws on an invalid name or value, as Node does). */
  writeHead(status: number, message?: string | OutgoingHttpHeaders | readonly string[], headers?: OutgoingHttpHeaders | readonly string[]): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    let msg: string | undefined;
    let h: OutgoingHttpHeaders | readonly string[] | undefined;
    if (typeof message === 'string') {
      msg = message;
      h = headers;
    } else {
      h = message;
    }
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw Object.assign(new RangeError(`Invalid status code: ${status}`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' });
    }
    if (this.#extra !== undefined) h = this.#merged(h);
    this.#facts = serializeFields(status, msg, h);
    this.statusCode = status;
    this.headersSent = true;
    if (this.req.method === 'HEAD' || status === 204 || status === 304 || status < 200) this.#hasBody = false;
    return this;
  }

  /**
   * writeHead for a proxied response, from the upstream parser's flat header list (hop-by-hop
   * fields dropped, `x-request-id` added when absent; headers.ts `upstreamFields`): no
   * intermediate list and no per-character checks on what Node's strict parser already checked.
   * Returns false, having done nothing, when the general path must be taken (headers set with
   * setHeader to merge, or a Connection header naming other fields); throws like writeHead.
   * `requestIdChecked`: the caller knows the id passes the field-value check (headers.ts).
   */
  writeUpstreamHead(status: number, message: string, raw: readonly string[], requestId: string | undefined, requestIdChecked = false): boolean {
    if (this.headersSent || this.#extra !== undefined || status < 100 || status > 999) return false;
    const facts = upstreamFields(status, message, raw, requestId, requestIdChecked);
    if (facts === undefined) return false;
    this.#facts = facts;
    this.statusCode = status;
    this.headersSent = true;
    if (this.req.method === 'HEAD' || status === 204 || status === 304 || status < 200) this.#hasBody = false;
    return true;
  }

  #merged(h: OutgoingHttpHeaders | readonly string[] | undefined): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    const given = new Set<string>();
    if (Array.isArray(h)) {
      const flat = h as readonly string[];
      for (let i = 0; i < flat.length; i += 2) given.add(flat[i]!.toLowerCase());
    } else if (h !== undefined) {
      for (const k in h as OutgoingHttpHeaders) given.add(k.toLowerCase());
    }
    for (const [lower, [name, value]] of this.#extra!) if (!given.has(lower)) out[name] = value as string;
    if (Array.isArray(h)) {
      const flat = h as readonly string[];
      for (let i = 0; i < flat.length; i += 2) {
        const prev = out[flat[i]!];
        out[flat[i]!] = prev === undefined ? flat[i + 1]! : [...(Array.isArray(prev) ? prev : [String(prev)]), flat[i + 1]!];
      }
    } else if (h !== undefined) {
      Object.assign(out, h);
    }
    return out;
  }

  /** The final head: framing, connection handling and Date added to the stored fields. */
  #head(bodyLength: number): string {
    const facts = this.#facts!;
    const req = this.req;
    let head = facts.head;
    let keep = req.keepAlive && !facts.close && !this.#owner.draining;
    if (facts.contentLength < 0 && this.#hasBody) {
      if (bodyLength >= 0) {
        head += `content-length: ${bodyLength}\r\n`;
      } else if (req.httpVersionMinor >= 1 || req.httpVersionMajor > 1) {
        head += 'transfer-encoding: chunked\r\n';
        this.#chunked = true;
      } else {
        keep = false; // HTTP/1.0 without a length: the body ends with the connection
      }
    }
    head += keep ? this.#owner.keepAliveField : 'connection: close\r\n';
    if (!facts.hasDate) head += dateField();
    this.#closeAfter = !keep;
    this.#flushed = true;
    return `${head}\r\n`;
  }

  /** Writes a body chunk; false when the socket's buffer is full ('drain' follows). */
  write(chunk: Buffer | Uint8Array | string): boolean {
    if (this.writableEnded || this.destroyed) return false;
    if (!this.headersSent) this.writeHead(this.statusCode);
    const body = toBuffer(chunk);
    const socket = this.socket;
    let ok: boolean;
    if (!this.#flushed) {
      let head = this.#head(-1);
      if (!this.#hasBody || body === undefined || body.length === 0) return socket.write(head, 'latin1');
      if (this.#chunked) head += `${body.length.toString(16)}\r\n`;
      socket.cork();
      ok = writeHeadAndBody(socket, head, body);
      if (this.#chunked) ok = socket.write('\r\n');
      socket.uncork();
    } else {
      if (!this.#hasBody || body === undefined || body.length === 0) return true;
      if (this.#chunked) {
        socket.cork();
        socket.write(`${body.length.toString(16)}\r\n`, 'latin1');
        socket.write(body);
        ok = socket.write('\r\n');
        socket.uncork();
      } else {
        ok = socket.write(body);
      }
    }
    if (!ok) this.needDrain = true;
    return ok;
  }

  /** Trailer fields, sent after a chunked body (ignored otherwise, as Node does). */
  addTrailers(trailers: OutgoingHttpHeaders): void {
    this.#trailers = trailers;
  }

  /** Ends the response (with a last chunk, or the whole body when nothing was written yet). */
  end(chunk?: Buffer | Uint8Array | string): this {
    if (this.writableEnded || this.destroyed) return this;
    if (!this.headersSent) this.writeHead(this.statusCode);
    const body = toBuffer(chunk);
    const socket = this.socket;
    if (!this.#flushed) {
      const head = this.#head(body === undefined ? 0 : body.length);
      writeWhole(socket, head, this.#hasBody ? body : undefined);
    } else if (this.#hasBody) {
      if (this.#chunked) {
        socket.cork();
        if (body !== undefined && body.length > 0) {
          socket.write(`${body.length.toString(16)}\r\n`, 'latin1');
          socket.write(body);
          socket.write('\r\n');
        }
        socket.write(this.#trailers === undefined ? LAST_CHUNK : this.#lastChunkWithTrailers(), 'latin1');
        socket.uncork();
      } else if (body !== undefined && body.length > 0) {
        socket.write(body);
      }
    }
    this.writableEnded = true;
    this.#owner.responseFinished(this, this.#closeAfter);
    return this;
  }

  #lastChunkWithTrailers(): string {
    const facts = serializeFields(200, 'OK', this.#trailers);
    // serializeFields validated the trailer fields; drop its status line.
    return `0\r\n${facts.head.slice(facts.head.indexOf('\r\n') + 2)}\r\n`;
  }

  /** Aborts the response: the connection is destroyed (the client sees a truncated message). */
  destroy(_err?: Error): this {
    if (!this.destroyed) this.socket.destroy();
    return this;
  }

  /** The connection closed before the end (called by the connection, once). */
  aborted(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}
