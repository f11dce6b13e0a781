/**
 * The messages between the primary and the workers of `lastmile serve --workers N`, over the IPC
 * channel node:cluster sets up. The primary asks, a worker answers (request ids pair them); a
 * worker also tells the primary once it has started. Plain JSON values: cluster's IPC channel
 * serializes with JSON.
 */
import type { AdminAnswer } from '../../admin/server.ts';

/** Marks our messages apart from anything else on the channel (cluster's own use `cmd: NODE_...`). */
export const CHANNEL = 'lastmile.workers';

/** Environment variable giving a worker the primary's admin URL (what it reports as its own). */
export const PRIMARY_ADMIN_URL_ENV = 'LASTMILE_PRIMARY_ADMIN_URL';

/**
 * Environment variable giving worker 0 the replica's identity in the status Lease (kubernetes
 * mode): chosen once by the primary, so a restarted worker 0 renews the Lease it held.
 */
export const REPLICA_IDENTITY_ENV = 'LASTMILE_REPLICA_IDENTITY';

/** A worker's readiness as its own /readyz would say it. */
export interface WorkerStatus {
  readonly ready: boolean;
  /** Why not ready (absent when ready). */
  readonly reason?: string;
  /** Configurations programmed since the worker started. */
  readonly generation: number;
}

/** One sample of a metric as prom-client's `getMetricsAsJSON` gives it. */
export interface MetricSample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** One metric family as prom-client's `getMetricsAsJSON` gives it. */
export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: MetricSample[];
}

/** What the primary can ask, and what each answer carries. */
export interface Operations {
  /** The worker's metrics and readiness (one round trip per scrape). */
  scrape: { request: Record<string, never>; reply: { metrics: MetricFamily[]; status: WorkerStatus } };
  /** Readiness only (/readyz). */
  status: { request: Record<string, never>; reply: WorkerStatus };
  /** Any admin read, answered by the worker's own admin API code (admin/server.ts answerAdmin). */
  admin: { request: { method: string; target: string }; reply: AdminAnswer };
  /** Re-read the configuration now (SIGHUP on the primary); answers once it was applied. */
  reload: { request: Record<string, never>; reply: WorkerStatus };
}

export type Operation = keyof Operations;

export interface RequestMessage<O extends Operation = Operation> {
  readonly channel: typeof CHANNEL;
  readonly id: number;
  readonly op: O;
  readonly args: Operations[O]['request'];
}

export type ReplyMessage =
  | { readonly channel: typeof CHANNEL; readonly id: number; readonly ok: true; readonly body: unknown }
  | { readonly channel: typeof CHANNEL; readonly id: number; readonly ok: false; readonly error: string };

/** Worker -> primary without a request: the gateway in the worker is up (admin state exists). */
export interface StartedMessage {
  readonly channel: typeof CHANNEL;
  readonly event: 'started';
}

function ours(message: unknown): message is Record<string, unknown> {
  return typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === CHANNEL;
}

export function isRequest(message: unknown): message is RequestMessage {
  return ours(message) && typeof message.id === 'number' && typeof message.op === 'string';
}

export function isReply(message: unknown): message is ReplyMessage {
  return ours(message) && typeof message.id === 'number' && typeof message.ok === 'boolean';
}

export function isStarted(message: unknown): message is StartedMessage {
  return ours(message) && message.event === 'started';
}
