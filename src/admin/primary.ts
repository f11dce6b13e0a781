/**
 * The admin API of `lastmile serve --workers N`, served by the primary on --admin-address: one
 * endpoint for the whole process group, as Envoy's and NGINX's stats endpoints are one per server
 * however many workers run. Same paths as a single process (server.ts), plus:
 *
 * - `/readyz`: 200 only when every worker is ready; the body names each worker and why it is not.
 * - `/metrics`: every worker's metrics aggregated (runner/workers/metrics.ts says how).
 * - `/debug/handshakes`, `/debug/diagnostics`: merged from all workers.
 * - `/debug/workers`: each worker's pid, state, readiness, restarts and last exit.
 * - `?worker=K` on any other path: that worker's own answer (e.g. `/metrics?worker=1`, unaggregated).
 * - every other read (`/debug/config`, Kubernetes-style object reads, `/debug/kubernetes`) is
 *   answered by the lowest-numbered running worker (worker 0 unless it is down): the workers
 *   build the same configuration from the same sources. The `x-lastmile-worker` header says which.
 */
import { jsonAnswer, listenAdmin, writeAdminAnswer, type AdminAnswer, type AdminServer } from './server.ts';
import { statusObject } from './resources.ts';

/** What the primary's admin API reads; each call asks the workers (with timeouts). */
export interface ClusterAdminSource {
  /** Number of worker slots (valid `?worker=` values are 0 .. count-1). */
  readonly count: number;
  readiness(): Promise<AdminAnswer>;
  metrics(): Promise<AdminAnswer>;
  workers(): Promise<AdminAnswer>;
  handshakes(): Promise<AdminAnswer>;
  diagnostics(): Promise<AdminAnswer>;
  /** Any other read, answered by worker `worker` (undefined: the lowest-numbered running one). */
  forward(method: string, target: string, worker: number | undefined): Promise<{ readonly answer: AdminAnswer; readonly worker: number }>;
}


/** Routes one request of the primary's admin API. Exported for tests. */
export async function answerPrimaryAdmin(method: string, target: string, source: ClusterAdminSource): Promise<{ answer: AdminAnswer; worker?: number }> {
  const url = new URL(target, 'http://admin');
  if (method !== 'GET' && method !== 'HEAD') {
    return { answer: jsonAnswer(405, statusObject(405, 'MethodNotAllowed', `${method} is not supported: the admin API is read-only`)) };
  }
  const workerParam = url.searchParams.get('worker');
  let worker: number | undefined;
  if (workerParam !== null) {
    worker = /^\d{1,3}$/.test(workerParam) ? Number(workerParam) : NaN;
    if (!(worker < source.count)) {
      return { answer: jsonAnswer(400, statusObject(400, 'BadRequest', `worker=${workerParam}: expected a worker index from 0 to ${source.count - 1}`)) };
    }
  }
  if (worker === undefined || url.pathname === '/debug/workers') {
    switch (url.pathname) {
      case '/healthz':
        // The primary answers: the process group is alive while it supervises.
        return { answer: { status: 200, contentType: 'text/plain', body: 'ok\n' } };
      case '/readyz':
        return { answer: await source.readiness() };
      case '/metrics':
        return { answer: await source.metrics() };
      case '/debug/workers':
        return { answer: await source.workers() };
      case '/debug/handshakes':
        return { answer: await source.handshakes() };
      case '/debug/diagnostics':
        return { answer: await source.diagnostics() };
      default:
        break;
    }
  }
  try {
    return await source.forward(method, target, worker);
  } catch (err) {
    return { answer: jsonAnswer(503, statusObject(503, 'ServiceUnavailable', err instanceof Error ? err.message : String(err))) };
  }
}

/** Starts the primary's admin server on `address` (HOST:PORT; port 0 picks a free port). */
export function startPrimaryAdminServer(address: string, source: ClusterAdminSource, onError?: (err: unknown) => void): Promise<AdminServer> {
  return listenAdmin(
    address,
    async (req, res) => {
      const { answer, worker } = await answerPrimaryAdmin(req.method ?? 'GET', req.url ?? '/', source);
      writeAdminAnswer(res, answer, worker !== undefined ? { 'x-lastmile-worker': String(worker) } : {});
    },
    onError,
  );
}
