/**
 * The lean HTTP/1.1 front: a `net` server whose connections are parsed by Node's own llhttp
 * (connection.ts), feeding the same router, filters and upstream engines as node:http did.
 *
 * Why it exists (issue 6, BENCHMARKS.md "Data plane"): with the lean upstream engine in place,
 * lastmile spent 55-75 µs of CPU per proxied request against nginx's ~24 µs, and the profile's
 * largest JavaScript cost was node:http's server side: an IncomingMessage and a ServerResponse
 * per request with their stream state machines, 'finish'/'close' listeners bound per request,
 * header validation and `_storeHeader` merging, a keep-alive socket timer re-armed on every read
 * and write. This front keeps what made node:http safe (the same llhttp parser in the same strict
 * mode, consuming the socket in C++ as node:http does; the same answers to malformed requests:
 * 400/408/413/417/431, Host required on HTTP/1.1) and drops the rest: one small request and
 * response object, the response head serialized once and written with its body in one write,
 * no per-request timers (timeouts are ticks of one sweep per listener). Figures before/after are
 * in BENCHMARKS.md. `LASTMILE_FRONT=node` selects node:http again. HTTPS listeners terminate TLS
 * in node's HTTP/2 server and hand it the connections that negotiated HTTP/1.1 (`accept`).
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { FrontConnection, type FrontHandlers, type FrontHost } from './connection.ts';

export interface FrontOptions {
  /** A request head must be complete within this time (slowloris); node:http's `headersTimeout`. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection closes after this time; node:http's `keepAliveTimeout`. */
  readonly keepAliveTimeoutMs: number;
}

/** The sweep runs this many times per timeout at least (timeouts are accurate to 1/4). */
const SWEEPS_PER_TIMEOUT = 4;
const MAX_SWEEP_MS = 1_000;

/** One listening socket of the lean front (see file comment). */
export class FrontServer implements FrontHost {
  readonly server: net.Server;
  readonly handlers: FrontHandlers;
  readonly keepAliveField: string;
  tick = 0;
  draining = false;
  readonly #connections = new Set<FrontConnection>();
  /** Sockets handed to upgrades (WebSocket): destroyed at the drain deadline too. */
  readonly #upgraded = new Set<Socket>();
  readonly #sweepMs: number;
  readonly #headersTicks: number;
  readonly #idleTicks: number;
  #sweep: NodeJS.Timeout | undefined;

  constructor(handlers: FrontHandlers, options: FrontOptions) {
    this.handlers = handlers;
    // node:http advertises the timeout too; clients (Node's agent among them) close before it.
    this.keepAliveField = `connection: keep-alive\r\nkeep-alive: timeout=${Math.floor(options.keepAliveTimeoutMs / 1000)}\r\n`;
    this.#sweepMs = Math.max(10, Math.min(MAX_SWEEP_MS, Math.floor(Math.min(options.headersTimeoutMs, options.keepAliveTimeoutMs) / SWEEPS_PER_TIMEOUT)));
    this.#headersTicks = Math.max(1, Math.ceil(options.headersTimeoutMs / this.#sweepMs));
    // A keep-alive connection lives a little longer than advertised (node:http adds 1 s).
    this.#idleTicks = Math.max(1, Math.ceil((options.keepAliveTimeoutMs + 1_000) / this.#sweepMs));
    // allowHalfOpen: a client that shuts down its sending side still gets its answers.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    this.server.on('listening', () => this.#startSweep());
    this.server.on('close', () => this.stopSweep());
  }

  /**
   * Serves a connection: one accepted by `server`, or one another server accepted (an HTTPS
   * listener hands over its TLS sockets that negotiated HTTP/1.1, listener.ts).
   */
  accept(socket: Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    if (this.#sweep === undefined) this.#startSweep();
    const conn = new FrontConnection(socket, this);
    this.#connections.add(conn);
    conn.start();
  }

  released(conn: FrontConnection, upgraded: Socket | undefined): void {
    this.#connections.delete(conn);
    if (upgraded !== undefined) {
      this.#upgraded.add(upgraded);
      upgraded.once('close', () => this.#upgraded.delete(upgraded));
    }
  }

  #startSweep(): void {
    if (this.#sweep !== undefined) return;
    this.#sweep = setInterval(() => {
      this.tick++;
      for (const c of this.#connections) c.check(this.#headersTicks, this.#idleTicks);
    }, this.#sweepMs);
    this.#sweep.unref();
  }

  /** Stops the timeout sweep (the listener closed). */
  stopSweep(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  /** Stops keep-alive: idle connections end now, busy ones after their response in flight. */
  drain(): void {
    this.draining = true;
    for (const c of this.#connections) c.drain();
  }

  /** Destroys every connection still open (the drain deadline passed). */
  destroyAll(): void {
    for (const c of this.#connections) c.socket.destroy();
    for (const s of this.#upgraded) s.destroy();
  }

  /** Open connections, upgraded ones included. */
  get size(): number {
    return this.#connections.size + this.#upgraded.size;
  }
}
