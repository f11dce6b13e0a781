/**
 * The Kubernetes source: discovers the served versions, lists and watches every kind lastmile
 * reads into a ClusterStore, and reports ready once every initial list is in.
 *
 * ConfigMaps and Secrets: one watch per kind over all of them, dropping the unreferenced ones as
 * they arrive (ClusterStore), and a GET by name when a reference appears later. Chosen over
 * one watch per referenced name (fieldSelector=metadata.name=...) because that needs a
 * connection per referenced object and a watch restart on every reference change, and its
 * resourceVersion bookkeeping multiplies with the references; with one watch per kind the
 * cost is bytes read and parsed, not memory kept: Secret data lastmile does not use never
 * stays in the process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../api/meta.ts';
import type { Snapshot } from '../../store/snapshot.ts';
import { ApiError, type KubeClient } from './client.ts';
import { ClusterStore } from './cluster-store.ts';
import type { KubeLogger } from './logger.ts';
import { silentLogger } from './logger.ts';
import { FILTERED_KINDS } from './references.ts';
import { discoverResources, objectPath, type ApiResource } from './resources.ts';
import { backoffDelay, ResourceWatcher, type WatcherOptions, type WatchStats } from './watcher.ts';

export interface KubernetesSourceOptions {
  readonly client: KubeClient;
  /** Watch one namespace only (cluster-scoped GatewayClasses are always watched). */
  readonly namespace?: string;
  readonly onSnapshot: (snapshot: Snapshot) => void;
  readonly logger?: KubeLogger;
  /** Quiet period before a snapshot is published. Default 50 ms. */
  readonly debounceMs?: number;
  /** Tuning for tests: backoff, watch timeout, list page size. */
  readonly watch?: Partial<Omit<WatcherOptions, 'logger' | 'namespace'>>;
}

export class KubernetesSource {
  /** Resolves once discovery is done and every resource completed its initial list. */
  readonly ready: Promise<void>;
  readonly store: ClusterStore;
  readonly #options: KubernetesSourceOptions;
  readonly #logger: KubeLogger;
  readonly #abort = new AbortController();
  readonly #watchers = new Map<string, ResourceWatcher>();
  #resources = new Map<string, ApiResource>();
  #markReady!: () => void;
  #run: Promise<void> | undefined;

  constructor(options: KubernetesSourceOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.store = new ClusterStore({
      onSnapshot: options.onSnapshot,
      debounceMs: options.debounceMs,
      fetchMissing: (kind, namespace, name) => void this.#fetchMissing(kind, namespace, name),
    });
  }

  /** Starts discovery, lists and watches (in the background; await `ready`). */
  start(): void {
    this.#run ??= this.#start();
  }

  /** Whether every initial list is in. */
  isReady(): boolean {
    return this.store.ready;
  }

  /** The served version of a kind, once discovered. */
  resourceFor(kind: string): ApiResource | undefined {
    return this.#resources.get(kind);
  }

  /** Counters per kind (lists, relists, events, unparseable and dropped lines). */
  stats(): Record<string, WatchStats> {
    const out: Record<string, WatchStats> = {};
    for (const [kind, watcher] of this.#watchers) out[kind] = { ...watcher.stats };
    return out;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.store.close();
    await this.#run;
    await Promise.all([...this.#watchers.values()].map((w) => w.stop()));
  }

  async #start(): Promise<void> {
    const signal = this.#abort.signal;
    const discovered = await this.#discover(signal);
    if (!discovered) return;
    for (const kind of discovered.missing) {
      this.#logger.warn({ kind }, 'kind not served by the cluster (CRD not installed?); treated as empty');
    }
    const watchOptions: WatcherOptions = { ...this.#options.watch, namespace: this.#options.namespace, logger: this.#logger };
    const start = (resource: ApiResource): ResourceWatcher => {
      const watcher = new ResourceWatcher(this.#options.client, resource, this.store, watchOptions);
      this.#watchers.set(resource.kind, watcher);
      watcher.start();
      return watcher;
    };
    // Referrers first: when ConfigMaps and Secrets are listed, the store already knows which are
    // referenced and drops the rest without fetching anything twice.
    const first = discovered.resources.filter((r) => !FILTERED_KINDS.has(r.kind)).map(start);
    await Promise.race([Promise.all(first.map((w) => w.synced)), aborted(signal)]);
    if (signal.aborted) return;
    const second = discovered.resources.filter((r) => FILTERED_KINDS.has(r.kind)).map(start);
    await Promise.race([Promise.all(second.map((w) => w.synced)), aborted(signal)]);
    if (signal.aborted) return;
    this.store.setReady();
    this.#logger.info({ objects: this.store.size, droppedUnreferenced: this.store.droppedUnreferenced }, 'initial lists complete');
    this.#markReady();
  }

  async #discover(signal: AbortSignal): Promise<{ resources: readonly ApiResource[]; missing: readonly string[] } | undefined> {
    for (let failures = 1; !signal.aborted; failures++) {
      try {
        const result = await discoverResources(this.#options.client, signal);
        this.#resources = new Map(result.resources.map((r) => [r.kind, r]));
        return result;
      } catch (error) {
        if (signal.aborted) return undefined;
        const delay = backoffDelay(failures, this.#options.watch?.initialBackoffMs ?? 500, this.#options.watch?.maxBackoffMs ?? 30_000);
        this.#logger.warn({ err: (error as Error).message, retryInMs: delay }, 'API discovery failed');
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          return undefined;
        }
      }
    }
    return undefined;
  }

  /** GETs a ConfigMap/Secret that just became referenced (its watch dropped it earlier). */
  async #fetchMissing(kind: string, namespace: string, name: string): Promise<void> {
    const resource = this.#resources.get(kind);
    const watcher = this.#watchers.get(kind);
    // Before its initial list the object will arrive with that list; nothing to fetch.
    if (!resource || !watcher || !watcher.isSynced) {
      this.store.fetched(kind, namespace, name, undefined);
      return;
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const object = await this.#options.client.get<KubeObject>(objectPath(resource, namespace, name), undefined, this.#abort.signal);
        object.kind = kind;
        object.apiVersion = resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
        this.store.fetched(kind, namespace, name, object);
        return;
      } catch (error) {
        if (this.#abort.signal.aborted || (error instanceof ApiError && error.status === 404)) break;
        this.#logger.warn({ kind, namespace, name, err: (error as Error).message, attempt }, 'fetching a referenced object failed');
        try {
          await sleep(backoffDelay(attempt, 200, 5000), undefined, { signal: this.#abort.signal });
        } catch {
          break;
        }
      }
    }
    this.store.fetched(kind, namespace, name, undefined);
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
