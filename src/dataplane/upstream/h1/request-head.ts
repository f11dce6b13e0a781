/**
 * Serializes the request head the lean engine writes to a backend, with the same rules undici
 * applies: the caller's headers minus the framing ones the engine owns (Expect, Connection,
 * Keep-Alive, Transfer-Encoding, Upgrade), Host added when absent, `content-length: 0` for a
 * bodiless POST/PUT/PATCH, chunked framing for a body of unknown length. Every name must be a
 * token and every value free of CR, LF and NUL (Node's own header checks), so a header value from
 * a config file can never inject a second request.
 */

/** RFC 9110 token. */
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
/** undici's rule for the request target. */
const INVALID_PATH = /[^\u0021-\u00ff]/;

// Per-string checks by table (RFC 9110 token; field-value: HTAB, SP, VCHAR, obs-text, Node's
// rule): each header of each request goes through them, and a loop over a flat string costs
// less than concatenating every name and value into one string for a single regex run (the
// concatenation, then its flattening, was the largest string cost per request, issue 6).
const TOKEN_CHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN_CHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN_CHAR[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN_CHAR[c] = 1;

function isTokenName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || TOKEN_CHAR[c] === 0) return false;
  }
  return s.length > 0;
}

function isValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127 || c > 255) return false;
  }
  return true;
}

/**
 * Marks a header record whose names and values are already known to pass the checks below: every
 * name a token and every value free of CR, LF, NUL and other controls. The data plane sets it on
 * the upstream headers of a request parsed by Node's strict llhttp (the lean front), which
 * refuses any other byte in a name or a value (server/front/headers.test.ts sends all 256 byte
 * values through it), when nothing else was added but values it checked or built itself
 * (X-Forwarded-*, a validated or generated x-request-id) and no filter or rewrite ran. A symbol
 * key: never enumerated as a header. The per-character loops were the largest part of this
 * function's cost per request (issue 6); a record without the mark is checked as before, so a
 * value from a config file can still never inject a second request.
 */
export const HEADERS_CHECKED: unique symbol = Symbol('lastmile.headersChecked');

/** A header record, possibly marked as checked (see HEADERS_CHECKED). */
export type CheckableHeaders = Record<string, string | string[]> & { [HEADERS_CHECKED]?: true };

/** Thrown when a request cannot be written as asked; nothing reached the backend. */
export class InvalidRequestError extends Error {
  readonly code = 'UND_ERR_INVALID_ARG';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The result: the head, and whether the body must be sent with chunked framing. */
export interface RequestHead {
  readonly head: string;
  readonly chunked: boolean;
}

/** Builds the request head (throws InvalidRequestError). `hostHeader` is used when no Host is given. */
export function requestHead(method: string, path: string, headers: CheckableHeaders, hasBody: boolean, hostHeader: string): RequestHead {
  if (!TOKEN.test(method)) throw new InvalidRequestError('invalid method');
  if (INVALID_PATH.test(path)) throw new InvalidRequestError('invalid request path');
  const check = headers[HEADERS_CHECKED] !== true;
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let host = false;
  let length = false;
  for (const name in headers) {
    switch (name) {
      case 'expect':
      case 'connection':
      case 'keep-alive':
      case 'transfer-encoding':
      case 'upgrade':
        continue;
      case 'host':
        host = true;
        break;
      case 'content-length':
        length = true;
        break;
      default:
        if (check) {
          if (name === '') throw new InvalidRequestError('empty header name');
          if (!isTokenName(name)) throw new InvalidRequestError('invalid header name');
        }
    }
    const value = headers[name]!;
    if (typeof value === 'string') {
      if (check && !isValue(value)) throw new InvalidRequestError('invalid header value');
      head += name + ': ' + value + '\r\n';
    } else {
      for (const v of value) {
        if (check && !isValue(v)) throw new InvalidRequestError('invalid header value');
        head += name + ': ' + v + '\r\n';
      }
    }
  }
  if (!host) head += `host: ${hostHeader}\r\n`;
  let chunked = false;
  if (hasBody && !length) {
    head += 'transfer-encoding: chunked\r\n';
    chunked = true;
  } else if (!hasBody && !length && PAYLOAD_METHODS.has(method)) {
    head += 'content-length: 0\r\n';
  }
  return { head: head + '\r\n', chunked };
}
