/** Deterministic orderings the spec asks for (oldest first, then `{namespace}/{name}`). */
import type { KubeObject } from '../api/meta.ts';

/**
 * An object's creation time and `namespace/name`, remembered per object: sorting 10k routes or
 * policies compares each object ~14 times, and each comparison parsed two timestamps and built
 * two strings (~30 MB of garbage a translation at N = 10k; BENCHMARKS.md "Control plane").
 * Stored objects never change (store/metadata.ts freezes them); a WeakMap lets them go.
 */
interface AgeKey {
  readonly time: number;
  readonly nsName: string;
}
const ageKeys = new WeakMap<KubeObject, AgeKey>();

function ageKey(obj: KubeObject): AgeKey {
  let k = ageKeys.get(obj);
  if (k === undefined) {
    const t = Date.parse(obj.metadata.creationTimestamp ?? '');
    const ns = obj.metadata.namespace;
    k = {
      // An object without a timestamp sorts after every dated one (it is the newest we know of).
      time: Number.isNaN(t) ? Number.POSITIVE_INFINITY : t,
      nsName: ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? ''),
    };
    ageKeys.set(obj, k);
  }
  return k;
}

/** `namespace/name` of an object (`name` for cluster-scoped kinds). */
export function nsName(obj: KubeObject): string {
  return ageKey(obj).nsName;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Older creationTimestamp first, then alphabetical `{namespace}/{name}` (spec.md 4.3: the
 * BackendTLSPolicy precedence rule; the same tie-break orders routes and Gateways).
 */
export function compareByAge(a: KubeObject, b: KubeObject): number {
  const ka = ageKey(a);
  const kb = ageKey(b);
  if (ka.time !== kb.time) return ka.time < kb.time ? -1 : 1;
  return compareStrings(ka.nsName, kb.nsName);
}

/** Arrays up to this length are sorted in place by insertion (sortSmall). */
const SMALL = 16;

/**
 * Sorts in place, stably, like Array.prototype.sort (same order for the same comparator; with
 * none, strings by UTF-16 code units). Short arrays are sorted by insertion: V8's sort sets up
 * a work area on every call, and translation sorts ~100k short lists at N = 10k (endpoints,
 * object keys, conditions): ~60 MB of garbage a translation (BENCHMARKS.md "Control plane").
 */
export function sortSmall<T>(list: T[], compare: (a: T, b: T) => number = compareStrings as unknown as (a: T, b: T) => number): T[] {
  if (list.length > SMALL) return list.sort(compare);
  for (let i = 1; i < list.length; i++) {
    const item = list[i] as T;
    let j = i - 1;
    while (j >= 0 && compare(list[j] as T, item) > 0) {
      list[j + 1] = list[j] as T;
      j--;
    }
    list[j + 1] = item;
  }
  return list;
}
