/**
 * `lastmile serve --workers N`: N worker processes (node:cluster), each a whole gateway that reads
 * the same config and builds the same IR (translation is deterministic), sharing nothing else
 * (design.md "Performance design"). Each worker binds the listener ports itself with SO_REUSEPORT,
 * so the kernel spreads connections without the primary in the path.
 *
 * Admin API and metrics are per worker: worker 0 serves on the configured admin address, worker k
 * on that port + k (port 0 stays 0). Scrape every worker and sum (BENCHMARKS.md "Data plane").
 * The primary only supervises: it restarts a worker that dies, forwards SIGHUP (reload), and on
 * SIGINT/SIGTERM stops the workers (each drains its in-flight requests) and exits.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

/** Environment a worker gets: its index (also what turns on SO_REUSEPORT in listener.ts). */
export const WORKER_INDEX_ENV = 'LASTMILE_WORKER_INDEX';

/** This process's worker index, or undefined outside a worker. */
export function workerIndex(): number | undefined {
  const v = process.env[WORKER_INDEX_ENV];
  return cluster.isWorker && v !== undefined ? Number(v) : undefined;
}

/** The admin address of worker `index` (HOST:PORT with the port shifted by the index). */
export function workerAdminAddress(address: string, index: number): string {
  const m = /^(.*):(\d+)$/.exec(address);
  if (m === null || index === 0 || m[2] === '0') return address;
  return `${m[1]}:${Number(m[2]) + index}`;
}

/** Runs the primary until a stop signal; resolves with the exit code. */
export function runPrimary(workers: number, log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const byIndex = new Map<Worker, number>();
    const fork = (index: number): void => {
      const w = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
      byIndex.set(w, index);
    };
    cluster.on('exit', (w, code, signal) => {
      const index = byIndex.get(w);
      byIndex.delete(w);
      if (stopping) {
        if (byIndex.size === 0) resolve(0);
        return;
      }
      log(`lastmile: worker ${index} exited (${signal ?? code}); restarting it`);
      if (index !== undefined) setTimeout(() => fork(index), 500).unref();
    });
    for (let i = 0; i < workers; i++) fork(i);
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      log(`lastmile: ${signal}: stopping ${byIndex.size} workers`);
      if (byIndex.size === 0) resolve(0);
      for (const w of byIndex.keys()) w.process.kill('SIGTERM');
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', () => {
      for (const w of byIndex.keys()) w.process.kill('SIGHUP');
    });
  });
}

/** A worker that finished draining lets go of the IPC channel, which would keep it alive. */
export function leaveCluster(): void {
  if (cluster.isWorker) cluster.worker?.disconnect();
}
