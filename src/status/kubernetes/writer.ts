/**
 * Writes lastmile's computed statuses to the /status subresource of each object: read (from the
 * last snapshot, else GET), merge ours into theirs (merge.ts), skip when nothing but
 * lastTransitionTime would change, PUT with the object's resourceVersion, and on 409 Conflict
 * read again and retry. Only changes from what was last written are attempted, a few at a time,
 * with backoff on errors. Only the active replica (the Lease holder) writes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { objectKey, type KubeObject } from '../../api/meta.ts';
import type { Snapshot } from '../../store/snapshot.ts';
import { CONTROLLER_NAME, type ComputedStatus } from '../../translate/types.ts';
import { ApiError, type KubeClient } from '../../sources/kubernetes/client.ts';
import { silentLogger, type KubeLogger } from '../../sources/kubernetes/logger.ts';
import { apiVersionOf, objectPath, type ApiResource } from '../../sources/kubernetes/resources.ts';
import { backoffDelay } from '../../sources/kubernetes/watcher.ts';
import { hasOurEntries, mergeStatus, ROUTE_KINDS, sameIgnoringTransitionTimes, withoutOurEntries } from './merge.ts';

export interface StatusWriterOptions {
  readonly client: KubeClient;
  /** The served version of a kind (from discovery). */
  readonly resourceFor: (kind: string) => ApiResource | undefined;
  readonly controllerName?: string;
  /** Writes in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Re-reads after a 409 before giving up for this round (then backoff). Default 5. */
  readonly maxConflictRetries?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger?: KubeLogger;
}

/** Counters for logs, metrics and tests. */
export interface StatusWriterStats {
  writes: number;
  skippedNoop: number;
  conflicts: number;
  errors: number;
}

/** Desired state of one object: our computed status, or the removal of all our entries. */
interface Desired {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** undefined: remove our entries (route or policy we no longer compute status for). */
  readonly status: unknown;
}

const REMOVED = Symbol('removed');

export class StatusWriter {
  readonly stats: StatusWriterStats = { writes: 0, skippedNoop: 0, conflicts: 0, errors: 0 };
  readonly #options: StatusWriterOptions;
  readonly #controller: string;
  readonly #logger: KubeLogger;
  readonly #desired = new Map<string, Desired>();
  readonly #cache = new Map<string, KubeObject>();
  readonly #lastWritten = new Map<string, unknown>();
  readonly #queue = new Set<string>();
  readonly #inFlight = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #retryTimers = new Map<string, NodeJS.Timeout>();
  #active = false;
  #abort = new AbortController();
  #idleWaiters: (() => void)[] = [];

  constructor(options: StatusWriterOptions) {
    this.#options = options;
    this.#controller = options.controllerName ?? CONTROLLER_NAME;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Sets the desired statuses (a translation's output) and the snapshot they were computed from.
   * Routes and policies that carry our entries but are absent from `statuses` get them removed.
   */
  update(statuses: ReadonlyMap<string, ComputedStatus>, snapshot?: Snapshot): void {
    const next = new Map<string, Desired>();
    for (const [key, s] of statuses) next.set(key, { kind: s.kind, namespace: s.namespace, name: s.name, status: s.status });
    const removeOurs = (kind: string, namespace: string, name: string): void => {
      const key = objectKey(kind, namespace, name);
      if (!next.has(key) && (ROUTE_KINDS.has(kind) || kind === 'BackendTLSPolicy')) next.set(key, { kind, namespace, name, status: undefined });
    };
    for (const d of this.#desired.values()) if (d.status !== undefined) removeOurs(d.kind, d.namespace, d.name);
    if (snapshot) {
      this.#cache.clear();
      for (const kind of [...ROUTE_KINDS, 'BackendTLSPolicy', 'Gateway', 'GatewayClass']) {
        for (const { object } of snapshot.list(kind)) {
          const namespace = object.metadata.namespace ?? '';
          const name = object.metadata.name ?? '';
          this.#cache.set(objectKey(kind, namespace, name), object);
          if (hasOurEntries(kind, object.status, this.#controller)) removeOurs(kind, namespace, name);
        }
      }
    }
    this.#desired.clear();
    for (const [key, d] of next) {
      this.#desired.set(key, d);
      if (!this.#isWritten(key, d)) this.#enqueue(key);
    }
  }

  /** Starts (the Lease was won) or stops (lost) writing. Starting re-checks every object. */
  setActive(active: boolean): void {
    if (active === this.#active) return;
    this.#active = active;
    if (active) {
      this.#abort = new AbortController();
      // Another replica may have written since: forget what we think is written.
      this.#lastWritten.clear();
      for (const key of this.#desired.keys()) this.#enqueue(key);
    } else {
      this.#abort.abort();
      this.#queue.clear();
      for (const timer of this.#retryTimers.values()) clearTimeout(timer);
      this.#retryTimers.clear();
      this.#failures.clear();
      this.#notifyIdle();
    }
  }

  get active(): boolean {
    return this.#active;
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry (at once when inactive). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops writing and waits for requests in flight to end. */
  async stop(): Promise<void> {
    this.setActive(false);
    while (this.#inFlight.size > 0) await sleep(5);
  }

  #isIdle(): boolean {
    return this.#queue.size === 0 && this.#inFlight.size === 0 && this.#retryTimers.size === 0;
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #isWritten(key: string, d: Desired): boolean {
    if (!this.#lastWritten.has(key)) return false;
    const last = this.#lastWritten.get(key);
    if (d.status === undefined) return last === REMOVED;
    return last !== REMOVED && sameIgnoringTransitionTimes(last, d.status);
  }

  #enqueue(key: string): void {
    // Inactive: nothing to do now; becoming active re-checks every desired status.
    if (!this.#active) return;
    const timer = this.#retryTimers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.#retryTimers.delete(key);
    }
    this.#queue.add(key);
    this.#pump();
  }

  #pump(): void {
    const limit = this.#options.concurrency ?? 4;
    for (const key of this.#queue) {
      if (!this.#active || this.#inFlight.size >= limit) break;
      if (this.#inFlight.has(key)) continue; // re-queued while in flight: runs after
      this.#queue.delete(key);
      this.#inFlight.add(key);
      void this.#process(key).finally(() => {
        this.#inFlight.delete(key);
        this.#pump();
        this.#notifyIdle();
      });
    }
    this.#notifyIdle();
  }

  async #process(key: string): Promise<void> {
    const d = this.#desired.get(key);
    const resource = d && this.#options.resourceFor(d.kind);
    if (!d || !resource || !this.#active || this.#isWritten(key, d)) return;
    const signal = this.#abort.signal;
    try {
      await this.#write(key, d, resource, signal);
      this.#failures.delete(key);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 404) {
        this.#lastWritten.delete(key); // the object is gone; nothing to write
        return;
      }
      this.stats.errors++;
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = backoffDelay(failures, this.#options.initialBackoffMs ?? 500, this.#options.maxBackoffMs ?? 30_000);
      this.#logger.warn({ kind: d.kind, namespace: d.namespace, name: d.name, err: (error as Error).message, retryInMs: delay }, 'status write failed');
      this.#retryTimers.set(
        key,
        setTimeout(() => {
          this.#retryTimers.delete(key);
          this.#enqueue(key);
        }, delay),
      );
    }
  }

  async #write(key: string, d: Desired, resource: ApiResource, signal: AbortSignal): Promise<void> {
    const path = objectPath(resource, d.namespace, d.name);
    const maxConflicts = this.#options.maxConflictRetries ?? 5;
    let current = this.#cache.get(key);
    for (let conflicts = 0; ; ) {
      current ??= await this.#options.client.get<KubeObject>(path, undefined, signal);
      const merged = d.status === undefined
        ? { status: withoutOurEntries(d.kind, current.status, this.#controller), dropped: 0 }
        : mergeStatus(d.kind, current.status, d.status, this.#controller);
      const { status } = merged;
      if (merged.dropped > 0) {
        this.#logger.warn({ kind: d.kind, namespace: d.namespace, name: d.name, dropped: merged.dropped }, 'status list full; our further entries are not written');
      }
      if (status === undefined || sameIgnoringTransitionTimes(status, current.status)) {
        this.stats.skippedNoop++;
        this.#lastWritten.set(key, d.status ?? REMOVED);
        return;
      }
      try {
        await this.#options.client.put(`${path}/status`, { ...current, apiVersion: apiVersionOf(resource), kind: d.kind, status }, signal);
        this.stats.writes++;
        this.#lastWritten.set(key, d.status ?? REMOVED);
        this.#logger.debug({ kind: d.kind, namespace: d.namespace, name: d.name }, 'status written');
        return;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409) || ++conflicts > maxConflicts) throw error;
        // Someone wrote the object since we read it: read it again and merge again.
        this.stats.conflicts++;
        current = undefined;
        this.#cache.delete(key);
      }
    }
  }
}
