/**
 * Test fixtures for the upstream engine (imported by *.test.ts only): fresh PKI, TLS echo
 * backends that report what they saw (SNI, Host, client certificate), a plain node:http front
 * server that calls the engine, and IR builders. Loopback only.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createCa } from '../../pki/generate.ts';
import type { CertificateAuthority, IssuedCertificate } from '../../pki/generate.ts';
import type { BackendIR, EndpointIR, GatewayIR, UpstreamTlsProfileIR } from '../../ir/types.ts';
import type { ProxyOutcome, ProxyRequest, Upstream } from './engine.ts';

const DAY = 24 * 60 * 60 * 1000;

/** The certificates the tests need, generated fresh per run. */
export interface Pki {
  readonly ca: CertificateAuthority;
  readonly otherCa: CertificateAuthority;
  /** DNS api.test and *.wild.test, URI spiffe://cluster.local/ns/default/sa/api. */
  readonly leaf: IssuedCertificate;
  readonly expired: IssuedCertificate;
  readonly notYetValid: IssuedCertificate;
  /** Signed by otherCa. */
  readonly untrusted: IssuedCertificate;
  /** A client certificate (the Gateway's) signed by ca. */
  readonly client: IssuedCertificate;
}

export const spiffeId = 'spiffe://cluster.local/ns/default/sa/api';

export async function makePki(): Promise<Pki> {
  const [ca, otherCa] = await Promise.all([createCa({ commonName: 'lastmile test CA' }), createCa({ commonName: 'unrelated CA' })]);
  const now = Date.now();
  const [leaf, expired, notYetValid, untrusted, client] = await Promise.all([
    ca.issue({ dnsNames: ['api.test', '*.wild.test'], uris: [spiffeId] }),
    ca.issue({ dnsNames: ['api.test'], notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY) }),
    ca.issue({ dnsNames: ['api.test'], notBefore: new Date(now + DAY), notAfter: new Date(now + 10 * DAY) }),
    otherCa.issue({ dnsNames: ['api.test'] }),
    ca.issue({ commonName: 'gateway-client', usage: 'client' }),
  ]);
  return { ca, otherCa, leaf, expired, notYetValid, untrusted, client };
}

/** What the echo backend answers on `/echo`. */
export interface Echo {
  readonly sni: string | false | null;
  readonly host: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly clientCert: string | null;
  readonly headers: http.IncomingHttpHeaders;
}

/** A running test backend. */
export interface TestBackend {
  readonly port: number;
  readonly endpoint: EndpointIR;
  /** TLS connections accepted (full or resumed handshakes). */
  readonly secureConnections: () => number;
  readonly resumedConnections: () => number;
  close(): Promise<void>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Handles the test routes: `/echo`, `/slow?ms=N`, `/download?bytes=N` (deterministic content),
 * `/upload` (answers the sha256 of the body), `/trailers`, `/hop` (hop-by-hop response headers),
 * `/hangup` (closes before answering), `/truncate` (closes in the middle of the body).
 */
export function testRoutes(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const socket = req.socket as TLSSocket;
  if (url.pathname === '/slow') {
    const timer = setTimeout(() => res.end('late'), Number(url.searchParams.get('ms') ?? '2000'));
    res.on('close', () => clearTimeout(timer));
    return;
  }
  if (url.pathname === '/download') {
    const total = Number(url.searchParams.get('bytes') ?? '0');
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    const write = (): void => {
      while (sent < total) {
        const n = Math.min(65536, total - sent);
        const chunk = Buffer.alloc(n, sent % 251);
        sent += n;
        if (!res.write(chunk)) {
          res.once('drain', write);
          return;
        }
      }
      res.end();
    };
    write();
    return;
  }
  if (url.pathname === '/upload') {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    req.on('end', () => res.end(JSON.stringify({ sha256: hash.digest('hex'), bytes })));
    return;
  }
  if (url.pathname === '/trailers') {
    res.writeHead(200, { trailer: 'x-checksum' });
    res.write('body');
    res.addTrailers({ 'x-checksum': 'abc' });
    res.end();
    return;
  }
  if (url.pathname === '/hangup') {
    req.socket.destroy();
    return;
  }
  if (url.pathname === '/truncate') {
    res.writeHead(200, { 'content-length': '100000' });
    res.write(Buffer.alloc(1000, 1), () => setTimeout(() => req.socket.destroy(), 20));
    return;
  }
  if (url.pathname === '/hop') {
    res.writeHead(200, { connection: 'x-private, keep-alive', 'x-private': 'secret', 'keep-alive': 'timeout=5', 'proxy-thing': '1', 'x-kept': 'yes' });
    res.end('ok');
    return;
  }
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const echo: Echo = {
    sni: typeof socket.getPeerCertificate === 'function' ? socket.servername : null,
    host: req.headers.host,
    method: req.method ?? '',
    url: req.url ?? '',
    clientCert: peer !== undefined && peer.subject !== undefined ? `CN=${String(peer.subject.CN)}` : null,
    headers: req.headers,
  };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(echo));
}

/** Starts an HTTPS echo backend with `cert`; `clientCa` makes it require a client certificate. */
export async function startTlsBackend(cert: IssuedCertificate, options: { clientCa?: string } = {}): Promise<TestBackend> {
  const server = https.createServer(
    {
      cert: cert.certPem,
      key: cert.keyPem,
      ...(options.clientCa === undefined ? {} : { ca: options.clientCa, requestCert: true, rejectUnauthorized: true }),
    },
    testRoutes,
  );
  let secure = 0;
  let resumed = 0;
  server.on('secureConnection', (s: TLSSocket) => {
    secure++;
    if (s.isSessionReused()) resumed++;
  });
  attachEchoUpgrade(server);
  return listen(server, () => secure, () => resumed);
}

/** Starts a plain HTTP backend with the same routes. */
export async function startPlainBackend(): Promise<TestBackend> {
  const server = http.createServer(testRoutes);
  attachEchoUpgrade(server);
  return listen(server, () => 0, () => 0);
}

/** A raw upgrade handler: answers 101 and echoes every byte back, prefixed once with `hello:`. */
function attachEchoUpgrade(server: http.Server): void {
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    if (req.headers.upgrade !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno');
      return;
    }
    const sni = (req.socket as TLSSocket).servername ?? '';
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nx-sni: ${sni}\r\n\r\nhello:`);
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
    socket.on('error', () => socket.destroy());
  });
}

async function listen(server: http.Server, secure: () => number, resumed: () => number): Promise<TestBackend> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpoint: { address: '127.0.0.1', port },
    secureConnections: secure,
    resumedConnections: resumed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Builds a profile; its id is a content hash like translation's (so a new CA gives a new id). */
export function tlsProfile(fields: Partial<Omit<UpstreamTlsProfileIR, 'id'>> & { caPem?: string }): UpstreamTlsProfileIR {
  const { caPem, ...rest } = fields;
  const body: Omit<UpstreamTlsProfileIR, 'id'> = {
    policy: { namespace: 'default', name: 'api-tls' },
    sni: 'api.test',
    trust: caPem === undefined ? { kind: 'system' } : { kind: 'bundle', caPem, sources: ['ConfigMap/default/ca'] },
    verify: { kind: 'hostname', hostname: 'api.test' },
    alpn: ['http/1.1'],
    ...rest,
  };
  return { id: sha256(JSON.stringify(body)).slice(0, 16), ...body };
}

/** A backend IR. */
export function backendIR(endpoints: readonly EndpointIR[], extra: Partial<BackendIR> = {}): BackendIR {
  return {
    name: 'Service/default/api:443',
    service: { namespace: 'default', name: 'api', port: 443 },
    endpoints,
    protocol: 'http1',
    ...extra,
  };
}

/** A GatewayIR that routes to `backends` (for update()). */
export function gatewayIR(backends: readonly BackendIR[]): GatewayIR {
  return {
    listeners: [
      {
        name: '127.0.0.1:0',
        address: '127.0.0.1',
        port: 0,
        protocol: 'HTTP',
        certificates: [],
        virtualHosts: [
          {
            hostname: '*',
            routes: [
              {
                name: 'HTTPRoute/default/r/rule/0/match/0',
                route: { kind: 'HTTPRoute', namespace: 'default', name: 'r', rule: 0 },
                gateway: { namespace: 'default', name: 'gw', listener: 'http' },
                match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
                filters: {},
                backends: backends.map((backend) => ({ weight: 1, filters: {}, backend })),
                timeouts: {},
              },
            ],
          },
        ],
      },
    ],
  };
}

/** A front server: every request goes to `target(req)` through the engine; outcomes are recorded. */
export interface Front {
  readonly port: number;
  readonly outcomes: ProxyOutcome[];
  /** Resolves with the next outcome recorded. */
  nextOutcome(): Promise<ProxyOutcome>;
  close(): Promise<void>;
}

function hopFree(headers: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection'].includes(name)) continue;
    out[name] = value;
  }
  return out;
}

export async function startFront(engine: Upstream, target: (req: http.IncomingMessage) => Partial<ProxyRequest> & { backend: BackendIR }): Promise<Front> {
  const outcomes: ProxyOutcome[] = [];
  const waiters: ((o: ProxyOutcome) => void)[] = [];
  const record = (o: ProxyOutcome): void => {
    outcomes.push(o);
    waiters.shift()?.(o);
  };
  const build = (req: http.IncomingMessage): ProxyRequest => ({
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: hopFree(req.headers),
    timeouts: {},
    routeName: 'test',
    ...target(req),
  });
  const server = http.createServer((req, res) => engine.proxy(req, res, build(req), record));
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => engine.upgrade(req, socket, head, build(req), record));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    outcomes,
    nextOutcome: () => new Promise<ProxyOutcome>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A response read fully. */
export interface Fetched {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly trailers: NodeJS.Dict<string>;
}

/** One HTTP request to the front server (fresh connection, 10 s cap). */
export function fetchFront(
  port: number,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | ((req: http.ClientRequest) => void) } = {},
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('test request timed out')));
    req.on('error', reject);
    if (typeof options.body === 'function') options.body(req);
    else req.end(options.body);
  });
}
