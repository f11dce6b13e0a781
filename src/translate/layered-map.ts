/**
 * A read-only map made of a base map and a few replaced values, for the incremental
 * translator's statuses (translator.ts spliceStatuses). A policy edit replaces the statuses of
 * a handful of objects out of ~20k at N = 10k; copying the previous map to replace them cost
 * ~3.5 ms of an edit's ~9 ms (BENCHMARKS.md "Control plane"). Layers do not stack: a splice of
 * a layered map starts from its base with the replaced values merged, and once the replaced
 * values grow past a bound the result is a plain Map again (an O(N) copy every few hundred
 * edits instead of every edit).
 *
 * It behaves as the Map it stands for: same keys in the same order (the base's), `get` and
 * iteration give the replaced values. Neither part is written after construction.
 */
export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  readonly base: ReadonlyMap<K, V>;
  /** Replaced values; every key is a key of `base`. */
  readonly replaced: ReadonlyMap<K, V>;

  constructor(base: ReadonlyMap<K, V>, replaced: ReadonlyMap<K, V>) {
    this.base = base;
    this.replaced = replaced;
  }

  get size(): number {
    return this.base.size;
  }

  get(key: K): V | undefined {
    return this.replaced.has(key) ? this.replaced.get(key) : this.base.get(key);
  }

  has(key: K): boolean {
    return this.base.has(key);
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    this.base.forEach((value, key) => callback.call(thisArg, this.replaced.has(key) ? (this.replaced.get(key) as V) : value, key, this));
  }

  entries(): MapIterator<[K, V]> {
    return layeredEntries(this.base, this.replaced) as MapIterator<[K, V]>;
  }

  keys(): MapIterator<K> {
    return this.base.keys();
  }

  values(): MapIterator<V> {
    return layeredValues(this.base, this.replaced) as MapIterator<V>;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }
}

function* layeredEntries<K, V>(base: ReadonlyMap<K, V>, replaced: ReadonlyMap<K, V>): Generator<[K, V], undefined> {
  for (const [key, value] of base) yield [key, replaced.has(key) ? (replaced.get(key) as V) : value];
  return undefined;
}

function* layeredValues<K, V>(base: ReadonlyMap<K, V>, replaced: ReadonlyMap<K, V>): Generator<V, undefined> {
  for (const [key, value] of base) yield replaced.has(key) ? (replaced.get(key) as V) : value;
  return undefined;
}

/** Replaced values a layered map may hold before a splice makes a plain Map again. */
export const MAX_REPLACED = 512;
