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
