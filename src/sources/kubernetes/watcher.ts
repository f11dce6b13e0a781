/**
 * List and watch one API resource, forever: the initial list (paginated), then a watch that
 * resumes from the last resourceVersion seen (events or bookmarks) after every disconnect, a
 * relist when the server says that version is gone (410), and exponential backoff with jitter
 * between failed attempts. This is the reflector loop of client-go, in small.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../api/meta.ts';
import { ApiError, type KubeClient } from './client.ts';
import { apiVersionOf, collectionPath, type ApiResource } from './resources.ts';
import type { KubeLogger } from './logger.ts';

/** Receives the resource's objects; every object already carries kind and apiVersion. */
export interface WatchSink {
  /** The complete set of the resource's objects (initial list and every relist). */
  replace(resource: ApiResource, objects: KubeObject[]): void;
  upsert(resource: ApiResource, object: KubeObject): void;
  remove(resource: ApiResource, object: KubeObject): void;
}

/** Counters a watcher keeps, for logs and metrics. */
export interface WatchStats {
  lists: number;
  relists: number;
  watches: number;
  events: number;
  bookmarks: number;
  /** Lines that were not JSON. */
  unparseable: number;
  /** JSON lines that were not a usable watch event (unknown type, no object, no name). */
  dropped: number;
  failures: number;
}

export interface WatcherOptions {
  /** Watch one namespace only (namespaced resources); default all namespaces. */
  readonly namespace?: string;
  /** Items per list page. Default 500. */
  readonly pageSize?: number;
  /** Server-side watch timeout; default a random 300–600 s so replicas do not reconnect in step. */
  readonly watchTimeoutSeconds?: () => number;
  /** First backoff delay after a failure; doubles up to maxBackoffMs, with ±50 % jitter. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Told when a list or watch answers 404 for the whole collection: the kind may no longer be
   * served (CRD removed, or its version no longer served). Discovery decides; this only asks
   * the source to run it now instead of at the next interval.
   */
  readonly onNotFound?: (resource: ApiResource) => void;
  readonly logger: KubeLogger;
}

/** Thrown inside the loop when the server no longer has our resourceVersion. */
class GoneError extends Error {}

interface WatchEvent {
  type?: string;
  object?: { kind?: string; code?: number; reason?: string; message?: string; metadata?: { name?: string; resourceVersion?: string } };
}

interface ListBody {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/** Exponential backoff with ±50 % jitter (failures counts from 1). */
export function backoffDelay(failures: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 20));
  return Math.round(base * (0.5 + Math.random()));
}

export class ResourceWatcher {
  readonly resource: ApiResource;
  readonly stats: WatchStats = { lists: 0, relists: 0, watches: 0, events: 0, bookmarks: 0, unparseable: 0, dropped: 0, failures: 0 };
  /** Resolves once the first complete list was delivered to the sink. */
  readonly synced: Promise<void>;
  /** Resolves once synced or stopped, whichever comes first (a stopped watcher never syncs). */
  readonly settled: Promise<void>;
  readonly #client: KubeClient;
  readonly #sink: WatchSink;
  readonly #options: WatcherOptions;
  readonly #abort = new AbortController();
  #markSynced!: () => void;
  #resourceVersion = '';
  #isSynced = false;
  #loop: Promise<void> | undefined;

  constructor(client: KubeClient, resource: ApiResource, sink: WatchSink, options: WatcherOptions) {
    this.#client = client;
    this.resource = resource;
    this.#sink = sink;
    this.#options = options;
    this.synced = new Promise((resolve) => (this.#markSynced = resolve));
    const signal = this.#abort.signal;
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    this.settled = Promise.race([this.synced, stopped]);
  }

  /** Whether the first complete list was delivered. */
  get isSynced(): boolean {
    return this.#isSynced;
  }

  /** The resourceVersion the next watch resumes from. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  #normalize(object: KubeObject): KubeObject {
    // Items of a typed list (core kinds) come without kind and apiVersion; watch events carry
    // them. Set both from the resource so every object downstream looks the same.
    object.kind = this.resource.kind;
    object.apiVersion = apiVersionOf(this.resource);
    // Server-side apply bookkeeping is often the largest part of an object and nothing reads it
    // (an update without it leaves the server's copy unchanged).
    delete object.metadata.managedFields;
    return object;
  }

  async #run(): Promise<void> {
    const { logger } = this.#options;
    const signal = this.#abort.signal;
    const initial = this.#options.initialBackoffMs ?? 500;
    const max = this.#options.maxBackoffMs ?? 30_000;
    let needList = true;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#list(signal);
          needList = false;
          this.#isSynced = true;
          this.#markSynced();
        }
        const started = Date.now();
        const events = await this.#watch(signal);
        failures = 0;
        // A server that ends every watch at once would make this a hot loop: treat an empty,
        // short-lived watch like a failure.
        if (events === 0 && Date.now() - started < 1000) throw new Error('watch closed without events');
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof GoneError || (error instanceof ApiError && error.status === 410)) {
          // 410 Gone: our resourceVersion was compacted away; only a fresh list is consistent.
          this.stats.relists++;
          logger.info({ kind: this.resource.kind, resourceVersion: this.#resourceVersion }, 'resourceVersion expired (410 Gone); relisting');
          needList = true;
          continue;
        }
        failures++;
        this.stats.failures++;
        if (error instanceof ApiError && error.status === 404) this.#options.onNotFound?.(this.resource);
        const delay = backoffDelay(failures, initial, max);
        logger.warn({ kind: this.resource.kind, err: (error as Error).message, retryInMs: delay }, needList ? 'list failed' : 'watch failed');
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          break;
        }
      }
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const path = collectionPath(this.resource, this.#options.namespace);
    const objects: KubeObject[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.#client.get<ListBody>(path, { limit: this.#options.pageSize ?? 500, continue: token }, signal);
      for (const item of page.items ?? []) objects.push(this.#normalize(item));
      token = page.metadata?.continue || undefined;
      if (resourceVersion === '') resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (token !== undefined);
    // Stopped while the last page was in flight: a stopped watcher delivers nothing more (the
    // source may already have removed this kind's objects).
    signal.throwIfAborted();
    this.stats.lists++;
    this.#resourceVersion = resourceVersion;
    this.#sink.replace(this.resource, objects);
  }

  /** One watch connection; returns the number of events it delivered. */
  async #watch(signal: AbortSignal): Promise<number> {
    const timeoutSeconds = this.#options.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
    this.stats.watches++;
    let count = 0;
    await this.#client.watch(
      collectionPath(this.resource, this.#options.namespace),
      { watch: 1, resourceVersion: this.#resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
      signal,
      // The server ends the stream after timeoutSeconds; silence beyond that means a dead peer.
      (timeoutSeconds + 30) * 1000,
      (line) => {
        if (this.#onLine(line)) count++;
      },
    );
    return count;
  }

  /** Applies one event line; returns whether it was a usable event. Throws GoneError on 410. */
  #onLine(line: string): boolean {
    if (this.#abort.signal.aborted) return false;
    let event: WatchEvent;
    try {
      event = JSON.parse(line) as WatchEvent;
    } catch {
      this.stats.unparseable++;
      this.#options.logger.warn({ kind: this.resource.kind, unparseable: this.stats.unparseable, length: line.length }, 'watch line is not JSON; skipped');
      return false;
    }
    const object = event.object;
    if (event.type === 'ERROR') {
      const code = object?.code ?? 0;
      if (code === 410) throw new GoneError(object?.message ?? 'resourceVersion too old');
      throw new ApiError(code, object?.reason ?? '', `watch ERROR event: ${object?.message ?? 'unknown'}`);
    }
    const rv = object?.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK' && rv !== undefined) {
      this.#resourceVersion = rv;
      this.stats.bookmarks++;
      return true;
    }
    if ((event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED') || !object?.metadata?.name || rv === undefined) {
      this.stats.dropped++;
      this.#options.logger.warn({ kind: this.resource.kind, type: event.type, dropped: this.stats.dropped }, 'unusable watch event dropped');
      return false;
    }
    this.#resourceVersion = rv;
    this.stats.events++;
    const normalized = this.#normalize(object as unknown as KubeObject);
    if (event.type === 'DELETED') this.#sink.remove(this.resource, normalized);
    else this.#sink.upsert(this.resource, normalized);
    return true;
  }
}
