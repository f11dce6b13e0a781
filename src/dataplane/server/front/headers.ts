/**
 * Header handling of the lean front path (see server.ts): the request header object with
 * node:http's exact semantics (so the router, filters and upstream engines see what they saw
 * through node:http), and the response head, serialized once and validated with Node's rules
 * (a name must be a token, a value free of CR, LF, NUL and other controls) so nothing a backend
 * or a config file sends can split a response.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';

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
    const name = raw[i]!.toLowerCase();
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

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
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
        if (!isDigits(value) || facts.contentLength >= 0) throw new InvalidHeaderError('ERR_INVALID_CHAR', 'invalid or repeated Content-Length');
        facts.contentLength = Number(value);
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
