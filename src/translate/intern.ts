/**
 * Interning of a new IR against the previous one: every ListenerIR, VirtualHostIR, RouteIR (and
 * route list) of `next` that is deep-equal to the object at the same place in `prev` is replaced
 * by that previous object, bottom-up, so an unchanged parent becomes the previous object too.
 *
 * Why: the data plane applies an IR incrementally by object identity (dataplane/router/ir-diff.ts:
 * the same ListenerIR, VirtualHostIR or RouteIR object as before is reused without a look), but a
 * full translation builds all-new objects. An EndpointSlice update (every pod rollout), a Service,
 * route or Gateway edit would then make the data plane rebuild all 40k routes at N = 10k (~0.5 s of
 * event loop while traffic waits; issue "Performance"). After interning, only what changed is new.
 *
 * Security: a previous object is only ever kept when it is deep-equal to the new one, field by
 * field, so a route whose endpoints, TLS profile (trust, SANs, client certificate) or anything
 * else changed is always a new object, and the data plane cannot keep old pools or old trust.
 * "Deep-equal" here is assert.deepStrictEqual's rule for plain data: same prototype, the same
 * own enumerable keys (a key holding undefined is not a missing key), primitives by Object.is
 * (so 0 and -0 differ), arrays element by element in order. IR values are plain data
 * (ir/types.ts: no symbols, no accessors, no Maps), so those keys are all there is to compare.
 *
 * Cost: sub-objects are mostly shared by identity through translation's memos (endpoints lists,
 * TLS profiles, resolved backends), so comparisons usually stop at the first identity check.
 */
import type { GatewayIR, ListenerIR, RouteIR, VirtualHostIR } from '../ir/types.ts';

/**
 * Whether `a` and `b` are equal as IR data (see the file comment for the exact rule). Identity
 * is tried first at every level: shared subtrees cost one comparison.
 */
export function sameIrValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a)) {
    // Same prototype: b is an array too.
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      const w = y[i];
      if (v === w ? v === 0 && 1 / (v as number) !== 1 / (w as number) : !sameIrValue(v, w)) return false;
    }
    return true;
  }
  // Own enumerable keys, without an array per object (40k routes at N = 10k): every key of `a`
  // is own in `b` with an equal value, and `b` has no more keys than `a`.
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue; // IR objects are plain: never taken, but exact
    const v = x[k];
    const w = y[k];
    // Identity first without a call (most values are shared strings or memoized objects);
    // `undefined` also when the key is missing, hence hasOwn then.
    // 0 === -0 too, hence the sign check then.
    if (v === w ? (v === undefined ? !Object.hasOwn(y, k) : v === 0 && 1 / (v as number) !== 1 / (w as number)) : !sameIrValue(v, w)) return false;
    count++;
  }
  for (const k in y) if (Object.hasOwn(y, k)) count--;
  return count === 0;
}

/**
 * Whether `a` and `b` are equal as IR data (sameIrValue) apart from the value of key `skip`,
 * which both must have: a parent compared while its children were compared already, without
 * building a candidate object per parent.
 */
function sameIrFieldsExcept(a: object, b: object, skip: string): boolean {
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || !Object.hasOwn(a, skip) || !Object.hasOwn(b, skip)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    count++;
    if (k === skip) continue;
    if (!Object.hasOwn(y, k) || !sameIrValue(x[k], y[k])) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k)) count--;
  return count === 0;
}

/** Every key a RouteIR may have (ir/types.ts RouteIR), and those of its `route` and `gateway`. */
const ROUTE_KEYS: ReadonlySet<string> = new Set(['name', 'route', 'gateway', 'match', 'filters', 'backends', 'directResponse', 'timeouts']);
const ROUTE_REF_KEYS: ReadonlySet<string> = new Set(['kind', 'namespace', 'name', 'rule']);
const GATEWAY_REF_KEYS: ReadonlySet<string> = new Set(['namespace', 'name', 'listener']);

/**
 * Key lists (Object.keys, in order) already checked to hold only keys of a known set: objects
 * built by the same code share their key list, so the check is one comparison of a few
 * interned strings after the first object. A handful of lists per set at most.
 */
const knownKeyLists = new Map<ReadonlySet<string>, string[][]>();

/** The own enumerable keys of `a` and `b` are the same list, made only of keys in `known`. */
function sameKnownKeys(a: object, b: object, known: ReadonlySet<string>): boolean {
  const x = Object.keys(a);
  const y = Object.keys(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  let lists = knownKeyLists.get(known);
  if (!lists) knownKeyLists.set(known, (lists = []));
  for (const list of lists) if (list.length === x.length && list.every((k, i) => k === x[i])) return true;
  if (!x.every((k) => known.has(k))) return false;
  if (lists.length < 8) lists.push(x);
  return true;
}

/**
 * The common case of sameIrValue for two RouteIRs, several times cheaper at N = 10k (a full
 * translation builds a new RouteIR, `route`, `gateway` and backends list per route while their
 * contents are shared by translation's memos): true only when the two are certainly equal;
 * false means "ask sameIrValue". Exact: sameKnownKeys proves no key outside the ones read here
 * exists (a missing optional key reads undefined on both sides: same key lists), and prototypes
 * are compared.
 */
function sameRouteShallow(p: RouteIR, n: RouteIR): boolean {
  const proto = Object.getPrototypeOf(p);
  if (proto !== Object.getPrototypeOf(n)) return false;
  if (!(p.name === n.name && p.match === n.match && p.filters === n.filters && Object.is(p.directResponse, n.directResponse) && p.timeouts === n.timeouts)) return false;
  const a = p.backends;
  const b = n.backends;
  if (a !== b) {
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || !Array.isArray(a) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  }
  const r = p.route;
  const q = n.route;
  if (r !== q && !(Object.getPrototypeOf(r) === Object.getPrototypeOf(q) && r.kind === q.kind && r.namespace === q.namespace && r.name === q.name && Object.is(r.rule, q.rule) && sameKnownKeys(r, q, ROUTE_REF_KEYS))) return false;
  const g = p.gateway;
  const h = n.gateway;
  if (g !== h && !(Object.getPrototypeOf(g) === Object.getPrototypeOf(h) && g.namespace === h.namespace && g.name === h.name && g.listener === h.listener && sameKnownKeys(g, h, GATEWAY_REF_KEYS))) return false;
  return sameKnownKeys(p, n, ROUTE_KEYS);
}

/** Where a RouteIR sits in a virtual host's list: its match name and Gateway (unique per list: ir-build.ts). */
function placeOf(r: RouteIR): string {
  return `${r.name}|${r.gateway.namespace}/${r.gateway.name}`;
}

function samePlace(p: RouteIR, n: RouteIR): boolean {
  return p.name === n.name && p.gateway.name === n.gateway.name && p.gateway.namespace === n.gateway.namespace;
}

/** The kept RouteIR of each index of the list being interned (reused: no array per list). */
const scratch: RouteIR[] = [];

function internRoutes(prev: readonly RouteIR[], next: readonly RouteIR[]): readonly RouteIR[] {
  if (prev === next) return prev;
  let byPlace: Map<string, RouteIR> | undefined;
  let allPrev = prev.length === next.length;
  let allNext = true;
  scratch.length = 0;
  for (let i = 0; i < next.length; i++) {
    const n = next[i] as RouteIR;
    let p = prev[i];
    // The same place at the same index is the common case (an edit rarely reorders); otherwise
    // find the previous RouteIR at this place by name.
    if ((p === undefined && prev.length > 0) || (p !== undefined && p !== n && !samePlace(p, n))) {
      byPlace ??= new Map(prev.map((r) => [placeOf(r), r]));
      p = byPlace.get(placeOf(n));
    }
    const kept = p !== undefined && (sameRouteShallow(p, n) || sameIrValue(p, n)) ? p : n;
    if (kept !== prev[i]) allPrev = false;
    if (kept !== n) allNext = false;
    scratch.push(kept);
  }
  const out = allPrev ? prev : allNext ? next : Object.freeze(scratch.slice());
  scratch.length = 0;
  return out;
}

function internVirtualHost(prev: VirtualHostIR | undefined, next: VirtualHostIR): VirtualHostIR {
  if (prev === undefined || prev === next) return next;
  const routes = internRoutes(prev.routes, next.routes);
  if (routes === prev.routes && sameIrFieldsExcept(prev, next, 'routes')) return prev;
  return routes === next.routes ? next : Object.freeze({ ...next, routes });
}

/** Pairs `next` items with `prev` ones by key: same index first, then by key. */
function pairer<T>(prev: readonly T[], key: (t: T) => string): (n: T, i: number) => T | undefined {
  let byKey: Map<string, T> | undefined;
  return (n, i) => {
    const p = prev[i];
    if (p !== undefined && key(p) === key(n)) return p;
    byKey ??= new Map(prev.map((t) => [key(t), t]));
    return byKey.get(key(n));
  };
}

function internListener(prev: ListenerIR | undefined, next: ListenerIR): ListenerIR {
  if (prev === undefined || prev === next) return next;
  const pair = pairer(prev.virtualHosts, (v) => v.hostname);
  let changed = false;
  const virtualHosts = next.virtualHosts.map((vh, i) => {
    const kept = internVirtualHost(pair(vh, i), vh);
    if (kept !== vh) changed = true;
    return kept;
  });
  const list = sameItems(prev.virtualHosts, virtualHosts) ? prev.virtualHosts : changed ? Object.freeze(virtualHosts) : next.virtualHosts;
  const certificates = sameIrValue(prev.certificates, next.certificates) ? prev.certificates : next.certificates;
  if (list === prev.virtualHosts && certificates === prev.certificates && sameIrFieldsExcept(prev, next, 'virtualHosts')) return prev;
  return list === next.virtualHosts && certificates === next.certificates ? next : Object.freeze({ ...next, certificates, virtualHosts: list });
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `next` with every part deep-equal to the part at the same place in `prev` replaced by the
 * previous object (the IR itself too when nothing changed). The result is deep-equal to `next`.
 * Places: listeners by name, virtual hosts by hostname, routes by match name and Gateway.
 */
export function internIr(prev: GatewayIR, next: GatewayIR): GatewayIR {
  if (prev === next) return prev;
  const pair = pairer(prev.listeners, (l) => l.name);
  let changed = false;
  const listeners = next.listeners.map((l, i) => {
    const kept = internListener(pair(l, i), l);
    if (kept !== l) changed = true;
    return kept;
  });
  if (sameItems(prev.listeners, listeners) && sameIrFieldsExcept(prev, next, 'listeners')) return prev;
  return changed ? Object.freeze({ ...next, listeners: Object.freeze(listeners) }) : next;
}
