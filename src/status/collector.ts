/**
 * Status accessors (Contour's StatusCache, Envoy Gateway's status package): translation never
 * builds status objects by hand. It asks for an accessor, e.g.
 * `statuses.policy(p).ancestor(ref).set('Accepted', 'True', 'Accepted', msg)`, and the collector
 * assembles every object's status at the end, with
 * - `observedGeneration` = the object's `metadata.generation` on every condition (spec.md 2.9),
 * - `lastTransitionTime` carried over from the previous translation when type, status and reason
 *   are unchanged (metav1.Condition semantics), else the translation's `now`,
 * - messages truncated to the API limit,
 * - conditions sorted by type, ancestors sorted by reference.
 */
import type { Condition, KubeObject } from '../api/meta.ts';
import { objectKey } from '../api/meta.ts';
import type { ParentReference } from '../api/gateway-api.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { CONTROLLER_NAME } from '../translate/types.ts';
import { truncateMessage } from './conditions.ts';
import { previousConditions, parentRefKey } from './locations.ts';
import { sortSmall } from '../translate/order.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

interface PendingCondition {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** A list of conditions keyed by type (list-type map). Setting a type again replaces it. */
export class ConditionSet {
  readonly #byType = new Map<string, PendingCondition>();

  set(type: string, status: ConditionStatus, reason: string, message: string): this {
    this.#byType.set(type, { status, reason, message });
    return this;
  }

  get(type: string): PendingCondition | undefined {
    return this.#byType.get(type);
  }

  has(type: string): boolean {
    return this.#byType.has(type);
  }

  /** Materializes metav1.Conditions, keeping lastTransitionTime from `previous` when unchanged. */
  build(generation: number | undefined, now: string, previous: readonly Condition[] | undefined): Condition[] {
    const types = sortSmall([...this.#byType.keys()]);
    return types.map((type) => {
      const c = this.#byType.get(type)!;
      const before = previous?.find((p) => p.type === type);
      const unchanged = before !== undefined && before.status === c.status && before.reason === c.reason;
      const condition: Condition = {
        type,
        status: c.status,
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
        lastTransitionTime: unchanged && before.lastTransitionTime ? before.lastTransitionTime : now,
        reason: c.reason,
        message: truncateMessage(c.message),
      };
      return condition;
    });
  }
}

interface ObjectId {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number | undefined;
}

function idOf(obj: KubeObject): ObjectId {
  const g = obj.metadata.generation;
  return {
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
    generation: typeof g === 'number' ? g : undefined,
  };
}

/** GatewayClass status: conditions and `supportedFeatures`. */
export class GatewayClassStatus {
  readonly id: ObjectId;
  readonly conditions = new ConditionSet();
  supportedFeatures: readonly string[] | undefined;
  constructor(id: ObjectId) {
    this.id = id;
  }
  set(type: string, status: ConditionStatus, reason: string, message: string): this {
    this.conditions.set(type, status, reason, message);
    return this;
  }
}

/** One entry of Gateway `status.listeners`. */
export class ListenerStatus {
  readonly name: string;
  readonly conditions = new ConditionSet();
  supportedKinds: readonly { group: string; kind: string }[] = [];
  attachedRoutes = 0;
  constructor(name: string) {
    this.name = name;
  }
  set(type: string, status: ConditionStatus, reason: string, message: string): this {
    this.conditions.set(type, status, reason, message);
    return this;
  }
}

/** Gateway status: conditions, addresses, and one entry per listener (spec order). */
export class GatewayStatus {
  readonly id: ObjectId;
  readonly conditions = new ConditionSet();
  addresses: readonly { type: string; value: string }[] = [];
  readonly #listeners = new Map<string, ListenerStatus>();
  constructor(id: ObjectId) {
    this.id = id;
  }
  set(type: string, status: ConditionStatus, reason: string, message: string): this {
    this.conditions.set(type, status, reason, message);
    return this;
  }
  listener(name: string): ListenerStatus {
    let l = this.#listeners.get(name);
    if (!l) this.#listeners.set(name, (l = new ListenerStatus(name)));
    return l;
  }
  listeners(): ListenerStatus[] {
    return [...this.#listeners.values()];
  }
}

/** One `status.parents[]` entry of a Route, or one `status.ancestors[]` entry of a policy. */
export class RefStatus {
  readonly ref: ParentReference;
  readonly conditions = new ConditionSet();
  constructor(ref: ParentReference) {
    this.ref = ref;
  }
  set(type: string, status: ConditionStatus, reason: string, message: string): this {
    this.conditions.set(type, status, reason, message);
    return this;
  }
}

/** Route status: one entry per parentRef lastmile is responsible for, in parentRefs order. */
export class RouteStatus {
  readonly id: ObjectId;
  readonly #parents = new Map<string, RefStatus>();
  constructor(id: ObjectId) {
    this.id = id;
  }
  parent(ref: ParentReference): RefStatus {
    const key = parentRefKey(ref, this.id.namespace);
    let p = this.#parents.get(key);
    if (!p) this.#parents.set(key, (p = new RefStatus(ref)));
    return p;
  }
  parents(): RefStatus[] {
    return [...this.#parents.values()];
  }
}

/** Policy status: ancestors (sorted by reference); an empty list when none (spec.md 2.9). */
export class PolicyStatus {
  readonly id: ObjectId;
  readonly #ancestors = new Map<string, RefStatus>();
  constructor(id: ObjectId) {
    this.id = id;
  }
  ancestor(ref: ParentReference): RefStatus {
    const key = parentRefKey(ref, this.id.namespace);
    let a = this.#ancestors.get(key);
    if (!a) this.#ancestors.set(key, (a = new RefStatus(ref)));
    return a;
  }
  ancestors(): RefStatus[] {
    return sortSmall([...this.#ancestors.entries()], ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }
}

type AnyStatus = GatewayClassStatus | GatewayStatus | RouteStatus | PolicyStatus;

/**
 * Each object's id and key, remembered: translation asks for an object's status accessor many
 * times (every parent, listener and backend of a route), ~200k times at N = 10k, and a stored
 * object does not change (store/metadata.ts freezes it).
 */
const keyed = new WeakMap<KubeObject, { readonly id: ObjectId; readonly key: string }>();

/** Collects statuses during one translation and builds them at the end. */
export class StatusCollector {
  readonly #now: string;
  readonly #previous: ReadonlyMap<string, ComputedStatus> | undefined;
  readonly #byKey = new Map<string, AnyStatus>();

  constructor(options: { now: Date; previous?: ReadonlyMap<string, ComputedStatus> | undefined }) {
    this.#now = options.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.#previous = options.previous;
  }

  #get<T extends AnyStatus>(obj: KubeObject, make: (id: ObjectId) => T): T {
    let known = keyed.get(obj);
    if (!known) {
      const id = idOf(obj);
      keyed.set(obj, (known = { id, key: objectKey(id.kind, id.namespace, id.name) }));
    }
    let s = this.#byKey.get(known.key);
    if (!s) this.#byKey.set(known.key, (s = make(known.id)));
    return s as T;
  }

  gatewayClass(obj: KubeObject): GatewayClassStatus {
    return this.#get(obj, (id) => new GatewayClassStatus(id));
  }
  gateway(obj: KubeObject): GatewayStatus {
    return this.#get(obj, (id) => new GatewayStatus(id));
  }
  route(obj: KubeObject): RouteStatus {
    return this.#get(obj, (id) => new RouteStatus(id));
  }
  policy(obj: KubeObject): PolicyStatus {
    return this.#get(obj, (id) => new PolicyStatus(id));
  }

  /** Builds every collected status, keyed by objectKey(kind, namespace, name), in key order. */
  result(): Map<string, ComputedStatus> {
    const out = new Map<string, ComputedStatus>();
    for (const key of [...this.#byKey.keys()].sort()) {
      const s = this.#byKey.get(key)!;
      const prev = previousConditions(this.#previous?.get(key));
      const build = (set: ConditionSet, location: string): Condition[] =>
        set.build(s.id.generation, this.#now, prev.get(location));
      let status: unknown;
      if (s instanceof GatewayClassStatus) {
        status = {
          conditions: build(s.conditions, ''),
          ...(s.supportedFeatures ? { supportedFeatures: [...s.supportedFeatures].sort().map((name) => ({ name })) } : {}),
        };
      } else if (s instanceof GatewayStatus) {
        status = {
          addresses: s.addresses.map((a) => ({ ...a })),
          conditions: build(s.conditions, ''),
          listeners: s.listeners().map((l) => ({
            name: l.name,
            supportedKinds: l.supportedKinds.map((k) => ({ ...k })),
            attachedRoutes: l.attachedRoutes,
            conditions: build(l.conditions, `listener:${l.name}`),
          })),
        };
      } else if (s instanceof RouteStatus) {
        // A route none of whose parents is ours gets no status from lastmile.
        if (s.parents().length === 0) continue;
        status = {
          parents: s.parents().map((p) => ({
            parentRef: { ...p.ref },
            controllerName: CONTROLLER_NAME,
            conditions: build(p.conditions, `parent:${parentRefKey(p.ref, s.id.namespace)}`),
          })),
        };
      } else {
        status = {
          ancestors: s.ancestors().map((a) => ({
            ancestorRef: { ...a.ref },
            controllerName: CONTROLLER_NAME,
            conditions: build(a.conditions, `ancestor:${parentRefKey(a.ref, s.id.namespace)}`),
          })),
        };
      }
      out.set(key, { kind: s.id.kind, namespace: s.id.namespace, name: s.id.name, status });
    }
    return out;
  }
}
