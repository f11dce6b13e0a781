/**
 * Node's own HTTP/1.1 response parser (llhttp, the one node:http's client uses), reached through
 * the public `_http_common` module. We parse upstream responses with it instead of writing a
 * parser: the same strictness as Node by default (lenient flags none, i.e. no
 * `insecureHTTPParser`): Content-Length together with Transfer-Encoding, duplicate or invalid
 * Content-Length, obs-fold, bare LF and invalid header characters are all parse errors, so a
 * backend cannot smuggle a second response into a pooled connection.
 */
import { createRequire } from 'node:module';

/** The callbacks llhttp's binding calls, by the indices it exposes. */
export interface ParserCallbacks {
  onMessageBegin(): void;
  /** Partial header list when a message has many headers (flushed before headersComplete). */
  onHeaders(headers: string[]): void;
  /** Returns 1 to tell the parser the message has no body (responses to HEAD). */
  onHeadersComplete(major: number, minor: number, headers: string[] | undefined, status: number, statusMessage: string, upgrade: boolean, keepAlive: boolean): number;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
}

/** The slice of the binding we use. */
export interface ResponseParser {
  /** Bytes consumed, or the parse error (with `code`, e.g. HPE_INVALID_TRANSFER_ENCODING). */
  execute(data: Buffer): number | (Error & { code?: string; bytesParsed?: number });
  /** Signals EOF: completes a body delimited by the connection close, or returns an error. */
  finish(): undefined | (Error & { code?: string });
  close(): void;
  free(): void;
}

interface ParserClass {
  new (): ResponseParser & Record<number, unknown> & { initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void };
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

const require = createRequire(import.meta.url);
const { HTTPParser } = require('_http_common') as { HTTPParser: ParserClass };

/** The default max header size of node:http (16 KiB unless --max-http-header-size says otherwise). */
const MAX_HEADER_SIZE = 0;

/**
 * A strict response parser wired to `cb`. One parser per connection; messages follow each other
 * on it (keep-alive), and each new response begins after the previous one completed.
 */
export function createResponseParser(cb: ParserCallbacks): ResponseParser {
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, MAX_HEADER_SIZE, HTTPParser.kLenientNone);
  parser[HTTPParser.kOnMessageBegin] = () => cb.onMessageBegin();
  parser[HTTPParser.kOnHeaders] = (headers: string[]) => cb.onHeaders(headers);
  // llhttp's binding passes (major, minor, headers, method, url, status, statusMessage, upgrade, keepAlive).
  parser[HTTPParser.kOnHeadersComplete] = (major: number, minor: number, headers: string[] | undefined, _method: unknown, _url: unknown, status: number, statusMessage: string, upgrade: boolean, keepAlive: boolean) =>
    cb.onHeadersComplete(major, minor, headers, status, statusMessage, upgrade, keepAlive);
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => cb.onBody(chunk);
  parser[HTTPParser.kOnMessageComplete] = () => cb.onMessageComplete();
  return parser;
}
