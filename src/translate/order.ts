/** Deterministic orderings the spec asks for (oldest first, then `{namespace}/{name}`). */
import type { KubeObject } from '../api/meta.ts';

function time(obj: KubeObject): number {
  const t = Date.parse(obj.metadata.creationTimestamp ?? '');
  // An object without a timestamp sorts after every dated one (it is the newest we know of).
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** `namespace/name` of an object (`name` for cluster-scoped kinds). */
export function nsName(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Older creationTimestamp first, then alphabetical `{namespace}/{name}` (spec.md 4.3: the
 * BackendTLSPolicy precedence rule; the same tie-break orders routes and Gateways).
 */
export function compareByAge(a: KubeObject, b: KubeObject): number {
  const ta = time(a);
  const tb = time(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compareStrings(nsName(a), nsName(b));
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
