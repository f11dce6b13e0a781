/**
 * An error answer written straight to a socket, for Upgrade requests (Node hands those over as a
 * raw socket, with no ServerResponse). Same status, body and `x-lastmile-error` header as
 * ordinary error responses.
 */
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../../errors.ts';

/** Writes `status` with the error code and closes the socket. */
export function writeSocketError(socket: Duplex, status: number, code: ErrorCode | 'bad_request', requestId?: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: code, status, ...(requestId ? { requestId } : {}) });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'content-type: application/json',
    'cache-control: no-store',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-lastmile-error: ${code}`,
    ...(requestId ? [`x-request-id: ${requestId}`] : []),
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
