/**
 * Reverse indexes the incremental translator (translator.ts) walks instead of scanning every
 * policy, route and EndpointSlice on each edit: which policies target a Service, which routes
 * send traffic to it, which EndpointSlices belong to it. At N = 10k the scans cost more than the
 * small translation itself (~10 ms of a ~17 ms edit; BENCHMARKS.md "Control plane").
 *
 * An index describes one snapshot. It follows the translator from snapshot to snapshot when only
 * BackendTLSPolicies, EndpointSlices, routes edited in place (and kinds it does not index)
 * changed (the incremental cases) and is rebuilt from scratch otherwise, which happens after a full translation: an
 * O(N) walk next to an O(N) translation.
 */
import type { BackendTLSPolicy, GRPCRoute, HTTPRoute } from '../api/gateway-api.ts';
import type { Snapshot, StoredObject } from '../store/snapshot.ts';

export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute'] as const;

/** `ns/name` of the Services a policy targets (remembered per object). */
const policyTargetsCache = new WeakMap<object, readonly string[]>();
export function policyServices(p: BackendTLSPolicy): readonly string[] {
  let out = policyTargetsCache.get(p);
  if (!out) {
    const ns = p.metadata.namespace ?? '';
    out = (p.spec?.targetRefs ?? []).filter((t) => (t.group ?? '') === '' && t.kind === 'Service').map((t) => `${ns}/${t.name}`);
    policyTargetsCache.set(p, out);
  }
  return out;
}

/** `ns/name` of the Services a route's backendRefs name (any kind is kept: only Services match). */
const routeServicesCache = new WeakMap<object, readonly string[]>();
export function routeServices(r: HTTPRoute | GRPCRoute): readonly string[] {
  let out = routeServicesCache.get(r);
  if (!out) {
    const ns = r.metadata.namespace ?? '';
    const set = new Set<string>();
    for (const rule of r.spec?.rules ?? []) {
      for (const ref of rule.backendRefs ?? []) set.add(`${ref.namespace ?? ns}/${ref.name}`);
    }
    out = [...set];
    routeServicesCache.set(r, out);
  }
  return out;
}

/** `ns/name` of the Service an EndpointSlice belongs to (label `kubernetes.io/service-name`), if any. */
export function sliceService(s: StoredObject): string | undefined {
  const label = s.object.metadata.labels?.['kubernetes.io/service-name'];
  return label === undefined ? undefined : `${s.object.metadata.namespace ?? ''}/${label}`;
}

function add<T>(index: Map<string, Set<T>>, key: string, value: T): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

/** Policy, route and EndpointSlice relations of one snapshot, by Service `ns/name`. */
export class Relations {
  /** The snapshot described. */
  snapshot: Snapshot;
  /** Service -> `ns/name` of the policies targeting it. */
  readonly policies = new Map<string, Set<string>>();
  /** Service -> routes naming it in a backendRef (the stored objects: they do not change here). */
  readonly routes = new Map<string, StoredObject<HTTPRoute | GRPCRoute>[]>();
  /** Service -> its EndpointSlices (label `kubernetes.io/service-name`). */
  readonly slices = new Map<string, StoredObject[]>();
  #routeLists: readonly (readonly StoredObject[])[];

  constructor(snapshot: Snapshot) {
    this.snapshot = snapshot;
    for (const s of snapshot.list<BackendTLSPolicy>('BackendTLSPolicy')) this.#addPolicy(s.object);
    this.#routeLists = ROUTE_KINDS.map((k) => snapshot.list(k));
    for (const s of ROUTE_KINDS.flatMap((k) => snapshot.list<HTTPRoute | GRPCRoute>(k))) {
      // routeServices has each Service once: a route is listed once per Service, no Set needed.
      for (const svc of routeServices(s.object)) {
        const list = this.routes.get(svc);
        if (list) list.push(s);
        else this.routes.set(svc, [s]);
      }
    }
    for (const s of snapshot.list('EndpointSlice')) this.#addSlice(s);
  }

  /**
   * Moves the index to `after`, where only the policies `changed`, the EndpointSlices
   * `changedSlices` (`ns/name`) and the routes `changedRoutes` (objectKeys, `Kind/ns/name`)
   * differ (among policies, routes and slices) from the snapshot described; false when other
   * routes differ too (build a new index).
   */
  advance(after: Snapshot, changed: Iterable<string>, changedSlices: Iterable<string> = [], changedRoutes: Iterable<string> = []): boolean {
    const routeKeys = [...changedRoutes];
    if (routeKeys.length === 0 && ROUTE_KINDS.some((k, i) => after.list(k) !== this.#routeLists[i])) return false;
    for (const key of routeKeys) {
      const [kind, ns, name] = key.split('/') as [string, string, string];
      if (!(ROUTE_KINDS as readonly string[]).includes(kind)) return false;
      const old = this.snapshot.get<HTTPRoute | GRPCRoute>(kind, ns, name);
      const now = after.get<HTTPRoute | GRPCRoute>(kind, ns, name);
      // Only edits in place: the caller falls back to a full run for created or deleted routes.
      if (!old || !now) return false;
      for (const svc of routeServices(old.object)) {
        const list = this.routes.get(svc)?.filter((s) => s !== old) ?? [];
        if (list.length > 0) this.routes.set(svc, list);
        else this.routes.delete(svc);
      }
      for (const svc of routeServices(now.object)) {
        const list = this.routes.get(svc);
        if (list) list.push(now);
        else this.routes.set(svc, [now]);
      }
    }
    this.#routeLists = ROUTE_KINDS.map((k) => after.list(k));
    for (const key of changedSlices) {
      const slash = key.indexOf('/');
      const [ns, name] = [key.slice(0, slash), key.slice(slash + 1)];
      const old = this.snapshot.get('EndpointSlice', ns, name);
      const svc = old ? sliceService(old) : undefined;
      if (old && svc !== undefined) {
        const list = this.slices.get(svc)?.filter((s) => s !== old) ?? [];
        if (list.length > 0) this.slices.set(svc, list);
        else this.slices.delete(svc);
      }
      const now = after.get('EndpointSlice', ns, name);
      if (now) this.#addSlice(now);
    }
    for (const key of changed) {
      const slash = key.indexOf('/');
      const [ns, name] = [key.slice(0, slash), key.slice(slash + 1)];
      const old = this.snapshot.get<BackendTLSPolicy>('BackendTLSPolicy', ns, name);
      if (old) for (const svc of policyServices(old.object)) this.policies.get(svc)?.delete(key);
      const now = after.get<BackendTLSPolicy>('BackendTLSPolicy', ns, name);
      if (now) this.#addPolicy(now.object);
    }
    this.snapshot = after;
    return true;
  }

  #addSlice(s: StoredObject): void {
    const svc = sliceService(s);
    if (svc === undefined) return;
    const list = this.slices.get(svc);
    if (list) list.push(s);
    else this.slices.set(svc, [s]);
  }

  #addPolicy(p: BackendTLSPolicy): void {
    const key = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
    for (const svc of policyServices(p)) add(this.policies, svc, key);
  }
}
