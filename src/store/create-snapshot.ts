/**
 * Builds an immutable Snapshot from stored objects. The store publishes these; tests and the
 * golden harness build them directly.
 */
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../api/meta.ts';
import type { Snapshot, StoredObject } from './snapshot.ts';

function compareByNamespaceName(a: StoredObject, b: StoredObject): number {
  const an = a.object.metadata.namespace ?? '';
  const bn = b.object.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const am = a.object.metadata.name ?? '';
  const bm = b.object.metadata.name ?? '';
  return am < bm ? -1 : am > bm ? 1 : 0;
}

function keyOf(stored: StoredObject): string {
  const { kind, metadata } = stored.object;
  return objectKey(kind, metadata.namespace, metadata.name ?? '');
}

/**
 * What a snapshot is made of. `get` looks in `overlay` first (a key mapped to undefined was
 * removed), then in `base`; neither map is written after the snapshot is published, so later
 * snapshots can share them.
 */
interface Parts {
  readonly base: ReadonlyMap<string, StoredObject>;
  readonly overlay: ReadonlyMap<string, StoredObject | undefined>;
  readonly byKind: ReadonlyMap<string, readonly StoredObject[]>;
  readonly size: number;
}

const parts = new WeakMap<Snapshot, Parts>();
const empty: readonly StoredObject[] = Object.freeze([]);

/**
 * A key map (base or overlay) as kind -> namespace -> name -> value, for `get`: a lookup by the
 * three strings the caller holds, where a key map needs a new key string built and hashed per
 * call. Translation calls `get` ~70k times at N = 10k (Services and CA ConfigMaps by
 * reference), and building keys was ~4% of a full translation (BENCHMARKS.md "Control
 * plane"). Built on first use, once per map (a base is shared by the snapshots of many edits).
 * The same answers as the key map: a stored object's key is objectKey(kind, namespace, name),
 * and Kubernetes names and namespaces cannot hold the `/` that joins them.
 */
type Nested<V> = Map<string, Map<string, Map<string, V>>>;
const nestedOf = new WeakMap<ReadonlyMap<string, unknown>, Nested<unknown>>();

function nested<V>(map: ReadonlyMap<string, V>): Nested<V> {
  let out = nestedOf.get(map) as Nested<V> | undefined;
  if (out) return out;
  out = new Map();
  for (const [key, value] of map) {
    // objectKey(kind, namespace, name): the kind and namespace are the first two segments.
    const a = key.indexOf('/');
    const b = key.indexOf('/', a + 1);
    const kind = key.slice(0, a);
    const namespace = key.slice(a + 1, b);
    let byNamespace = out.get(kind);
    if (!byNamespace) out.set(kind, (byNamespace = new Map()));
    let byName = byNamespace.get(namespace);
    if (!byName) byNamespace.set(namespace, (byName = new Map()));
    byName.set(key.slice(b + 1), value);
  }
  nestedOf.set(map, out);
  return out;
}

function publish(p: Parts, version: number): Snapshot {
  const { base, overlay, byKind } = p;
  const snapshot: Snapshot = Object.freeze({
    version,
    list<T extends KubeObject = KubeObject>(kind: string): readonly StoredObject<T>[] {
      return (byKind.get(kind) ?? empty) as readonly StoredObject<T>[];
    },
    get<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string): StoredObject<T> | undefined {
      const ns = namespace ?? '';
      if (overlay.size > 0) {
        const byName = nested(overlay).get(kind)?.get(ns);
        if (byName?.has(name)) return byName.get(name) as StoredObject<T> | undefined;
      }
      return nested(base).get(kind)?.get(ns)?.get(name) as StoredObject<T> | undefined;
    },
  });
  parts.set(snapshot, p);
  return snapshot;
}

export function createSnapshot(objects: Iterable<StoredObject>, version = 1): Snapshot {
  const byKey = new Map<string, StoredObject>();
  const byKind = new Map<string, StoredObject[]>();
  for (const stored of objects) {
    byKey.set(keyOf(stored), stored);
    let list = byKind.get(stored.object.kind);
    if (!list) byKind.set(stored.object.kind, (list = []));
    list.push(stored);
  }
  for (const list of byKind.values()) list.sort(compareByNamespaceName);
  return publish({ base: byKey, overlay: new Map(), byKind, size: byKey.size }, version);
}

/** Index of `stored`'s namespace/name in a sorted list, or where it would be inserted (~index - 1). */
function search(list: readonly StoredObject[], stored: StoredObject): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareByNamespaceName(list[mid] as StoredObject, stored);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return ~lo;
}

/**
 * `previous` with `upserted` objects added or put in place of the object with the same key, and
 * `removed` ones taken out: equal to createSnapshot over the resulting set, at the cost of the
 * change rather than of the whole set. Rebuilding a snapshot of 40k objects (keys, per-kind
 * sorts) cost ~55 ms per edit at N = 10k (BENCHMARKS.md "Control plane"). Undefined when
 * `previous` was not built here or the change is a large part of it: createSnapshot then.
 */
export function updateSnapshot(previous: Snapshot, upserted: readonly StoredObject[], removed: readonly StoredObject[], version: number): Snapshot | undefined {
  const prev = parts.get(previous);
  if (!prev || (upserted.length + removed.length) * 8 > prev.size) return undefined;
  const overlay = new Map(prev.overlay);
  const byKind = new Map(prev.byKind);
  const copied = new Set<string>();
  const listOf = (kind: string): StoredObject[] => {
    let list = byKind.get(kind) as StoredObject[] | undefined;
    if (!copied.has(kind)) {
      list = list ? list.slice() : [];
      byKind.set(kind, list);
      copied.add(kind);
    }
    return list as StoredObject[];
  };
  let size = prev.size;
  for (const stored of removed) {
    const list = listOf(stored.object.kind);
    const at = search(list, stored);
    if (at < 0) return undefined; // not in the previous snapshot: the caller's view differs
    list.splice(at, 1);
    overlay.set(keyOf(stored), undefined);
    size--;
  }
  for (const stored of upserted) {
    const list = listOf(stored.object.kind);
    const at = search(list, stored);
    if (at >= 0) list[at] = stored;
    else {
      list.splice(~at, 0, stored);
      size++;
    }
    overlay.set(keyOf(stored), stored);
  }
  for (const kind of copied) if (byKind.get(kind)?.length === 0) byKind.delete(kind);
  // Fold the overlay into a new base once it is no longer small, so lookups stay one map deep
  // and a removed key does not linger.
  if (overlay.size > 64 && overlay.size * 16 > size) {
    const base = new Map(prev.base);
    for (const [key, stored] of overlay) {
      if (stored === undefined) base.delete(key);
      else base.set(key, stored);
    }
    return publish({ base, overlay: new Map(), byKind, size }, version);
  }
  return publish({ base: prev.base, overlay, byKind, size }, version);
}
