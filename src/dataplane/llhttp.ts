/**
 * Node's own llhttp binding (the parser node:http uses), reached through the public
 * `_http_common` module. Shared by the front's request parser (server/front/request-parser.ts)
 * and the lean engine's response parser (upstream/h1/parser.ts), which wire their own callbacks.
 */
import { createRequire } from 'node:module';

/** A parse error from llhttp (`code` like HPE_INVALID_HEADER_TOKEN). */
export type ParseError = Error & { code?: string; reason?: string; bytesParsed?: number };

/** The slice of the binding both parsers use. */
export interface LlhttpParser {
  /** Reads from a stream handle go straight to the parser (no JS 'data' events). */
  consume(handle: object): void;
  unconsume(): void;
  /** Bytes consumed, or the parse error (with `code`). */
  execute(data: Buffer): number | ParseError;
  /** Signals EOF: completes a body delimited by the connection close, or returns an error. */
  finish(): undefined | ParseError;
  close(): void;
  free(): void;
}

/** A parser as constructed: callbacks are set by index, `initialize` picks request or response. */
export type RawParser<P> = P & Record<number, unknown> & { initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void };

interface ParserClass {
  new (): RawParser<LlhttpParser>;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  readonly kLenientNone: number;
}

const require = createRequire(import.meta.url);
const common = require('_http_common') as { HTTPParser: ParserClass; methods: readonly string[] };

/** The binding's parser class. */
export const HTTPParser: ParserClass = common.HTTPParser;

/** Method names by llhttp's method index. */
export const METHODS: readonly string[] = common.methods;

/** node:http's default max header size (0 lets the binding use Node's setting, 16 KiB unless --max-http-header-size says otherwise). */
export const MAX_HEADER_SIZE = 0;

/**
 * The value of 1 to 15 decimal digits (a Content-Length from the parser), or -1. Computed in the
 * loop that checks the digits: Number() of a string fresh from the parser goes through the
 * runtime (no cached index), once per proxied response (issue 6).
 */
export function digitsValue(s: string): number {
  if (s.length === 0 || s.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Lower-cased names by the spelling received (see lowerName); bounded, so odd names cannot grow it. */
const LOWER = new Map<string, string>();
const LOWER_MAX = 512;

/**
 * A header name from the parser, lower-cased. The usual names (a few dozen spellings) come from a
 * map, already lower-cased and internalized (a property key is): no new string per header, and
 * a header object's keyed load and store with it, or a comparison with a literal name, need no
 * string-table lookup as a key fresh from the parser does. `toLowerCase` and those lookups were about
 * 3% of the instructions per proxied request (issue 6). Past LOWER_MAX spellings, plain
 * `toLowerCase`.
 */
export function lowerName(name: string): string {
  // The names nearly every request and response carries, in the two spellings clients and
  // backends use, are compared before the map, picked by length and first letter so at most one
  // is: a comparison with a literal reads the characters once, a map lookup first hashes the
  // parser-fresh string (String::ComputeAndSetRawHash, most of its cost; about 2.5% of the
  // instructions per proxied request, issue 6). The literals returned are internalized.
  const first = name.length > 0 ? name.charCodeAt(0) | 0x20 : 0;
  switch (name.length) {
    case 4:
      if (first === 104 /* h */ && (name === 'Host' || name === 'host')) return 'host';
      if (first === 100 /* d */ && (name === 'Date' || name === 'date')) return 'date';
      break;
    case 6:
      if (first === 97 /* a */ && (name === 'Accept' || name === 'accept')) return 'accept';
      if (first === 115 /* s */ && (name === 'Server' || name === 'server')) return 'server';
      break;
    case 10:
      if (first === 117 /* u */ && (name === 'User-Agent' || name === 'user-agent')) return 'user-agent';
      if (first === 99 /* c */ && (name === 'Connection' || name === 'connection')) return 'connection';
      break;
    case 12:
      if (first === 99 /* c */ && (name === 'Content-Type' || name === 'content-type')) return 'content-type';
      break;
    case 14:
      if (first === 99 /* c */ && (name === 'Content-Length' || name === 'content-length')) return 'content-length';
      break;
  }
  const known = LOWER.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  if (LOWER.size >= LOWER_MAX) return lower;
  const internalized = Object.keys({ [lower]: 0 })[0] ?? lower;
  LOWER.set(name, internalized);
  return internalized;
}
