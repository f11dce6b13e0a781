/**
 * lastmile's own error answers (design.md "Errors to clients"): a short stable code in the body and
 * in the `x-lastmile-error` header; never the full story, which may name internal endpoints.
 */
import type { ServerResponse } from 'node:http';
import { errorStatus } from '../../errors.ts';
import type { ErrorCode } from '../../errors.ts';
import { STATUS_CODES } from 'node:http';

/** The header that carries the error code to the client. */
export const errorHeader = 'x-lastmile-error';

const bodies = new Map<ErrorCode, string>();

function errorBody(code: ErrorCode, requestId: string | undefined): string {
  if (requestId !== undefined) return JSON.stringify({ error: code, status: errorStatus[code], requestId });
  let body = bodies.get(code);
  if (body === undefined) {
    body = JSON.stringify({ error: code, status: errorStatus[code] });
    bodies.set(code, body);
  }
  return body;
}

/**
 * Answers with lastmile's error for `code`. When the response has already started (headers sent),
 * a clean error is impossible: the response is aborted so the client sees a truncated message.
 */
export function sendError(res: ServerResponse, code: ErrorCode, requestId?: string): void {
  if (res.writableEnded || res.destroyed) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(code, requestId);
  res.writeHead(errorStatus[code], {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    [errorHeader]: code,
    ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
  });
  res.end(body);
}

/**
 * The same answer as raw HTTP/1.1 bytes, for an upgrade request whose socket has no
 * ServerResponse. The connection closes after it.
 */
export function rawErrorResponse(code: ErrorCode, requestId?: string): Buffer {
  const status = errorStatus[code];
  const body = errorBody(code, requestId);
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'cache-control: no-store\r\n' +
      `${errorHeader}: ${code}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}
