/**
 * The primary process of `lastmile serve --workers N`: serves the one admin API on
 * --admin-address (admin/primary.ts over cluster-admin.ts), forks and supervises the N workers
 * (supervisor.ts), turns SIGHUP into a reload in every worker (answered, so it can say when all
 * applied it), and on SIGINT/SIGTERM turns not ready, stops every worker (each drains its
 * in-flight requests) and exits. It never touches traffic: the workers own the listener ports.
 */
import { startPrimaryAdminServer } from '../../admin/primary.ts';
import type { AdminServer } from '../../admin/server.ts';
import { ClusterAdmin } from './cluster-admin.ts';
import { PRIMARY_ADMIN_URL_ENV } from './protocol.ts';
import { Supervisor } from './supervisor.ts';

/** How long a reload in one worker may take before the primary reports it as unanswered. */
const RELOAD_TIMEOUT_MS = 60_000;
/** How often the primary checks, after start-up, whether every worker is ready (to say so once). */
const READY_POLL_MS = 200;

export interface PrimaryOptions {
  readonly workers: number;
  /** HOST:PORT of the admin API. */
  readonly adminAddress: string;
  /** Extra environment for every worker. */
  readonly env?: Readonly<Record<string, string>>;
  /** One human line on stderr. */
  readonly log: (line: string) => void;
  /** Resolves with the signal name on SIGINT/SIGTERM. */
  readonly untilStopped: () => Promise<string>;
  /** How long workers may take to drain before they are killed (their own deadline is 10 s). */
  readonly stopDeadlineMs?: number;
  /** Worker restart delays (tests shorten them). */
  readonly restartDelayMs?: { readonly min: number; readonly max: number };
}

/** The listeners worker 0 programmed, from its /debug/config; best effort. */
async function listenerNames(admin: ClusterAdmin): Promise<string[]> {
  try {
    const { answer } = await admin.forward('GET', '/debug/config', undefined);
    const body = JSON.parse(answer.body) as { ir?: { listeners?: { name?: string; protocol?: string }[] } };
    return (body.ir?.listeners ?? []).map((l) => `${l.protocol ?? ''} ${l.name ?? ''}`.trim());
  } catch {
    return [];
  }
}

/** Runs the primary until a stop signal; resolves with the exit code (1 when a worker could not start). */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { log } = options;
  let fatal: string | undefined;
  let stopNow!: (why: string) => void;
  const fatalStop = new Promise<string>((resolve) => (stopNow = resolve));
  // Listen before anything starts: a signal during start-up must still stop the workers.
  const stopped = Promise.race([options.untilStopped(), fatalStop]);

  const supervisor = new Supervisor({
    count: options.workers,
    log,
    ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
    // Exits happen only after start(), when `cluster` is set.
    onExit: (index) => cluster.workerExited(index),
    onFatal: (message) => {
      fatal = message;
      stopNow('fatal');
    },
  });
  const cluster = new ClusterAdmin(supervisor);
  const server: AdminServer = await startPrimaryAdminServer(options.adminAddress, cluster, (err) => log(`lastmile: admin request failed: ${err instanceof Error ? err.message : String(err)}`));
  supervisor.start({ ...options.env, [PRIMARY_ADMIN_URL_ENV]: server.url });
  log(`lastmile: admin API at ${server.url} for ${options.workers} workers (/healthz, /readyz, /metrics, /debug/workers, /api/v1/..., /apis/...; ?worker=K for one worker's own answer)`);

  // Say once when every worker is ready, with the listeners (as a single process does).
  let announced = false;
  const announce = async (): Promise<void> => {
    while (!announced && !supervisor.stopping) {
      const reports = await cluster.reports();
      if (reports.every((r) => r.status?.ready === true)) {
        announced = true;
        const listeners = await listenerNames(cluster);
        log(`lastmile: ${options.workers} workers ready; listening on ${listeners.length > 0 ? listeners.join(', ') : '(no listener programmed; see the log)'}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS).unref());
    }
  };
  void announce();

  const onHangup = (): void => {
    const slots = supervisor.slots();
    log(`lastmile: SIGHUP: reloading ${slots.length} workers`);
    void Promise.all(
      slots.map(async (s) => {
        // A worker that is down or still starting reads the configuration as it is when it starts.
        if (s.state === 'down') return `worker ${s.index} is restarting (it will read the current configuration)`;
        try {
          const status = await supervisor.request(s.index, 'reload', {}, RELOAD_TIMEOUT_MS);
          if (s.state === 'starting' && status.generation === 0) return `worker ${s.index} is starting (it will read the current configuration)`;
          return `worker ${s.index} reloaded (generation ${status.generation}${status.ready ? '' : `, not ready: ${status.reason ?? ''}`})`;
        } catch (err) {
          return `worker ${s.index} did not reload: ${err instanceof Error ? err.message : String(err)}`;
        }
      }),
    ).then((lines) => log(`lastmile: SIGHUP: ${lines.join('; ')}`));
  };
  process.on('SIGHUP', onHangup);
  try {
    const signal = await stopped;
    if (fatal !== undefined) log(`lastmile: ${fatal}; stopping`);
    else log(`lastmile: ${signal}: stopping ${options.workers} workers (each drains its in-flight requests)`);
    await supervisor.stop(options.stopDeadlineMs ?? 15_000);
  } finally {
    process.off('SIGHUP', onHangup);
    await server.close();
  }
  log('lastmile: stopped');
  return fatal !== undefined ? 1 : 0;
}
