/**
 * Node's own HTTP/1.1 response parser (llhttp, the one node:http's client uses), reached through
 * the public `_http_common` module. We parse upstream responses with it instead of writing a
 * parser: the same strictness as Node by default (lenient flags none, i.e. no
 * `insecureHTTPParser`): Content-Length together with Transfer-Encoding, duplicate or invalid
 * Content-Length, obs-fold, bare LF and invalid header characters are all parse errors, so a
 * backend cannot smuggle a second response into a pooled connection.
 *
 * The parser `consume`s the connection's stream handle (TCP, or the TLS wrap over it), as
 * node:http's server does with client sockets: decrypted reads go from C++ straight into llhttp,
 * with no Buffer, 'data' event or `execute()` call per read; JS runs only for the callbacks.
 */
import { HTTPParser, MAX_HEADER_SIZE } from '../../llhttp.ts';
import type { LlhttpParser, ParseError, RawParser } from '../../llhttp.ts';

export type { ParseError };

/** The callbacks llhttp's binding calls, by the indices it exposes. */
export interface ParserCallbacks {
  /** Only while armed (`watchMessageBegin`): a message began. */
  onMessageBegin(): void;
  /** Partial header list when a message has many headers (flushed before headersComplete). */
  onHeaders(headers: string[]): void;
  /** Returns 1 to tell the parser the message has no body (responses to HEAD). */
  onHeadersComplete(major: number, minor: number, headers: string[] | undefined, status: number, statusMessage: string, upgrade: boolean, keepAlive: boolean): number;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
  /** After each read the parser consumed: bytes parsed, or the parse error. */
  onExecute(ret: number | ParseError): void;
}

/** The slice of the binding we use. */
export type ResponseParser = LlhttpParser;

/** A parser plus the switch for its message-begin callback. */
export interface WatchedParser extends ResponseParser {
  /**
   * Whether `onMessageBegin` is called. The binding looks the callback up on every message and
   * skips the JS call (and its callback scope) when there is none, so the connection arms it
   * only between a complete response and the next request, the one moment a message beginning
   * means bytes nobody asked for.
   */
  watchMessageBegin(on: boolean): void;
  /**
   * Whether `onMessageComplete` is called (same lookup): off while the connection counts a
   * Content-Length body itself and completes the response on its last byte.
   */
  watchMessageComplete(on: boolean): void;
}

/**
 * A strict response parser wired to `cb`. One parser per connection; messages follow each other
 * on it (keep-alive), and each new response begins after the previous one completed.
 */
export function createResponseParser(cb: ParserCallbacks): WatchedParser {
  const parser = new HTTPParser() as RawParser<WatchedParser>;
  parser.initialize(HTTPParser.RESPONSE, {}, MAX_HEADER_SIZE, HTTPParser.kLenientNone);
  const onMessageBegin = (): void => cb.onMessageBegin();
  parser[HTTPParser.kOnHeaders] = (headers: string[]) => cb.onHeaders(headers);
  // llhttp's binding passes (major, minor, headers, method, url, status, statusMessage, upgrade, keepAlive).
  parser[HTTPParser.kOnHeadersComplete] = (major: number, minor: number, headers: string[] | undefined, _method: unknown, _url: unknown, status: number, statusMessage: string, upgrade: boolean, keepAlive: boolean) =>
    cb.onHeadersComplete(major, minor, headers, status, statusMessage, upgrade, keepAlive);
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => cb.onBody(chunk);
  const onMessageComplete = (): void => cb.onMessageComplete();
  parser[HTTPParser.kOnMessageComplete] = onMessageComplete;
  parser[HTTPParser.kOnExecute] = (ret: number | ParseError) => cb.onExecute(ret);
  parser.watchMessageBegin = (on: boolean) => {
    parser[HTTPParser.kOnMessageBegin] = on ? onMessageBegin : undefined;
  };
  parser.watchMessageComplete = (on: boolean) => {
    parser[HTTPParser.kOnMessageComplete] = on ? onMessageComplete : undefined;
  };
  return parser;
}
