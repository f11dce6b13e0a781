/**
 * HTTP/2 over cleartext with prior knowledge (RFC 9113 section 3.3) on plain-HTTP listeners:
 * gRPC clients (and the GRPCRoute conformance tests) reach a gateway this way. A new connection
 * is told apart by its first bytes only: the HTTP/2 connection preface, which no HTTP/1.1 request
 * line can begin with (no method is `PRI`). Everything else goes to the HTTP/1.1 front unchanged.
 *
 * Node has no way to peek at a socket without reading it, so the first chunk of every connection
 * is read once in JavaScript and unshifted back for whichever server takes the connection (the
 * lean front parses bytes already buffered before it starts consuming; node:http and node's
 * HTTP/2 session read them on resume). That one read per connection is the only cost HTTP/1.1
 * connections pay; requests pay nothing.
 */
import type { Socket } from 'node:net';

/** The HTTP/2 client connection preface (RFC 9113 section 3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Where a sniffed connection goes. */
export interface SniffTargets {
  http1(socket: Socket): void;
  h2(socket: Socket): void;
}

/**
 * Classifies bytes read so far: 'h2' (the full preface), 'http1' (cannot be the preface), or
 * 'more' (a proper prefix of the preface: the rest is still on its way, e.g. another TCP segment).
 */
export function classifyPreface(head: Buffer): 'h2' | 'http1' | 'more' {
  const n = Math.min(head.length, H2_PREFACE.length);
  if (H2_PREFACE.compare(head, 0, n, 0, n) !== 0) return 'http1';
  return n === H2_PREFACE.length ? 'h2' : 'more';
}

/**
 * Waits for a connection's first bytes, then hands it (with those bytes unshifted) to `targets`.
 * A client that sends nothing within `timeoutMs` is dropped (slowloris: the HTTP/1.1 headers
 * timeout only starts once a server has the socket). A connection closed before a byte arrives
 * goes nowhere.
 */
export function sniffConnection(socket: Socket, targets: SniffTargets, timeoutMs: number): void {
  let head: Buffer | undefined;
  const onTimeout = (): void => {
    socket.destroy();
  };
  const onError = (): void => {
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    head = head === undefined ? chunk : Buffer.concat([head, chunk]);
    const kind = classifyPreface(head);
    if (kind === 'more') return;
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(head);
    if (kind === 'h2') targets.h2(socket);
    else targets.http1(socket);
  };
  socket.on('data', onData);
  socket.on('error', onError);
  socket.setTimeout(timeoutMs, onTimeout);
}
