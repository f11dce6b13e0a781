/**
 * Status accessors (Contour's StatusCache, Envoy Gateway's status package): translation never
 * builds status objects by hand. It asks for an accessor, e.g.
 * `statuses.policy(p).ancestor(ref).set('Accepted', 'True', 'Accepted', msg)`, and the collector
 * assembles every object's status at the end, with
 * - `observedGeneration` = the object's `metadata.generation` on every condition (spec.md 2.9),
 * - `lastTransitionTime` carried over from the previous translation when type, status and reason
 *   are unchanged (metav1.Condition semantics), else the translation's `now`,
 * - messages truncated to the API limit,
 * - conditions sorted by type, ancestors sorted by reference,
 * - the previous translation's statuses, conditions and entries reused as they are when equal
 *   to what would be built (assemble.ts, reuse.ts): same bytes, far fewer new objects.
 */
import type { Condition, KubeObject } from '../api/meta.ts';
import { objectKey } from '../api/meta.ts';
import type { ParentReference } from '../api/gateway-api.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { parentRefKey } from './locations.ts';
import { buildConditions, findFlat, setFlat, type FlatConditions } from './reuse.ts';
import { assembleGateway, assembleGatewayClass, assembleRefs, type StatusId } from './assemble.ts';
import { sortSmall } from '../translate/order.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

interface PendingCondition {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** A list of conditions keyed by type (list-type map). Setting a type again replaces it. */
export class ConditionSet {
  /** Flat and sorted by type (reuse.ts FlatConditions): no Map, no object per condition. */
  readonly #items: FlatConditions = [];

  set(type: string, status: ConditionStatus, reason: string, message: string): this {
    setFlat(this.#items, type, status, reason, message);
    return this;
  }

  get(type: string): PendingCondition | undefined {
    const at = findFlat(this.#items, type);
    if (at < 0) return undefined;
    const items = this.#items;
    return { status: items[at + 1] as ConditionStatus, reason: items[at + 2] as string, message: items[at + 3] as string };
  }

  has(type: string): boolean {
    return findFlat(this.#items, type) >= 0;
  }

  /**
   * Materializes metav1.Conditions, keeping lastTransitionTime from `previous` when unchanged;
   * `previous` itself (or its unchanged conditions) when `ours` (it was built by a collector)
   * and equal (status/reuse.ts).
   */
  build(generation: number | undefined, now: string, previous: readonly Condition[] | undefined, ours = false): Condition[] {
    return buildConditions(this.#items, generation, now, previous, ours);
  }
}

type ObjectId = StatusId;

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
  /** parentRefKey(ref, the object's namespace). */
  readonly key: string;
  readonly conditions = new ConditionSet();
  constructor(ref: ParentReference, key: string) {
    this.ref = ref;
    this.key = key;
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
    if (!p) this.#parents.set(key, (p = new RefStatus(ref, key)));
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
    if (!a) this.#ancestors.set(key, (a = new RefStatus(ref, key)));
    return a;
  }
  ancestors(): RefStatus[] {
    return sortSmall([...this.#ancestors.values()], (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
    const previous = this.#previous;
    for (const key of this.#orderedKeys()) {
      const s = this.#byKey.get(key)!;
      const before = previous?.get(key);
      const now = this.#now;
      const built = s instanceof RouteStatus ? assembleRefs(s.id, 'parents', s.parents(), now, before)
        : s instanceof PolicyStatus ? assembleRefs(s.id, 'ancestors', s.ancestors(), now, before)
        : s instanceof GatewayStatus ? assembleGateway(s.id, s.conditions, s.addresses, s.listeners(), now, before)
        : assembleGatewayClass(s.id, s.conditions, s.supportedFeatures, now, before);
      if (built) out.set(key, built);
    }
    return out;
  }

  /**
   * The collected keys in order. Usually the previous translation's keys, which are sorted
   * already: taken in their order when they are exactly the keys collected now (one pass, no
   * sort of ~20k strings), else sorted.
   */
  #orderedKeys(): Iterable<string> {
    const previous = this.#previous;
    const byKey = this.#byKey;
    if (previous !== undefined && previous.size === byKey.size) {
      let last: string | undefined;
      let ordered = true;
      for (const key of previous.keys()) {
        if (!byKey.has(key) || (last !== undefined && !(last < key))) {
          ordered = false;
          break;
        }
        last = key;
      }
      if (ordered) return previous.keys();
    }
    return [...byKey.keys()].sort();
  }
}
