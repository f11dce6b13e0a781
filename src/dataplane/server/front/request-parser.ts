/**
 * Node's own HTTP/1.1 request parser (llhttp, the one node:http's server uses), reached through
 * the public `_http_common` module as the lean upstream engine does for responses
 * (../../upstream/h1/parser.ts). Strict like node:http by default (lenient flags none, i.e. no
 * `insecureHTTPParser`): Content-Length with Transfer-Encoding, duplicate or invalid
 * Content-Length, bad chunk sizes, obs-fold, bare LF or CR, invalid header tokens or values, NUL
 * and spaces before the colon are all parse errors, and a head over Node's max header size
 * (16 KiB unless --max-http-header-size says otherwise) is HPE_HEADER_OVERFLOW.
 *
 * The parser `consume`s the socket's handle, as node:http does: reads go from libuv straight into
 * llhttp in C++, with no Buffer or 'data' event per read; JS runs only for the callbacks below.
 */
import { HTTPParser, MAX_HEADER_SIZE, METHODS } from '../../llhttp.ts';
import type { LlhttpParser, ParseError, RawParser } from '../../llhttp.ts';

export { METHODS };

/** The callbacks llhttp's binding calls (by the indices it exposes). */
export interface RequestParserCallbacks {
  /** Part of a head split over several reads (flushed before onHeadersComplete). */
  onHeaders(headers: string[], url: string): void;
  /** `headers`/`url` are undefined when they came through onHeaders. */
  onHeadersComplete(major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, upgrade: boolean, keepAlive: boolean): void;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
  /** After each read the parser consumed: bytes parsed, or the parse error. */
  onExecute(ret: number | ParseError): void;
}

export type { ParseError };

/** The slice of the binding we use. */
export interface RequestParser extends LlhttpParser {
  /** While consuming: the buffer of the read being parsed (for the bytes after an upgrade head). */
  getCurrentBuffer(): Buffer;
  /**
   * Whether `onMessageComplete` is called. The binding looks the callback up for every message
   * and makes no JS call when there is none; the connection turns it off for a message it knows
   * ends with its head (it completes the request itself), saving one C++ to JS call per request.
   */
  watchMessageComplete(on: boolean): void;
}

/** A strict request parser wired to `cb`; one per connection, messages follow each other on it. */
export function createRequestParser(cb: RequestParserCallbacks): RequestParser {
  const parser = new HTTPParser() as RawParser<RequestParser>;
  parser.initialize(HTTPParser.REQUEST, {}, MAX_HEADER_SIZE, HTTPParser.kLenientNone);
  // No message-begin callback: the binding then makes no JS call when a message begins (one
  // C++ to JS call fewer per request, issue 6); the connection notices a head in progress from
  // onExecute instead (connection.ts).
  parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => cb.onHeaders(headers, url);
  // The binding passes (major, minor, headers, method, url, status, statusMessage, upgrade, keepAlive);
  // a request never has its body skipped, so the callback returns 0.
  parser[HTTPParser.kOnHeadersComplete] = (major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined, _s: unknown, _m: unknown, upgrade: boolean, keepAlive: boolean) => {
    cb.onHeadersComplete(major, minor, headers, method, url, upgrade, keepAlive);
    return 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => cb.onBody(chunk);
  const onMessageComplete = (): void => cb.onMessageComplete();
  parser[HTTPParser.kOnMessageComplete] = onMessageComplete;
  parser[HTTPParser.kOnExecute] = (ret: number | ParseError) => cb.onExecute(ret);
  parser.watchMessageComplete = (on: boolean) => {
    parser[HTTPParser.kOnMessageComplete] = on ? onMessageComplete : undefined;
  };
  return parser;
}
