/**
 * Header handling of the lean front path (see server.ts): the request header object with
 * node:http's exact semantics (so the router, filters and upstream engines see what they saw
 * through node:http), and the response head, serialized once and validated with Node's rules
 * (a name must be a token, a value free of CR, LF, NUL and other controls) so nothing a backend
 * or a config file sends can split a response.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { digitsValue, lowerName } from '../../llhttp.ts';

/** Repeated fields node:http keeps only the first of (IncomingMessage.headers). */
const FIRST_WINS = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag',
  'last-modified', 'server', 'age', 'expires',
]);

/** node:http's `maxHeadersCount` default: pairs past it are ignored. */
const MAX_HEADER_PAIRS = 2000;

/**
 * The parser's flat list `[name, value, ...]` as node:http's `req.headers`: lower-case names;
 * repeats joined with ", " (cookie with "; ", set-cookie as an array), except the fields above,
 * where the first wins.
 */
export function headerObject(raw: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  const n = Math.min(raw.length, MAX_HEADER_PAIRS * 2);
  for (let i = 0; i < n; i += 2) {
    const name = lowerName(raw[i]!);
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) {
      out[name] = name === 'set-cookie' ? [value] : value;
    } else if (name === 'set-cookie') {
      (prev as string[]).push(value);
    } else if (!FIRST_WINS.has(name)) {
      out[name] = `${prev as string}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  return out;
}

// Node's checkIsHttpToken / checkInvalidHeaderChar tables, as loops over char codes (no regex
// run per header: this runs for every response header).
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** An RFC 9110 token (a header name). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** A valid field value: HTAB, SP, VCHAR, obs-text (Node's rule). */
export function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127 || c > 255) return false;
  }
  return true;
}

/** Refused response header (thrown from writeHead, like Node's ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR). */
export class InvalidHeaderError extends TypeError {
  readonly code: string;
  constructor(code: 'ERR_INVALID_HTTP_TOKEN' | 'ERR_INVALID_CHAR', message: string) {
    super(message);
    this.code = code;
  }
}

/** What the serializer learnt about the headers it wrote (framing is the front's job). */
export interface HeadFacts {
  head: string;
  contentLength: number;
  hasDate: boolean;
  /** The application asked for `connection: close`. */
  close: boolean;
}

const CLOSE_TOKEN = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;

function addField(facts: HeadFacts, name: string, value: string): void {
  if (!isToken(name)) throw new InvalidHeaderError('ERR_INVALID_HTTP_TOKEN', `Header name must be a valid HTTP token ["${name}"]`);
  if (!isFieldValue(value)) throw new InvalidHeaderError('ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
  // Framing fields are the front's own (the engines already dropped hop-by-hop ones): a
  // Content-Length is kept and checked as a number, Connection only tells whether to close.
  switch (name.length) {
    case 4:
      if (name.toLowerCase() === 'date') facts.hasDate = true;
      break;
    case 10: {
      const lower = name.toLowerCase();
      if (lower === 'connection') {
        if (CLOSE_TOKEN.test(value)) facts.close = true;
        return;
      }
      if (lower === 'keep-alive') return;
      break;
    }
    case 14:
      if (name.toLowerCase() === 'content-length') {
        const n = digitsValue(value);
        if (n < 0 || facts.contentLength >= 0) throw new InvalidHeaderError('ERR_INVALID_CHAR', 'invalid or repeated Content-Length');
        facts.contentLength = n;
      }
      break;
    case 17:
      if (name.toLowerCase() === 'transfer-encoding') return;
      break;
  }
  facts.head += `${name}: ${value}\r\n`;
}

/** Serializes the status line and fields (no framing or Date yet, no final CRLF). */
export function serializeFields(status: number, message: string | undefined, headers: OutgoingHttpHeaders | readonly string[] | undefined): HeadFacts {
  const reason = message ?? STATUS_CODES[status] ?? 'unknown';
  if (!isFieldValue(reason)) throw new InvalidHeaderError('ERR_INVALID_CHAR', 'Invalid character in statusMessage');
  const facts: HeadFacts = { head: `HTTP/1.1 ${status} ${reason}\r\n`, contentLength: -1, hasDate: false, close: false };
  if (headers === undefined) return facts;
  if (Array.isArray(headers)) {
    const flat = headers as readonly string[];
    for (let i = 0; i < flat.length; i += 2) addField(facts, flat[i]!, String(flat[i + 1]));
    return facts;
  }
  const obj = headers as OutgoingHttpHeaders;
  for (const name in obj) {
    const v = obj[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) addField(facts, name, String(one));
    else addField(facts, name, String(v));
  }
  return facts;
}

/** `keep-alive` and `close` only: the Connection header names no other field to drop. */
const PLAIN_CONNECTION = /^[ \t]*(?:keep-alive|close)[ \t]*(?:,[ \t]*(?:keep-alive|close)[ \t]*)*$/i;

function plainConnection(value: string): boolean {
  // The usual values first, without running the regex.
  if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return true;
  return PLAIN_CONNECTION.test(value);
}

/**
 * The client head of a proxied response, serialized in one pass from the upstream parser's flat
 * list `[name, value, ...]` (upstream/h1): hop-by-hop fields dropped, names lower-cased,
 * `x-request-id` added when the backend sent none, framing facts gathered. The same result as
 * `serializeFields(status, message, flatClientHeaders(raw, requestId))` without the intermediate
 * list or the per-character checks, written by hand because it runs once per proxied response
 * (issue 6): names and values come from Node's strict llhttp, which refuses any name that is not
 * a token and any value byte Node's writeHead refuses (isToken/isFieldValue's rules, checked in
 * headers.test.ts). The status message is checked: llhttp admits control bytes there; so is the
 * request id, unless `requestIdChecked` says the caller knows it passes isFieldValue (a generated
 * id is a concatenation, and the first character read from it flattens it: about 1% of the
 * instructions per proxied request, issue 6). Returns undefined when a Connection header names
 * other fields to drop (rare: the caller then takes the general path).
 */
export function upstreamFields(status: number, message: string, raw: readonly string[], requestId: string | undefined, requestIdChecked = false): HeadFacts | undefined {
  const reason = message !== '' ? message : (STATUS_CODES[status] ?? 'unknown');
  if (!isFieldValue(reason)) throw new InvalidHeaderError('ERR_INVALID_CHAR', 'Invalid character in statusMessage');
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  let contentLength = -1;
  let hasDate = false;
  let hasId = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = lowerName(raw[i]!);
    const value = raw[i + 1]!;
    // By length first: most names are compared with nothing (header names from the parser are
    // not internalized strings, so each comparison of equal lengths is a character compare).
    // Drops exactly upstream/headers.ts isHopByHop's names (headers.test.ts checks they agree).
    switch (name.length) {
      case 2:
        if (name === 'te') continue;
        break;
      case 4:
        if (name === 'date') hasDate = true;
        break;
      case 7:
        if (name === 'upgrade' || name === 'trailer') continue;
        break;
      case 10:
        if (name === 'connection') {
          if (!plainConnection(value)) return undefined;
          continue;
        }
        if (name === 'keep-alive') continue;
        break;
      case 12:
        if (name === 'x-request-id') hasId = true;
        break;
      case 14:
        if (name === 'content-length') {
          const n = digitsValue(value);
          if (n < 0 || contentLength >= 0) throw new InvalidHeaderError('ERR_INVALID_CHAR', 'invalid or repeated Content-Length');
          contentLength = n;
        }
        break;
      case 17:
        if (name === 'transfer-encoding') continue;
        break;
    }
    if (name.length >= 6 && name.charCodeAt(5) === 45 /* - */ && name.startsWith('proxy-')) continue;
    head += name + ': ' + value + '\r\n';
  }
  if (!hasId && requestId !== undefined) {
    if (!requestIdChecked && !isFieldValue(requestId)) throw new InvalidHeaderError('ERR_INVALID_CHAR', 'Invalid character in header content ["x-request-id"]');
    head += 'x-request-id: ' + requestId + '\r\n';
  }
  return { head, contentLength, hasDate, close: false };
}

let dateCache = '';
let dateSecond = 0;
/** `date: ...\r\n`, formatted at most once a second (as Node caches it). */
export function dateField(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateCache = `date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateCache;
}
