/**
 * Connection bookkeeping for graceful close: which sockets and HTTP/2 sessions a listener has,
 * and how many requests each socket is serving. Node's own `closeIdleConnections` exists only on
 * http.Server, not on the HTTP/2 secure server that also speaks HTTP/1.1, so both listener kinds
 * share this tracker.
 */
import type { Socket } from 'node:net';
import type { Http2Session } from 'node:http2';

export class ConnectionTracker {
  readonly #inflight = new Map<Socket, number>();
  readonly #sessions = new Set<Http2Session>();
  /** Every accepted TCP socket, including upgraded ones and TLS handshakes in progress. */
  readonly #all = new Set<Socket>();
  #draining = false;

  /** Registers an accepted TCP socket (the server's 'connection' event), for the final destroy. */
  addRaw(socket: Socket): void {
    this.#all.add(socket);
    socket.once('close', () => this.#all.delete(socket));
  }

  /** Registers a connection that carries HTTP/1.x requests. */
  addSocket(socket: Socket): void {
    this.#inflight.set(socket, 0);
    socket.once('close', () => this.#inflight.delete(socket));
  }

  /** Registers an HTTP/2 session (from the server's 'session' event). */
  addSession(session: Http2Session): void {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    if (this.#draining) session.close();
  }

  /**
   * Counts an HTTP/1.x request on its socket until `done` runs. While draining, the response is
   * marked `Connection: close` (when headers are not out yet) and the socket is ended once idle.
   */
  requestStarted(socket: Socket, markClose: () => void): () => void {
    const n = this.#inflight.get(socket);
    if (n === undefined) return () => {}; // HTTP/2 stream: its session is tracked instead
    this.#inflight.set(socket, n + 1);
    if (this.#draining) markClose();
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      const left = (this.#inflight.get(socket) ?? 1) - 1;
      if (this.#inflight.has(socket)) this.#inflight.set(socket, left);
      if (this.#draining && left === 0) socket.end();
    };
  }

  /** Takes a socket out of request accounting (it was upgraded, e.g. to a WebSocket). */
  detach(socket: Socket): void {
    this.#inflight.delete(socket);
  }

  /** Stops keep-alive: idle HTTP/1 sockets end now, busy ones after their last response; HTTP/2 sessions get GOAWAY. */
  drain(): void {
    this.#draining = true;
    for (const [socket, n] of this.#inflight) if (n === 0) socket.end();
    for (const s of this.#sessions) s.close();
  }

  /** Destroys everything still open (the drain deadline passed). */
  destroyAll(): void {
    for (const socket of this.#inflight.keys()) socket.destroy();
    for (const s of this.#sessions) s.destroy();
    for (const socket of this.#all) socket.destroy();
  }

  /** Open TCP connections. */
  get size(): number {
    return this.#all.size;
  }
}
