/**
 * One listening socket: for HTTP the lean front (front/server.ts: Node's llhttp over a `net`
 * server) or node:http (`LASTMILE_FRONT=node`); for HTTPS an HTTP/2 secure server (certificates
 * by SNI) whose connections are split by ALPN: h2 stays with node's HTTP/2 server, HTTP/1.1 (or
 * no ALPN) goes to the same lean front as plain HTTP (node:http with `LASTMILE_FRONT=node`).
 * Parsing is Node's strict parser either way: no `insecureHTTPParser`, so ambiguous
 * Content-Length/Transfer-Encoding requests are refused before they reach the router (no request
 * smuggling, design.md "Performance design").
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type net from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ServerCertificateIR } from '../../ir/types.ts';
import { ConnectionTracker } from './connections.ts';
import { FrontServer } from './front/server.ts';
import { compileCertificates, type CertificateTable } from './sni.ts';
import { sniffConnection } from './h2c.ts';

/** Which HTTP/1.1 server plain-HTTP listeners use: the lean front (default) or node:http. */
export type FrontKind = 'lean' | 'node';

/** `LASTMILE_FRONT=node` selects node:http for plain-HTTP listeners; anything else the lean front. */
export function frontFromEnv(env: NodeJS.ProcessEnv = process.env): FrontKind {
  return env['LASTMILE_FRONT'] === 'node' ? 'node' : 'lean';
}

/** Listener settings (all optional; tests shorten the timeouts). */
export interface ListenerOptions {
  readonly front?: FrontKind;
  readonly headersTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
}

export type ClientRequest = IncomingMessage | Http2ServerRequest;
export type ClientResponse = ServerResponse | Http2ServerResponse;

/** What a listener hands each request to. */
export interface ListenerHandlers {
  request(req: ClientRequest, res: ClientResponse, listener: Listener): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, listener: Listener): void;
  /** A client connection error (e.g. a TLS handshake a client aborted); for debug logs. */
  clientError?(err: Error, listener: Listener): void;
}

export interface ListenerSpec {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
}

/** A listener could not open its socket (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
export class ListenerBindError extends Error {
  readonly code: string;
  readonly listener: string;
  constructor(listener: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenerBindError';
    this.code = code;
    this.listener = listener;
  }
}

// Header and keep-alive timeouts a gateway facing untrusted clients needs (slowloris):
// Node's defaults are 60 s headers / 300 s request; these are tighter on headers only, since
// request bodies may legitimately stream for long.
const HEADERS_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
/**
 * Under `--workers N` every worker binds the same ports with SO_REUSEPORT (workers.ts); a lone
 * process never does, so a second gateway on the same port still fails with EADDRINUSE.
 */
const REUSE_PORT = process.env['LASTMILE_WORKER_INDEX'] !== undefined;

/** The error answer node:http gives for a client error (431, 413 and 408 have their own). */
function clientErrorAnswer(code: string | undefined): string {
  const [status, reason] =
    code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large']
    : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? [413, 'Payload Too Large']
    : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout']
    : [400, 'Bad Request'];
  return `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
}

export class Listener {
  readonly spec: ListenerSpec;
  readonly #server: net.Server;
  readonly #connections = new ConnectionTracker();
  readonly #front: FrontServer | undefined;
  /** Plain-HTTP connections whose first bytes have not arrived yet (h2c.ts). */
  readonly #sniffing = new Set<Socket>();
  #certificates: CertificateTable | undefined;
  #closing: Promise<void> | undefined;

  constructor(spec: ListenerSpec, handlers: ListenerHandlers, certificates: readonly ServerCertificateIR[] = [], options: ListenerOptions = {}) {
    this.spec = spec;
    const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    const keepAliveTimeout = options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS;
    const lean = (options.front ?? frontFromEnv()) === 'lean';
    if (lean) {
      // The front's request/response objects carry the IncomingMessage/ServerResponse surface the
      // handlers use (front/request.ts, front/response.ts); the casts name that contract.
      this.#front = new FrontServer(
        {
          request: (req, res) => handlers.request(req as unknown as IncomingMessage, res as unknown as ServerResponse, this),
          upgrade: (req, socket, head) => handlers.upgrade(req as unknown as IncomingMessage, socket, head, this),
          clientError: (err) => handlers.clientError?.(err, this),
        },
        { headersTimeoutMs: headersTimeout, keepAliveTimeoutMs: keepAliveTimeout },
      );
    }
    const onRequest = (req: ClientRequest, res: ClientResponse): void => {
      if (req.httpVersionMajor < 2) {
        const done = this.#connections.requestStarted(req.socket, () => {
          if (!res.headersSent) (res as ServerResponse).shouldKeepAlive = false;
        });
        res.once('close', done);
      }
      handlers.request(req, res, this);
    };
    if (spec.protocol === 'HTTP' && this.#front !== undefined) {
      this.#server = this.#front.server;
      this.#sniffH2c(this.#front.server, onRequest, headersTimeout);
      return;
    }
    if (spec.protocol === 'HTTPS') {
      this.#certificates = compileCertificates(certificates);
      const server = http2.createSecureServer({
        allowHTTP1: true,
        SNICallback: (servername, cb) => cb(null, this.#certificates?.lookup(servername)),
        ...this.#defaultCertificate(),
      });
      server.on('connection', (socket: Socket) => this.#connections.addRaw(socket));
      server.on('session', (s) => this.#connections.addSession(s));
      const front = this.#front;
      if (front !== undefined) {
        // The ALPN split. ALPN still offers h2 and http/1.1 (allowHTTP1: a client offering only
        // http/1.1 must not fail the handshake), and the HTTP/2 server's own connection listener,
        // registered on 'secureConnection' when it was built, would give HTTP/1.1 sockets to
        // node:http: it now sees only the h2 ones.
        const h2Listeners = server.listeners('secureConnection') as ((socket: TLSSocket) => void)[];
        server.removeAllListeners('secureConnection');
        server.on('secureConnection', (socket: TLSSocket) => {
          if (socket.alpnProtocol === 'h2') {
            for (const listener of h2Listeners) listener.call(server, socket);
            return;
          }
          socket.setNoDelay(true);
          front.accept(socket);
        });
      } else {
        server.on('secureConnection', (socket: TLSSocket) => {
          if (socket.alpnProtocol !== 'h2') this.#connections.addSocket(socket);
        });
      }
      server.on('request', onRequest);
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        this.#connections.detach(socket);
        handlers.upgrade(req, socket, head, this);
      });
      server.on('tlsClientError', (err) => handlers.clientError?.(err, this));
      // The compat layer's per-stream timeout: none (request timeouts are the route's).
      server.setTimeout(0);
      this.#server = server;
    } else {
      const server = http.createServer({
        headersTimeout: headersTimeout,
        keepAliveTimeout: keepAliveTimeout,
        requestTimeout: 0,
        // Checked this often (node's default is every 30 s): the headers timeout is enforced.
        connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(headersTimeout / 4))),
      });
      server.on('connection', (socket: Socket) => {
        this.#connections.addRaw(socket);
        this.#connections.addSocket(socket);
      });
      server.on('request', onRequest);
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        this.#connections.detach(socket);
        handlers.upgrade(req, socket, head, this);
      });
      this.#sniffH2c(server, onRequest, headersTimeout);
      this.#server = server;
    }
    this.#server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
      handlers.clientError?.(err, this);
      // Answer as node:http would without this listener (431 for an oversized head...), unless a
      // response already started on this connection; then close.
      const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
      if (!socket.destroyed && socket.writable && inFlight?.headersSent !== true) socket.end(clientErrorAnswer(err.code));
      else socket.destroy();
    });
  }

  /**
   * Serves HTTP/2 with prior knowledge (h2c, h2c.ts) next to HTTP/1.1 on a plain-HTTP listener:
   * the HTTP/1.1 server's own connection listeners (the lean front's accept, or node:http's
   * parser setup and this listener's tracking) now run only for connections whose first bytes
   * are not the HTTP/2 preface; those are given to a cleartext HTTP/2 server with the same
   * request handler as the HTTPS listener's h2 path, and its sessions are tracked (GOAWAY on
   * drain) like theirs.
   */
  #sniffH2c(server: net.Server, onRequest: (req: ClientRequest, res: ClientResponse) => void, timeoutMs: number): void {
    const h2c = http2.createServer();
    h2c.on('session', (s) => this.#connections.addSession(s));
    h2c.on('request', onRequest);
    // The compat layer's per-stream timeout: none (request timeouts are the route's).
    h2c.setTimeout(0);
    const http1Listeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    const targets = {
      http1: (socket: Socket): void => {
        this.#sniffing.delete(socket);
        for (const listener of http1Listeners) listener.call(server, socket);
        // node:http reads the unshifted bytes once the socket flows; the lean front read them
        // already (front/connection.ts start) and resumed.
        socket.resume();
      },
      h2: (socket: Socket): void => {
        this.#sniffing.delete(socket);
        this.#connections.addRaw(socket);
        h2c.emit('connection', socket);
      },
    };
    server.on('connection', (socket: Socket) => {
      // Tracked until it is classified, so the drain deadline reaches a silent client too.
      this.#sniffing.add(socket);
      socket.once('close', () => this.#sniffing.delete(socket));
      sniffConnection(socket, targets, timeoutMs);
    });
  }

  #defaultCertificate(): { cert?: string; key?: string } {
    const f = this.#certificates?.fallback;
    return f ? { cert: f.certPem, key: f.keyPem } : {};
  }

  /** Certificates that failed to load on the last update (source and reason). */
  get certificateErrors(): readonly { readonly source: string; readonly message: string }[] {
    return this.#certificates?.errors ?? [];
  }

  /** Swaps the certificates served by SNI, without rebinding (HTTPS only). */
  updateCertificates(certificates: readonly ServerCertificateIR[]): void {
    if (this.spec.protocol !== 'HTTPS') return;
    this.#certificates = compileCertificates(certificates);
    const def = this.#defaultCertificate();
    if (def.cert !== undefined) (this.#server as http2.Http2SecureServer).setSecureContext(def);
  }

  /** Opens the socket; rejects with a ListenerBindError that names the system error. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const code = err.code ?? 'UNKNOWN';
        reject(new ListenerBindError(this.spec.name, code, `listener ${this.spec.name} (${this.spec.protocol}) could not bind ${this.spec.address}:${this.spec.port}: ${code} (${err.message})`, { cause: err }));
      };
      this.#server.once('error', onError);
      this.#server.listen({ host: this.spec.address, port: this.spec.port, exclusive: true, reusePort: REUSE_PORT }, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
  }

  /** The bound port (useful when the IR asked for port 0 in tests). */
  get port(): number {
    const a = this.#server.address();
    return a !== null && typeof a === 'object' ? a.port : this.spec.port;
  }

  /**
   * Graceful close: stop accepting now, let in-flight requests finish within `deadlineMs`,
   * then destroy what is left. Idempotent.
   */
  close(deadlineMs: number): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const front = this.#front;
      // An HTTPS listener has both: its h2 sessions (and handshakes) in the tracker, its
      // HTTP/1.1 connections in the front.
      const timer = setTimeout(() => {
        front?.destroyAll();
        this.#connections.destroyAll();
        for (const socket of this.#sniffing) socket.destroy();
      }, deadlineMs);
      timer.unref();
      this.#server.close(() => {
        clearTimeout(timer);
        front?.stopSweep();
        resolve();
      });
      front?.drain();
      this.#connections.drain();
    });
    return this.#closing;
  }
}
