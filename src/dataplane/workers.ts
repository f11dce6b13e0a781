/**
 * What the data plane needs to know about `lastmile serve --workers N` (node:cluster): whether this
 * process is worker k. Each worker is a whole gateway that reads the same config and builds the
 * same IR (translation is deterministic), sharing nothing else (design.md "Performance design"),
 * and binds the listener ports itself with SO_REUSEPORT (server/listener.ts reads the variable
 * below), so the kernel spreads connections without the primary in the path.
 *
 * The primary (runner/workers/primary.ts) supervises the workers and serves the one admin API.
 */
import cluster from 'node:cluster';

/** Environment a worker gets: its index (also what turns on SO_REUSEPORT in listener.ts). */
export const WORKER_INDEX_ENV = 'LASTMILE_WORKER_INDEX';

/** This process's worker index, or undefined outside a worker. */
export function workerIndex(): number | undefined {
  const v = process.env[WORKER_INDEX_ENV];
  return cluster.isWorker && v !== undefined ? Number(v) : undefined;
}

/** A worker that finished draining lets go of the IPC channel, which would keep it alive. */
export function leaveCluster(): void {
  if (cluster.isWorker) cluster.worker?.disconnect();
}
