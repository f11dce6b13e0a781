/**
 * The admin API (design.md "Admin API"): health, readiness, metrics, Kubernetes-style reads of
 * every object with its computed status, and debug dumps. Loopback by default: it shows the
 * whole configuration (without secret values), which is not for the data-plane audience.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayIR } from '../ir/types.ts';
import type { HandshakeRecord } from '../observability/handshakes.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { Snapshot } from '../store/snapshot.ts';
import type { ComputedStatus } from '../translate/types.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { formatDiagnostic } from '../validation/diagnostic.ts';
import { redactIr } from './redact.ts';
import { parseResourcePath, readResources, statusObject } from './resources.ts';

/** What the admin API reads; called per admin request (cheap getters over the current state). */
export interface AdminState {
  ready(): boolean;
  snapshot(): Snapshot | undefined;
  statuses(): ReadonlyMap<string, ComputedStatus>;
  ir(): GatewayIR;
  diagnostics(): readonly Diagnostic[];
  /** Config generation (number of configs programmed). */
  generation(): number;
  /** The last upstream TLS handshakes, oldest first (`/debug/handshakes`); optional. */
  handshakes?(): readonly HandshakeRecord[];
  /** Why `ready()` is false, for the /readyz body; optional. */
  notReadyReason?(): string;
  /**
   * Kubernetes mode only: watch and status-write counters and the Lease state
   * (`/debug/kubernetes`; 404 when absent, i.e. in file mode).
   */
  kubernetes?(): unknown;
}

export interface AdminServer {
  /** e.g. `http://127.0.0.1:9901` */
  readonly url: string;
  close(): Promise<void>;
}

/** Splits `host:port` (`[v6]:port` for IPv6; a bare `:port` means 127.0.0.1). */
export function parseHostPort(value: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  if (m === null) throw new Error(`invalid address "${value}": expected HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid address "${value}": port out of range`);
  return { host: m[1] ?? (m[2] || defaultHost), port };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** Routes one admin request. Exported for tests. */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, state: AdminState, metrics: GatewayMetrics): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  const path = url.pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, statusObject(405, 'MethodNotAllowed', `${req.method ?? ''} is not supported: the admin API is read-only`));
    return;
  }
  switch (path) {
    case '/healthz':
      sendText(res, 200, 'text/plain', 'ok\n');
      return;
    case '/readyz':
      if (state.ready()) sendText(res, 200, 'text/plain', 'ok\n');
      else sendText(res, 503, 'text/plain', `not ready: ${state.notReadyReason?.() ?? 'no configuration programmed yet'}\n`);
      return;
    case '/metrics':
      sendText(res, 200, metrics.contentType, await metrics.text());
      return;
    case '/debug/config':
      send(res, 200, { generation: state.generation(), ir: redactIr(state.ir()) });
      return;
    case '/debug/diagnostics':
      send(res, 200, { diagnostics: state.diagnostics().map((d) => ({ ...d, text: formatDiagnostic(d) })) });
      return;
    case '/debug/handshakes':
      // Public certificate facts and the failure story only (observability/handshakes.ts).
      send(res, 200, { handshakes: state.handshakes?.() ?? [] });
      return;
    case '/debug/kubernetes':
      if (state.kubernetes === undefined) send(res, 404, statusObject(404, 'NotFound', 'not running in kubernetes mode (serve --provider kubernetes)'));
      else send(res, 200, state.kubernetes());
      return;
    default:
      break;
  }
  const q = parseResourcePath(path);
  if (q === undefined || 'notFound' in q) {
    send(res, 404, statusObject(404, 'NotFound', q?.notFound ?? 'the server could not find the requested resource'));
    return;
  }
  const answer = readResources(q, state.snapshot(), state.statuses());
  send(res, answer.status, answer.body);
}

/** Starts the admin server on `address` (HOST:PORT; port 0 picks a free port). */
export async function startAdminServer(address: string, state: AdminState, metrics: GatewayMetrics, onError?: (err: unknown) => void): Promise<AdminServer> {
  const { host, port } = parseHostPort(address);
  const server = http.createServer((req, res) => {
    handleAdmin(req, res, state, metrics).catch((err: unknown) => {
      onError?.(err);
      if (!res.headersSent) send(res, 500, statusObject(500, 'InternalError', 'internal error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const boundPort = a !== null && typeof a === 'object' ? a.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
