/**
 * The worker side of `lastmile serve --workers N`: the gateway in this process opens no admin
 * listener of its own (the primary serves the one admin API on --admin-address); instead this
 * agent answers the primary's questions over the cluster IPC channel with the same admin code
 * (admin/server.ts answerAdmin) and the same metrics registry a single process would serve.
 */
import { answerAdmin, setAdminServerHook, type AdminAnswer, type AdminState } from '../../admin/server.ts';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { CHANNEL, isRequest, type MetricFamily, type Operations, type WorkerStatus } from './protocol.ts';

export interface WorkerAgent {
  /** The gateway is up: `reload` re-reads its configuration. Tells the primary. */
  started(reload: () => Promise<void>): void;
  /** Stops answering (the process is about to leave the cluster). */
  close(): void;
}

interface Captured {
  readonly state: AdminState;
  readonly metrics: GatewayMetrics;
}

function send(message: object): void {
  // The channel closes when the primary goes away or the worker disconnects: nothing to tell then.
  if (process.connected !== true || process.send === undefined) return;
  try {
    process.send(message);
  } catch {
    // Same: a closed channel.
  }
}

/**
 * Installs the agent before the gateway starts: `adminUrl` is where the primary serves the admin
 * API (what this worker's gateway reports as its own admin URL).
 */
export function startWorkerAgent(adminUrl: string): WorkerAgent {
  let captured: Captured | undefined;
  let reload: (() => Promise<void>) | undefined;
  setAdminServerHook((_address, state, metrics) => {
    captured = { state, metrics };
    // The state stays readable after close: a draining worker then says "shutting down".
    return { url: adminUrl, close: () => Promise.resolve() };
  });

  const status = (): WorkerStatus => {
    if (captured === undefined) return { ready: false, reason: 'starting', generation: 0 };
    const ready = captured.state.ready();
    return { ready, generation: captured.state.generation(), ...(ready ? {} : { reason: captured.state.notReadyReason?.() ?? 'no configuration programmed yet' }) };
  };

  const starting: AdminAnswer = { status: 503, contentType: 'text/plain', body: 'worker starting\n' };
  const handlers: { [O in keyof Operations]: (args: Operations[O]['request']) => Promise<Operations[O]['reply']> } = {
    status: () => Promise.resolve(status()),
    scrape: async () => ({ metrics: captured === undefined ? [] : ((await captured.metrics.registry.getMetricsAsJSON()) as unknown as MetricFamily[]), status: status() }),
    admin: (args) => (captured === undefined ? Promise.resolve(starting) : answerAdmin(args.method, args.target, captured.state, captured.metrics)),
    reload: async () => {
      await reload?.();
      return status();
    },
  };

  const onMessage = (message: unknown): void => {
    if (!isRequest(message)) return;
    const request = message;
    const handler = handlers[request.op] as ((args: unknown) => Promise<unknown>) | undefined;
    if (handler === undefined) {
      send({ channel: CHANNEL, id: request.id, ok: false, error: `unknown operation ${String(request.op)}` });
      return;
    }
    handler(request.args).then(
      (body) => send({ channel: CHANNEL, id: request.id, ok: true, body }),
      (err: unknown) => send({ channel: CHANNEL, id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  };
  process.on('message', onMessage);

  return {
    started(reloadFn) {
      reload = reloadFn;
      send({ channel: CHANNEL, event: 'started' });
    },
    close() {
      process.off('message', onMessage);
      setAdminServerHook(undefined);
    },
  };
}
