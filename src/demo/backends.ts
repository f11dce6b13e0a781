/**
 * The demo's HTTPS backends: small node:https servers on loopback inside the demo process, each
 * answering every request with JSON about what it saw (SNI, Host, TLS version, the client
 * certificate), so a curl through the gateway shows what really reached the backend.
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { IssuedCertificate } from '../pki/generate.ts';

/** What a demo backend reports about a request. */
export interface BackendAnswer {
  /** Which demo backend answered. */
  readonly backend: string;
  /** The SNI the client (the gateway) sent, or null. */
  readonly sni: string | null;
  readonly host: string | null;
  readonly path: string;
  /** Negotiated TLS version as Node names it, e.g. `TLSv1.3`. */
  readonly tls: string | null;
  /** Subject of the client certificate the backend verified, or null when none was presented. */
  readonly clientCertificate: string | null;
}

export interface DemoBackendOptions {
  readonly name: string;
  readonly certificate: IssuedCertificate;
  /** Require a client certificate chaining to this CA (the mtls backend). */
  readonly clientCaPem?: string;
}

export interface DemoBackend {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

function clientSubject(socket: TLSSocket): string | null {
  const peer = socket.getPeerCertificate(false);
  if (peer === null || typeof peer !== 'object' || !('raw' in peer) || peer.raw === undefined) return null;
  // X509Certificate prints the subject as `CN=...` lines; one line reads better in JSON.
  return new X509Certificate(peer.raw).subject.split('\n').join(', ');
}

/** Starts one backend on 127.0.0.1 (a free port). */
export async function startDemoBackend(options: DemoBackendOptions): Promise<DemoBackend> {
  const server = https.createServer(
    {
      cert: options.certificate.certPem,
      key: options.certificate.keyPem,
      ALPNProtocols: ['http/1.1'],
      ...(options.clientCaPem !== undefined ? { ca: options.clientCaPem, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket as TLSSocket & { servername?: string | false };
      const answer: BackendAnswer = {
        backend: options.name,
        sni: socket.servername || null,
        host: req.headers.host ?? null,
        path: req.url ?? '',
        tls: socket.getProtocol(),
        clientCertificate: clientSubject(socket),
      };
      const body = JSON.stringify(answer, null, 2) + '\n';
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  );
  // A rejected handshake (the mtls backend without a client certificate) is the demo working.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    name: options.name,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
