/**
 * Assembles one object's status from what translation collected (status/collector.ts), reusing
 * the previous translation's value, or its unchanged parts, when they are equal to what would be
 * built (status/reuse.ts says why and when that is safe). The output is exactly what a fresh
 * build gives: same fields, same order, same values.
 */
import type { Condition } from '../api/meta.ts';
import type { ParentReference } from '../api/gateway-api.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { CONTROLLER_NAME } from '../translate/types.ts';
import { isBuilt, mark, previousEntries, previousOwnConditions, previousRefConditions, sameFlatList, sameFlatRecord, type RefEntry } from './reuse.ts';

/** An object's identity as the collector keeps it. */
export interface StatusId {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number | undefined;
}

/** What builds a condition list (status/collector.ts ConditionSet). */
interface Conditions {
  build(generation: number | undefined, now: string, previous: readonly Condition[] | undefined, ours: boolean): Condition[];
}

/** One collected `parents[]` / `ancestors[]` entry (status/collector.ts RefStatus). */
export interface CollectedRef {
  readonly ref: ParentReference;
  /** parentRefKey(ref, the object's namespace). */
  readonly key: string;
  readonly conditions: Conditions;
}

/** One collected Gateway listener (status/collector.ts ListenerStatus). */
export interface CollectedListener {
  readonly name: string;
  readonly conditions: Conditions;
  readonly supportedKinds: readonly { group: string; kind: string }[];
  readonly attachedRoutes: number;
}

/** The previous status when it is one built here for the same object (reusable as a whole). */
function reusable(id: StatusId, previous: ComputedStatus | undefined): ComputedStatus | undefined {
  return previous !== undefined && isBuilt(previous) && previous.kind === id.kind && previous.namespace === id.namespace && previous.name === id.name ? previous : undefined;
}

function computed(id: StatusId, status: object): ComputedStatus {
  return mark({ kind: id.kind, namespace: id.namespace, name: id.name, status });
}

/**
 * A Route's `parents` or a policy's `ancestors`. Undefined for a Route none of whose parents
 * is ours (lastmile writes no status for it); a policy always gets its list, maybe empty
 * (spec.md 2.9).
 */
export function assembleRefs(id: StatusId, field: 'parents' | 'ancestors', refs: readonly CollectedRef[], now: string, previous: ComputedStatus | undefined): ComputedStatus | undefined {
  if (field === 'parents' && refs.length === 0) return undefined;
  const refField = field === 'parents' ? 'parentRef' : 'ancestorRef';
  const before = previousEntries(previous, field);
  const whole = reusable(id, previous);
  const ours = whole !== undefined;
  let same = whole !== undefined && before !== undefined && before.length === refs.length;
  const entries: RefEntry[] = new Array(refs.length);
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i] as CollectedRef;
    const conditions = r.conditions.build(id.generation, now, previousRefConditions(before, refField, r.key, id.namespace, i, ours), ours);
    const old = before?.[i];
    const oldRef = old?.[refField];
    if (whole !== undefined && old !== undefined && oldRef !== undefined && old.conditions === conditions && old.controllerName === CONTROLLER_NAME && sameFlatRecord(oldRef, r.ref)) {
      entries[i] = old;
      continue;
    }
    same = false;
    entries[i] = field === 'parents'
      ? { parentRef: { ...r.ref }, controllerName: CONTROLLER_NAME, conditions }
      : { ancestorRef: { ...r.ref }, controllerName: CONTROLLER_NAME, conditions };
  }
  if (same && whole) return whole;
  return computed(id, { [field]: entries });
}

/** A Gateway's status: addresses, conditions, listeners (in the order collected). */
export function assembleGateway(
  id: StatusId,
  conditions: Conditions,
  addresses: readonly { type: string; value: string }[],
  listeners: readonly CollectedListener[],
  now: string,
  previous: ComputedStatus | undefined,
): ComputedStatus {
  const whole = reusable(id, previous);
  const ours = whole !== undefined;
  const st = whole?.status as { addresses: readonly object[]; conditions: Condition[]; listeners: readonly Record<string, unknown>[] } | undefined;
  const own = conditions.build(id.generation, now, previousOwnConditions(previous, ours), ours);
  let same = st !== undefined && st.conditions === own && st.listeners.length === listeners.length && sameFlatList(st.addresses, addresses);
  const out: Record<string, unknown>[] = new Array(listeners.length);
  for (let i = 0; i < listeners.length; i++) {
    const l = listeners[i] as CollectedListener;
    const lc = l.conditions.build(id.generation, now, previousOwnConditions(previous, ours, l.name, i), ours);
    const old = st?.listeners[i];
    if (old !== undefined && old['name'] === l.name && old['attachedRoutes'] === l.attachedRoutes && old['conditions'] === lc && sameFlatList(old['supportedKinds'] as readonly object[], l.supportedKinds)) {
      out[i] = old;
      continue;
    }
    same = false;
    out[i] = { name: l.name, supportedKinds: l.supportedKinds.map((k) => ({ ...k })), attachedRoutes: l.attachedRoutes, conditions: lc };
  }
  if (same && whole) return whole;
  return computed(id, {
    addresses: st !== undefined && sameFlatList(st.addresses, addresses) ? st.addresses : addresses.map((a) => ({ ...a })),
    conditions: own,
    listeners: out,
  });
}

/** A GatewayClass' status: conditions and `supportedFeatures` (sorted, as `{ name }`). */
export function assembleGatewayClass(id: StatusId, conditions: Conditions, supportedFeatures: readonly string[] | undefined, now: string, previous: ComputedStatus | undefined): ComputedStatus {
  const whole = reusable(id, previous);
  const st = whole?.status as { conditions: Condition[]; supportedFeatures?: readonly { name: string }[] } | undefined;
  const own = conditions.build(id.generation, now, previousOwnConditions(previous, whole !== undefined), whole !== undefined);
  const names = supportedFeatures ? [...supportedFeatures].sort() : undefined;
  const sameFeatures = st !== undefined && (names === undefined
    ? st.supportedFeatures === undefined
    : st.supportedFeatures !== undefined && st.supportedFeatures.length === names.length && names.every((n, i) => st.supportedFeatures?.[i]?.name === n));
  if (whole && st?.conditions === own && sameFeatures) return whole;
  return computed(id, {
    conditions: own,
    ...(names ? { supportedFeatures: sameFeatures && st?.supportedFeatures ? st.supportedFeatures : names.map((name) => ({ name })) } : {}),
  });
}
