/**
 * Reuse of what the previous translation built (status/collector.ts result()). At N = 10k a
 * full translation assembles ~20k statuses with ~60k conditions; nearly all of them are equal to
 * the previous translation's, and building them again was ~28% of a warm translation, most of
 * it in the garbage collector: the new objects live until the result is dropped, so every young
 * generation collection during translation copied them (BENCHMARKS.md "Control plane").
 *
 * A previous value is reused only when it is one this module built (`built`): then its exact
 * shape is known (fields, their order, no extra fields), and "equal inputs" means "the same
 * bytes". A previous status from anywhere else still gives its lastTransitionTimes
 * (metav1.Condition semantics), through the generic path.
 */
import type { Condition } from '../api/meta.ts';
import type { ParentReference } from '../api/gateway-api.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { CONTROLLER_NAME } from '../translate/types.ts';
import { truncateMessage } from './conditions.ts';
import { parentRefKey } from './locations.ts';

/**
 * ComputedStatus values built by the collector: what is inside one (its status, lists and
 * conditions) was built there too. One entry per object, not per list: a WeakSet entry is an
 * ephemeron every major GC walks.
 */
const built = new WeakSet<object>();

/** Marks a value as built here (see `built`) and returns it. */
export function mark<T extends object>(value: T): T {
  built.add(value);
  return value;
}

/** True when `value` was built by the collector (its shape is known). */
export function isBuilt(value: unknown): boolean {
  return typeof value === 'object' && value !== null && built.has(value);
}

/**
 * Pending conditions as one flat list: type, status, reason, message, repeated, kept sorted by
 * type (UTF-16 order, as the output is). No Map and no object per condition: a translation at
 * N = 10k holds ~40k of these until it ends.
 */
export type FlatConditions = string[];

const STRIDE = 4;

/** Sets (or replaces) a condition of a flat list, keeping it sorted by type. */
export function setFlat(items: FlatConditions, type: string, status: string, reason: string, message: string): void {
  let at = 0;
  while (at < items.length && (items[at] as string) < type) at += STRIDE;
  if (items[at] === type) {
    items[at + 1] = status;
    items[at + 2] = reason;
    items[at + 3] = message;
  } else {
    items.splice(at, 0, type, status, reason, message);
  }
}

/** Index of `type` in a flat list, or -1. */
export function findFlat(items: FlatConditions, type: string): number {
  for (let at = 0; at < items.length; at += STRIDE) if (items[at] === type) return at;
  return -1;
}

/**
 * The condition of `type` in a previous list: the first of that type. `hint` is where it is in a
 * list built here (sorted, one per type), checked first.
 */
function previousOf(previous: readonly Condition[], type: string, hint: number, ours: boolean): Condition | undefined {
  if (ours) {
    const at = previous[hint];
    if (at?.type === type) return at;
  }
  for (const p of previous) if (p.type === type) return p;
  return undefined;
}

/**
 * Materializes metav1.Conditions, sorted by type, with `observedGeneration` and a
 * lastTransitionTime kept from `previous` while type, status and reason are unchanged. When
 * `previous` was built here and every condition is unchanged (message and generation too), it
 * is returned as it is; an unchanged condition of a list that changed is reused alone.
 */
export function buildConditions(items: FlatConditions, generation: number | undefined, now: string, previous: readonly Condition[] | undefined, ours: boolean): Condition[] {
  const count = items.length / STRIDE;
  const reusable = previous !== undefined && ours;
  if (reusable && previous.length === count) {
    let same = true;
    for (let i = 0; i < count && same; i++) {
      const p = previous[i] as Condition;
      const at = i * STRIDE;
      same = p.type === items[at] && p.status === items[at + 1] && p.reason === items[at + 2] && p.observedGeneration === generation && p.message === truncateMessage(items[at + 3] as string);
    }
    if (same) return previous as Condition[];
  }
  const out: Condition[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * STRIDE;
    const type = items[at] as string;
    const status = items[at + 1] as Condition['status'];
    const reason = items[at + 2] as string;
    const message = truncateMessage(items[at + 3] as string);
    const before = previous === undefined ? undefined : previousOf(previous, type, i, reusable);
    const unchanged = before !== undefined && before.status === status && before.reason === reason;
    if (unchanged && reusable && before.message === message && before.observedGeneration === generation) {
      out[i] = before;
      continue;
    }
    out[i] = {
      type,
      status,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: unchanged && before.lastTransitionTime ? before.lastTransitionTime : now,
      reason,
      message,
    };
  }
  return out;
}

/** True when two flat records have the same own keys in the same order with the same values. */
export function sameFlatRecord(a: object, b: object): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] as string;
    if (k !== kb[i] || (a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  }
  return true;
}

/** True when two lists of flat records are equal (sameFlatRecord item by item). */
export function sameFlatList(a: readonly object[], b: readonly object[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameFlatRecord(a[i] as object, b[i] as object)) return false;
  return true;
}

/** One `parents[]` / `ancestors[]` entry of a previous status. */
export interface RefEntry {
  readonly parentRef?: ParentReference;
  readonly ancestorRef?: ParentReference;
  readonly controllerName?: unknown;
  readonly conditions?: unknown;
}

/** A previous status' `parents` or `ancestors` list, or undefined. */
export function previousEntries(previous: ComputedStatus | undefined, field: 'parents' | 'ancestors'): readonly RefEntry[] | undefined {
  const st = previous?.status;
  if (typeof st !== 'object' || st === null) return undefined;
  const list = (st as Record<string, unknown>)[field];
  return Array.isArray(list) ? (list as RefEntry[]) : undefined;
}

/**
 * The conditions of the previous entry for the ref whose key is `key` (ours only: entries of
 * other controllers are not lastmile's to carry over). `hint` is where it usually is (same
 * place as now); else the last entry with that key, as a Map by key would keep.
 */
export function previousRefConditions(entries: readonly RefEntry[] | undefined, refField: 'parentRef' | 'ancestorRef', key: string, namespace: string, hint: number, ours: boolean): Condition[] | undefined {
  if (entries === undefined) return undefined;
  const matches = (e: RefEntry | undefined): boolean => {
    const ref = e?.[refField];
    return ref !== undefined && Array.isArray(e?.conditions) && (e.controllerName === undefined || e.controllerName === CONTROLLER_NAME) && parentRefKey(ref, namespace) === key;
  };
  const at = entries[hint];
  // The hint is taken only when no later entry has the same key (ours never repeat a key).
  if (ours && matches(at)) return at?.conditions as Condition[];
  for (let i = entries.length - 1; i >= 0; i--) if (matches(entries[i])) return entries[i]?.conditions as Condition[];
  return undefined;
}

/** The previous `conditions` of a status' own, or of its listener `name`. */
export function previousOwnConditions(previous: ComputedStatus | undefined, ours: boolean, listener?: string, hint = 0): Condition[] | undefined {
  const st = previous?.status;
  if (typeof st !== 'object' || st === null) return undefined;
  if (listener === undefined) {
    const c = (st as { conditions?: unknown }).conditions;
    return Array.isArray(c) ? (c as Condition[]) : undefined;
  }
  const list = (st as { listeners?: unknown }).listeners;
  if (!Array.isArray(list)) return undefined;
  const at = list[hint] as { name?: unknown; conditions?: unknown } | undefined;
  if (ours && at?.name === listener && Array.isArray(at.conditions)) return at.conditions as Condition[];
  for (let i = list.length - 1; i >= 0; i--) {
    const l = list[i] as { name?: unknown; conditions?: unknown };
    if (l.name === listener && Array.isArray(l.conditions)) return l.conditions as Condition[];
  }
  return undefined;
}
