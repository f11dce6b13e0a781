/**
 * The Kubernetes source: discovers the served versions, lists and watches every kind lastmile
 * reads into a ClusterStore, and reports ready once every initial list is in.
 *
 * Discovery runs again every `rediscoverMs` (and at once when a watch answers 404), because CRDs
 * come and go while the gateway runs: installed after it (Helm ordering), moved to another
 * version (Gateway API v1.4 serves BackendTLSPolicy at v1, older channels at v1alpha3), or
 * removed. A kind that appears is listed and watched; one whose served version changes is
 * watched at the new version (its objects stay until the new list replaces them); one that goes
 * away stops being watched and its objects leave the store. Periodic discovery was chosen over
 * watching CustomResourceDefinitions because it needs no extra RBAC (discovery is open to every
 * authenticated user) and also covers aggregated APIs; it costs one or two GETs per interval.
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
import { apiVersionOf, diffResources, discoverResources, objectPath, type ApiResource, type DiscoveryResult } from './resources.ts';
import { backoffDelay, ResourceWatcher, type WatcherOptions, type WatchSink, type WatchStats } from './watcher.ts';

export interface KubernetesSourceOptions {
  readonly client: KubeClient;
  /** Watch one namespace only (cluster-scoped GatewayClasses are always watched). */
  readonly namespace?: string;
  readonly onSnapshot: (snapshot: Snapshot) => void;
  readonly logger?: KubeLogger;
  /** Quiet period before a snapshot is published. Default 50 ms. */
  readonly debounceMs?: number;
  /** Tuning for tests: backoff, watch timeout, list page size. */
  readonly watch?: Partial<Omit<WatcherOptions, 'logger' | 'namespace' | 'onNotFound'>>;
  /**
   * How often API discovery runs again, to notice kinds installed, removed or moved to another
   * version after start-up. Default 30 s (±20 %).
   */
  readonly rediscoverMs?: number;
}

export class KubernetesSource {
  /** Resolves once discovery is done and every resource completed its initial list. */
  readonly ready: Promise<void>;
  readonly store: ClusterStore;
  readonly #options: KubernetesSourceOptions;
  readonly #logger: KubeLogger;
  readonly #abort = new AbortController();
  /** The current watcher of each kind; a replaced or removed watcher is no longer here. */
  readonly #watchers = new Map<string, ResourceWatcher>();
  /** Watchers being stopped after a kind went away or changed version (stop() awaits them). */
  readonly #stopping = new Set<Promise<void>>();
  #resources = new Map<string, ApiResource>();
  #markReady!: () => void;
  #run: Promise<void> | undefined;
  #rediscovery: Promise<void> | undefined;
  /** Set when a re-discovery was asked for (a 404) before the loop was waiting. */
  #wakeRequested = false;
  #wake: (() => void) | undefined;

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
    this.#wake?.();
    await this.#run;
    await this.#rediscovery;
    await Promise.all([...this.#watchers.values()].map((w) => w.stop()));
    await Promise.all([...this.#stopping]);
  }

  /** Starts the list and watch of one resource; its events reach the store only while it is current. */
  #startWatcher(resource: ApiResource): ResourceWatcher {
    const options: WatcherOptions = {
      ...this.#options.watch,
      namespace: this.#options.namespace,
      logger: this.#logger,
      onNotFound: () => this.#requestRediscovery(),
    };
    // A replaced watcher may still have a list page or an event line in flight; gating on
    // "still the current watcher of its kind" keeps it from resurrecting removed objects.
    const current = (): boolean => this.#watchers.get(resource.kind) === watcher;
    const sink: WatchSink = {
      replace: (r, objects) => current() && this.store.replace(r, objects),
      upsert: (r, object) => current() && this.store.upsert(r, object),
      remove: (r, object) => current() && this.store.remove(r, object),
    };
    const watcher = new ResourceWatcher(this.#options.client, resource, sink, options);
    const previous = this.#watchers.get(resource.kind);
    this.#watchers.set(resource.kind, watcher);
    if (previous) {
      // Same kind at another version: carry the counters over, so metrics stay monotonic.
      Object.assign(watcher.stats, previous.stats);
      this.#retire(previous);
    }
    watcher.start();
    return watcher;
  }

  #retire(watcher: ResourceWatcher): void {
    const stopping = watcher.stop();
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }

  /**
   * Waits for the initial list of a kind present at start-up: of its current watcher (the
   * version may change meanwhile), or until the kind is no longer served.
   */
  async #initialSync(kind: string): Promise<void> {
    for (;;) {
      const watcher = this.#watchers.get(kind);
      if (!watcher || watcher.isSynced) return;
      await watcher.settled;
    }
  }

  async #start(): Promise<void> {
    const signal = this.#abort.signal;
    const discovered = await this.#discover(signal);
    if (!discovered) return;
    for (const kind of discovered.missing) {
      this.#logger.warn({ kind }, 'kind not served by the cluster (CRD not installed?); treated as empty until it is');
    }
    // Referrers first: when ConfigMaps and Secrets are listed, the store already knows which are
    // referenced and drops the rest without fetching anything twice.
    const first = discovered.resources.filter((r) => !FILTERED_KINDS.has(r.kind));
    for (const resource of first) this.#startWatcher(resource);
    // From now on, kinds may appear, go or change version; only the kinds present now gate
    // readiness (a kind installed later never makes a ready gateway un-ready).
    this.#rediscovery = this.#rediscoverLoop(signal);
    await Promise.race([Promise.all(first.map((r) => this.#initialSync(r.kind))), aborted(signal)]);
    if (signal.aborted) return;
    const second = discovered.resources.filter((r) => FILTERED_KINDS.has(r.kind));
    for (const resource of second) this.#startWatcher(resource);
    await Promise.race([Promise.all(second.map((r) => this.#initialSync(r.kind))), aborted(signal)]);
    if (signal.aborted) return;
    this.store.setReady();
    this.#logger.info({ objects: this.store.size, droppedUnreferenced: this.store.droppedUnreferenced }, 'initial lists complete');
    this.#markReady();
  }

  /** Asks the re-discovery loop to run now (coalesced with a run already asked for). */
  #requestRediscovery(): void {
    this.#wakeRequested = true;
    this.#wake?.();
  }

  /** Sleeps about `ms` (±20 % jitter, so replicas do not ask in step), or until woken or aborted. */
  async #pause(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.#wakeRequested && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.round(ms * (0.8 + 0.4 * Math.random())));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
    this.#wakeRequested = false;
  }

  async #rediscoverLoop(signal: AbortSignal): Promise<void> {
    const interval = Math.max(10, this.#options.rediscoverMs ?? 30_000);
    while (!signal.aborted) {
      await this.#pause(interval, signal);
      if (signal.aborted) return;
      let result: DiscoveryResult;
      try {
        result = await discoverResources(this.#options.client, signal);
      } catch (error) {
        // A failed discovery says nothing about the CRDs: keep every watch as it is.
        if (!signal.aborted) this.#logger.warn({ err: (error as Error).message }, 'API re-discovery failed; keeping the current watches');
        continue;
      }
      if (!signal.aborted) this.#apply(result);
    }
  }

  /** Starts, switches and stops watches so they follow what the cluster serves now. */
  #apply(result: DiscoveryResult): void {
    const changes = diffResources(this.#resources, result.resources);
    this.#resources = new Map(result.resources.map((r) => [r.kind, r]));
    for (const resource of changes.added) {
      this.#logger.info({ kind: resource.kind, apiVersion: apiVersionOf(resource) }, 'kind now served by the cluster; listing and watching it');
      this.#startWatcher(resource);
    }
    for (const { from, to } of changes.changed) {
      this.#logger.info({ kind: to.kind, from: apiVersionOf(from), to: apiVersionOf(to) }, 'served version of a kind changed; watching the new version');
      // The old objects stay until the new watcher's first list replaces them all (a list is
      // authoritative per kind), so the data plane never sees the kind empty in between.
      this.#startWatcher(to);
    }
    for (const resource of changes.removed) {
      const watcher = this.#watchers.get(resource.kind);
      this.#watchers.delete(resource.kind);
      if (watcher) this.#retire(watcher);
      const objects = this.store.snapshot().list(resource.kind).length;
      this.#logger.warn({ kind: resource.kind, apiVersion: apiVersionOf(resource), objects }, 'kind no longer served by the cluster (CRD removed?); its objects are dropped');
      // An empty list: the store drops every object of the kind, and the references they held.
      this.store.replace(resource, []);
    }
  }

  async #discover(signal: AbortSignal): Promise<DiscoveryResult | undefined> {
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
