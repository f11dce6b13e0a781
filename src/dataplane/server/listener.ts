/**
 * One listening socket: node:http for HTTP, or an HTTP/2 secure server with `allowHTTP1` for
 * HTTPS (ALPN picks h2 or http/1.1; certificates by SNI). Parsing stays Node's strict parser: no
 * `insecureHTTPParser`, so ambiguous Content-Length/Transfer-Encoding requests are refused by
 * Node before they reach the router (no request smuggling, design.md "Performance design").
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ServerCertificateIR } from '../../ir/types.ts';
import { ConnectionTracker } from './connections.ts';
import { compileCertificates, type CertificateTable } from './sni.ts';

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

export class Listener {
  readonly spec: ListenerSpec;
  readonly #server: http.Server | http2.Http2SecureServer;
  readonly #connections = new ConnectionTracker();
  #certificates: CertificateTable | undefined;
  #closing: Promise<void> | undefined;

  constructor(spec: ListenerSpec, handlers: ListenerHandlers, certificates: readonly ServerCertificateIR[] = []) {
    this.spec = spec;
    const onRequest = (req: ClientRequest, res: ClientResponse): void => {
      if (req.httpVersionMajor < 2) {
        const done = this.#connections.requestStarted(req.socket, () => {
          if (!res.headersSent) (res as ServerResponse).shouldKeepAlive = false;
        });
        res.once('close', done);
      }
      handlers.request(req, res, this);
    };
    if (spec.protocol === 'HTTPS') {
      this.#certificates = compileCertificates(certificates);
      const server = http2.createSecureServer({
        allowHTTP1: true,
        SNICallback: (servername, cb) => cb(null, this.#certificates?.lookup(servername)),
        ...this.#defaultCertificate(),
      });
      server.on('connection', (socket: Socket) => this.#connections.addRaw(socket));
      server.on('session', (s) => this.#connections.addSession(s));
      server.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol !== 'h2') this.#connections.addSocket(socket);
      });
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
      const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requestTimeout: 0 });
      server.on('connection', (socket: Socket) => {
        this.#connections.addRaw(socket);
        this.#connections.addSocket(socket);
      });
      server.on('request', onRequest);
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        this.#connections.detach(socket);
        handlers.upgrade(req, socket, head, this);
      });
      this.#server = server;
    }
    this.#server.on('clientError', (err: Error, socket: Socket) => {
      handlers.clientError?.(err, this);
      // Node answers parse errors itself when the socket is still writable; make sure it closes.
      if (!socket.destroyed && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
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
      const timer = setTimeout(() => this.#connections.destroyAll(), deadlineMs);
      timer.unref();
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#connections.drain();
    });
    return this.#closing;
  }
}
