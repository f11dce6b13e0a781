/**
 * Serializes the request head the lean engine writes to a backend, with the same rules undici
 * applies: the caller's headers minus the framing ones the engine owns (Expect, Connection,
 * Keep-Alive, Transfer-Encoding, Upgrade), Host added when absent, `content-length: 0` for a
 * bodiless POST/PUT/PATCH, chunked framing for a body of unknown length. Every name must be a
 * token and every value free of CR, LF and NUL (Node's own header checks), so a header value from
 * a config file can never inject a second request.
 */

/** Node's rule for header values (RFC 9110 field-value: VCHAR, obs-text, SP, HTAB). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** RFC 9110 token. */
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
/** Names are checked together (one regex run per request): a comma cannot occur in a token. */
const TOKENS = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~,]*$/;
/** undici's rule for the request target. */
const INVALID_PATH = /[^\u0021-\u00ff]/;

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
export function requestHead(method: string, path: string, headers: Record<string, string | string[]>, hasBody: boolean, hostHeader: string): RequestHead {
  if (!TOKEN.test(method)) throw new InvalidRequestError('invalid method');
  if (INVALID_PATH.test(path)) throw new InvalidRequestError('invalid request path');
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let host = false;
  let length = false;
  // Names and values are gathered and checked with one regex run each, not one per header.
  let names = '';
  let values = '';
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
        if (name === '') throw new InvalidRequestError('empty header name');
        names += name + ',';
    }
    const value = headers[name]!;
    if (typeof value === 'string') {
      values += value;
      head += `${name}: ${value}\r\n`;
    } else {
      for (const v of value) {
        values += v;
        head += `${name}: ${v}\r\n`;
      }
    }
  }
  if (!TOKENS.test(names)) throw new InvalidRequestError('invalid header name');
  if (INVALID_VALUE.test(values)) throw new InvalidRequestError('invalid header value');
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
