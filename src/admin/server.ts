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

/** One admin answer, before it is written to a socket (the primary of `serve --workers` relays these). */
export interface AdminAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A JSON answer, pretty-printed as every admin answer is. */
export function jsonAnswer(status: number, body: unknown): AdminAnswer {
  return { status, contentType: 'application/json', body: JSON.stringify(body, null, 2) + '\n' };
}

function text(status: number, contentType: string, body: string): AdminAnswer {
  return { status, contentType, body };
}

/** Writes an answer (JSON or text) with the admin API's headers. */
export function writeAdminAnswer(res: ServerResponse, answer: AdminAnswer, extraHeaders: Readonly<Record<string, string>> = {}): void {
  res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(answer.body), 'cache-control': 'no-store', ...extraHeaders });
  res.end(answer.body);
}

/**
 * Answers one admin request (`method`, and `target`: path with optional query) from `state`
 * and `metrics`, without a socket: the HTTP server below writes the answer, and a worker of
 * `serve --workers` sends it to the primary over IPC.
 */
export async function answerAdmin(method: string, target: string, state: AdminState, metrics: GatewayMetrics): Promise<AdminAnswer> {
  const path = new URL(target, 'http://admin').pathname;
  if (method !== 'GET' && method !== 'HEAD') {
    return jsonAnswer(405, statusObject(405, 'MethodNotAllowed', `${method} is not supported: the admin API is read-only`));
  }
  switch (path) {
    case '/healthz':
      return text(200, 'text/plain', 'ok\n');
    case '/readyz':
      if (state.ready()) return text(200, 'text/plain', 'ok\n');
      return text(503, 'text/plain', `not ready: ${state.notReadyReason?.() ?? 'no configuration programmed yet'}\n`);
    case '/metrics':
      return text(200, metrics.contentType, await metrics.text());
    case '/debug/config':
      return jsonAnswer(200, { generation: state.generation(), ir: redactIr(state.ir()) });
    case '/debug/diagnostics':
      return jsonAnswer(200, { diagnostics: state.diagnostics().map((d) => ({ ...d, text: formatDiagnostic(d) })) });
    case '/debug/handshakes':
      // Public certificate facts and the failure story only (observability/handshakes.ts).
      return jsonAnswer(200, { handshakes: state.handshakes?.() ?? [] });
    case '/debug/kubernetes':
      if (state.kubernetes === undefined) return jsonAnswer(404, statusObject(404, 'NotFound', 'not running in kubernetes mode (serve --provider kubernetes)'));
      return jsonAnswer(200, state.kubernetes());
    default:
      break;
  }
  const q = parseResourcePath(path);
  if (q === undefined || 'notFound' in q) {
    return jsonAnswer(404, statusObject(404, 'NotFound', q?.notFound ?? 'the server could not find the requested resource'));
  }
  const answer = readResources(q, state.snapshot(), state.statuses());
  return jsonAnswer(answer.status, answer.body);
}

/** Routes one admin request. Exported for tests. */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, state: AdminState, metrics: GatewayMetrics): Promise<void> {
  writeAdminAnswer(res, await answerAdmin(req.method ?? 'GET', req.url ?? '/', state, metrics));
}

/**
 * Replaces the admin listener of this process: called by startAdminServer with what the server
 * would serve; a returned AdminServer is used instead of listening on `address`. Set by a worker
 * of `serve --workers` (runner/workers/worker.ts), whose admin API is served by the primary:
 * the gateway core (runner/gateway-core.ts) starts its admin API the same way in every mode,
 * and this is the one place that sees its state and metrics.
 */
export type AdminServerHook = (address: string, state: AdminState, metrics: GatewayMetrics) => AdminServer | undefined;

let adminServerHook: AdminServerHook | undefined;

/** Installs (or, with undefined, removes) the process-wide {@link AdminServerHook}. */
export function setAdminServerHook(hook: AdminServerHook | undefined): void {
  adminServerHook = hook;
}

/** Starts the admin server on `address` (HOST:PORT; port 0 picks a free port). */
export async function startAdminServer(address: string, state: AdminState, metrics: GatewayMetrics, onError?: (err: unknown) => void): Promise<AdminServer> {
  const replaced = adminServerHook?.(address, state, metrics);
  if (replaced !== undefined) return replaced;
  return listenAdmin(address, (req, res) => handleAdmin(req, res, state, metrics), onError);
}

/**
 * An HTTP server on `address` (HOST:PORT; port 0 picks a free port) answering with `handle`; a
 * handler that throws gets a 500 status object (never its message: it could carry anything).
 * Shared by a gateway's own admin API and the primary's under `--workers`.
 */
export async function listenAdmin(address: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, onError?: (err: unknown) => void): Promise<AdminServer> {
  const { host, port } = parseHostPort(address);
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      onError?.(err);
      if (!res.headersSent) writeAdminAnswer(res, jsonAnswer(500, statusObject(500, 'InternalError', 'internal error')));
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
