/**
 * A TLS echo backend for end-to-end tests: answers every request with JSON describing what it
 * received — the SNI, Host, path, method, headers, the client certificate (PEM or null) and the
 * protocol — so tests can assert on what the gateway really sent. `?delay=MS` delays the answer
 * (timeouts); `setCertificate` swaps the served certificate without restarting (CA rotation).
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';

export interface TlsEchoOptions {
  readonly certPem: string;
  readonly keyPem: string;
  /** CA that client certificates must chain to (enables asking for a client certificate). */
  readonly caPem?: string;
  /** Refuse handshakes without a valid client certificate. */
  readonly requireClientCert?: boolean;
  /**
   * With `caPem`: a client certificate is optional, but one that does not chain to `caPem` is
   * refused (Go's `VerifyClientCertIfGiven`, what the conformance echo server uses).
   */
  readonly verifyClientCertIfGiven?: boolean;
  /** Reported as `pod` in every answer (the conformance echo server reports its pod name). */
  readonly name?: string;
  /** Reported as `namespace` in every answer. */
  readonly namespace?: string;
}

export interface TlsEchoAnswer {
  readonly sni: string | null;
  readonly host: string | null;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly clientCertificate: string | null;
  readonly protocol: string;
  /** `options.name`, or null. */
  readonly pod: string | null;
  /** `options.namespace`, or null. */
  readonly namespace: string | null;
}

export interface TlsEchoBackend {
  readonly port: number;
  /** Requests answered so far. */
  readonly requests: number;
  /** Serves another certificate from now on (new handshakes). */
  setCertificate(certPem: string, keyPem: string): void;
  close(): Promise<void>;
}

function toPem(raw: Buffer): string {
  return new X509Certificate(raw).toString();
}

export async function startTlsEchoBackend(options: TlsEchoOptions): Promise<TlsEchoBackend> {
  let requests = 0;
  const contextOptions = (certPem: string, keyPem: string) => ({
    cert: certPem,
    key: keyPem,
    ...(options.caPem ? { ca: options.caPem, requestCert: true, rejectUnauthorized: options.requireClientCert ?? false } : {}),
  });
  const server = https.createServer({ ...contextOptions(options.certPem, options.keyPem), ALPNProtocols: ['http/1.1'] }, (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate?.(false);
    const raw = peer && 'raw' in peer && peer.raw ? peer.raw : undefined;
    if (raw && options.verifyClientCertIfGiven && !socket.authorized) {
      // A certificate was given but does not verify: refuse, as Go's VerifyClientCertIfGiven does.
      socket.destroy();
      return;
    }
    const answer: TlsEchoAnswer = {
      sni: (socket as TLSSocket & { servername?: string | false }).servername || null,
      host: req.headers.host ?? null,
      path: req.url ?? '',
      method: req.method ?? '',
      headers: req.headers,
      clientCertificate: raw ? toPem(raw) : null,
      protocol: socket.alpnProtocol || `http/${req.httpVersion}`,
      pod: options.name ?? null,
      namespace: options.namespace ?? null,
    };
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    const body = JSON.stringify(answer);
    const send = (): void => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    req.resume();
    if (delay > 0) {
      const t = setTimeout(send, delay);
      res.on('close', () => clearTimeout(t));
    } else {
      send();
    }
  });
  // Upgrades (WebSocket-style): answer 101, send one JSON line describing the request, then echo.
  server.on('upgrade', (req: IncomingMessage, socket: TLSSocket, head: Buffer) => {
    requests++;
    const info = JSON.stringify({ sni: (socket as TLSSocket & { servername?: string | false }).servername || null, host: req.headers.host ?? null, path: req.url ?? '', upgrade: req.headers.upgrade ?? null });
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${req.headers.upgrade ?? 'websocket'}\r\nconnection: upgrade\r\n\r\n${info}\n`);
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
    socket.on('error', () => socket.destroy());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    port,
    get requests() {
      return requests;
    },
    setCertificate(certPem: string, keyPem: string): void {
      server.setSecureContext(contextOptions(certPem, keyPem));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
