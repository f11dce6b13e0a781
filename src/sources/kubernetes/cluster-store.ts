/**
 * The cluster-mode store: objects as the API server sent them (already validated, defaulted and
 * carrying real metadata), updated event by event, published as immutable snapshots after a short
 * debounce so an initial list of thousands of objects causes one translation, not thousands.
 *
 * ConfigMaps and Secrets are kept only while something references them (references.ts); when a
 * new reference appears, the store asks its owner to fetch the object by name.
 */
import { objectKey, type KubeObject } from '../../api/meta.ts';
import { createSnapshot } from '../../store/create-snapshot.ts';
import type { Snapshot, StoredObject } from '../../store/snapshot.ts';
import { FILTERED_KINDS, hasWatchLabel, referencedKeys } from './references.ts';
import type { ApiResource } from './resources.ts';
import type { WatchSink } from './watcher.ts';

export interface ClusterStoreOptions {
  /** Called with each published snapshot (only after setReady()). */
  readonly onSnapshot: (snapshot: Snapshot) => void;
  /** Called when a ConfigMap/Secret becomes referenced and is not in the store. */
  readonly fetchMissing?: (kind: string, namespace: string, name: string) => void;
  /** Quiet period before publishing. Default 50 ms. */
  readonly debounceMs?: number;
}

function keyOf(object: KubeObject): string {
  return objectKey(object.kind, object.metadata.namespace, object.metadata.name ?? '');
}

/** The object without the parts that change on every status write. */
function specView(object: KubeObject): string {
  const { status: _status, metadata, ...rest } = object;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
  return JSON.stringify({ ...rest, metadata: meta });
}

export class ClusterStore implements WatchSink {
  readonly #objects = new Map<string, KubeObject>();
  /** referrer key -> the ConfigMap/Secret keys it references */
  readonly #refsBy = new Map<string, Set<string>>();
  /** ConfigMap/Secret key -> number of referrers */
  readonly #refCount = new Map<string, number>();
  /** Keys with a fetch in flight -> whether a watch event for it arrived meanwhile. */
  readonly #pending = new Map<string, boolean>();
  readonly #options: ClusterStoreOptions;
  #version = 0;
  #ready = false;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Watch events and list items of unreferenced ConfigMaps/Secrets that were dropped. */
  droppedUnreferenced = 0;

  constructor(options: ClusterStoreOptions) {
    this.#options = options;
  }

  /** Starts publishing: call once every resource has completed its initial list. */
  setReady(): void {
    this.#ready = true;
    this.#dirty = true;
    this.#schedule();
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Builds a snapshot of the current objects (also used by tests). */
  snapshot(): Snapshot {
    const stored: StoredObject[] = [];
    for (const object of this.#objects.values()) stored.push({ object });
    return createSnapshot(stored, this.#version);
  }

  /** Stops publishing. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #isWanted(object: KubeObject): boolean {
    if (!FILTERED_KINDS.has(object.kind)) return true;
    return (this.#refCount.get(keyOf(object)) ?? 0) > 0 || hasWatchLabel(object);
  }

  #schedule(): void {
    if (!this.#ready || this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#dirty || this.#closed) return;
      this.#dirty = false;
      this.#version++;
      this.#options.onSnapshot(this.snapshot());
    }, this.#options.debounceMs ?? 50);
  }

  #changed(): void {
    this.#dirty = true;
    this.#schedule();
  }

  /** Recomputes what a referrer references, fetching newly referenced objects and dropping orphans. */
  #updateRefs(referrer: string, object: KubeObject | undefined): void {
    const before = this.#refsBy.get(referrer) ?? new Set<string>();
    const after = object ? referencedKeys(object) : new Set<string>();
    if (after.size === 0) this.#refsBy.delete(referrer);
    else this.#refsBy.set(referrer, after);
    for (const key of after) {
      if (before.has(key)) continue;
      const count = (this.#refCount.get(key) ?? 0) + 1;
      this.#refCount.set(key, count);
      if (count === 1 && !this.#objects.has(key)) {
        const [kind = '', namespace = '', name = ''] = key.split('/');
        this.#pending.set(key, false);
        this.#options.fetchMissing?.(kind, namespace, name);
      }
    }
    for (const key of before) {
      if (after.has(key)) continue;
      const count = (this.#refCount.get(key) ?? 1) - 1;
      if (count > 0) {
        this.#refCount.set(key, count);
        continue;
      }
      this.#refCount.delete(key);
      const held = this.#objects.get(key);
      if (held && !hasWatchLabel(held)) {
        this.#objects.delete(key);
        this.#changed();
      }
    }
  }

  #put(object: KubeObject): void {
    const key = keyOf(object);
    if (this.#pending.has(key)) this.#pending.set(key, true);
    if (!this.#isWanted(object)) {
      this.droppedUnreferenced++;
      if (this.#objects.delete(key)) this.#changed(); // e.g. the watch label was removed
      return;
    }
    const previous = this.#objects.get(key);
    this.#objects.set(key, object);
    this.#updateRefs(key, object);
    if (previous) {
      const rv = previous.metadata.resourceVersion;
      // Same resourceVersion: the same object, unless it was read through another served version
      // (source.ts switches a kind's watch, e.g. BackendTLSPolicy v1alpha3 → v1).
      if (rv !== undefined && rv === object.metadata.resourceVersion && previous.apiVersion === object.apiVersion) return;
      // A status-only change (often our own status write coming back) does not change what
      // translation computes: keep the fresher object, publish nothing.
      if (specView(previous) === specView(object)) return;
    }
    this.#changed();
  }

  #delete(key: string): void {
    if (this.#pending.has(key)) this.#pending.set(key, true);
    this.#updateRefs(key, undefined);
    if (this.#objects.delete(key)) this.#changed();
  }

  replace(resource: ApiResource, objects: KubeObject[]): void {
    const fresh = new Set<string>();
    for (const object of objects) {
      fresh.add(keyOf(object));
      this.#put(object);
    }
    for (const [key, object] of [...this.#objects]) {
      if (object.kind === resource.kind && !fresh.has(key)) this.#delete(key);
    }
    // A list is authoritative: fetches in flight for this kind are overtaken by it.
    if (FILTERED_KINDS.has(resource.kind)) {
      for (const key of this.#pending.keys()) if (key.startsWith(`${resource.kind}/`)) this.#pending.set(key, true);
    }
  }

  upsert(_resource: ApiResource, object: KubeObject): void {
    this.#put(object);
  }

  remove(_resource: ApiResource, object: KubeObject): void {
    this.#delete(keyOf(object));
  }

  /**
   * Inserts an object fetched by name after it became referenced. Ignored when a watch event
   * or relist for the same key arrived while the fetch was in flight (the watch is newer).
   * `object` undefined means the fetch found nothing (404) or failed.
   */
  fetched(kind: string, namespace: string, name: string, object: KubeObject | undefined): void {
    const key = objectKey(kind, namespace, name);
    const overtaken = this.#pending.get(key);
    this.#pending.delete(key);
    if (overtaken !== false || !object) return;
    this.#put(object);
  }

  /** Number of objects held (for logs and tests). */
  get size(): number {
    return this.#objects.size;
  }
}
