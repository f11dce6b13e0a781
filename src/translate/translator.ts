/**
 * A long-lived translator that reuses the previous translation when only BackendTLSPolicies,
 * ConfigMaps, EndpointSlices, Services or routes edited in place (routeEditInPlace: same
 * parentRefs, hostnames and creationTimestamp) changed: the edit lastmile exists for (a policy's
 * hostname, SANs or CA; a CA bundle rotated) and the most frequent change in a real cluster (an
 * EndpointSlice update on every pod rollout). The plain `translate(input)` stays the reference:
 * `createTranslator().translate(x)` returns a result deep-equal to `translate(x)` for every input
 * (translator.test.ts proves it on the goldens and on randomized edit sequences), and is still
 * pure in the sense that matters: no I/O, the output depends only on the input and the previous
 * output (the clock is read only to report lastInternMs).
 *
 * Why: a full translation at N = 10k costs ~1 s, 20x the 50 ms an edit may take to be applied
 * (issue "Performance"; BENCHMARKS.md "Control plane"). A policy or endpoint edit changes little:
 * the policy's status, the statuses and IR backends of the routes that send traffic to its
 * Services, and nothing else. Gateway statuses (attachedRoutes counts attachment, not backends),
 * listener sets, certificates and route precedence do not depend on policies, ConfigMaps,
 * Services or EndpointSlices.
 *
 * How: the changed objects give a set of Services (a policy's targets, a ConfigMap's policies'
 * targets, a changed Service, a changed EndpointSlice's Service by its label, before and after;
 * an edited route's backendRefs, before and after, and the route itself); it is closed over
 * "policies targeting them" and "routes referring to them" (and their Services in turn). The
 * reference translate runs on a small snapshot holding that closure plus every GatewayClass,
 * Gateway, ReferenceGrant, Secret and ConfigMap, and its results for those policies and routes
 * are spliced into the previous result: their statuses replace the previous ones, their
 * RouteIRs replace the previous RouteIRs at the same places (precedence does not depend on
 * backends), and policy diagnostics are swapped. The virtual hosts holding an edited route are
 * rebuilt instead and re-sorted in the reference's order (sortRoutes): its matches, so its
 * RouteIRs and their precedence, may have changed; its virtual hosts may not (same parentRefs
 * and hostnames), nor the Gateways' attachedRoutes. Anything outside that case (another kind
 * changed, a route created, deleted or re-attached, a caller passing statuses that are not this
 * translator's last, a closure too large to be worth it, a splice that does not line up, such
 * as a route whose rules went to or from none) falls back to the full translate.
 *
 * Either way, the new IR is then interned against the previous one (intern.ts): every listener,
 * virtual host and route deep-equal to the previous one at the same place is the previous
 * object, so the data plane, which applies an IR by identity (dataplane/router/ir-diff.ts),
 * only rebuilds what changed, also after a route, Gateway or Service edit's full translation.
 */
import { objectKey } from '../api/meta.ts';
import type { BackendTLSPolicy, GRPCRoute, HTTPRoute } from '../api/gateway-api.ts';
import type { EndpointSlice } from '../api/core.ts';
import { createSnapshot } from '../store/create-snapshot.ts';
import type { Snapshot, StoredObject } from '../store/snapshot.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { compareDiagnostics } from './diagnostic-order.ts';
import { translate, translateRanked } from './index.ts';
import { precedenceOf, spliceIr } from './splice-ir.ts';
import { isDeepStrictEqual } from 'node:util';
import type { ComputedStatus, TranslateInput, TranslateResult } from './types.ts';
import { ROUTE_KINDS, Relations, policyServices, routeServices, sliceService } from './relations.ts';
import { LayeredMap, MAX_REPLACED } from './layered-map.ts';
import { internIr } from './intern.ts';
import { withPolicyCopy } from './rehearsal.ts';

/** Every kind translation reads (src/translate/**: snapshot.list and snapshot.get). */
const KINDS = ['GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'BackendTLSPolicy', 'Service', 'EndpointSlice', 'ConfigMap', 'Secret'] as const;
/** Kinds whose changes the incremental path handles; any other change is a full translation. */
const INCREMENTAL_KINDS: ReadonlySet<string> = new Set(['BackendTLSPolicy', 'ConfigMap', 'EndpointSlice', 'Service', ...ROUTE_KINDS]);

export interface Translator {
  /** Same contract and same result as `translate(input)`. */
  translate(input: TranslateInput): TranslateResult;
  /** How the last call was served (for benchmarks and tests). */
  readonly lastMode: 'full' | 'incremental' | undefined;
  /** Milliseconds the last call spent interning its IR against the previous one (intern.ts). */
  readonly lastInternMs: number;
  /**
   * Runs the incremental path once on an edit that changes nothing (rehearsal.ts: a policy
   * replaced by a copy of itself), interns its IR, and throws the result away: no state of the
   * translator changes that the next `translate` could see (its last input and result, lastMode,
   * lastInternMs; the reverse indexes are moved back to the real snapshot). Why: the first edit
   * after start-up otherwise runs this code for the first time, lazily compiled and with cold
   * inline caches, ~2x slower than the edits after it (issue "Performance": an edit applied
   * within 50 ms p99). Call it when idle, after a translation. False when there was nothing to
   * rehearse (no previous translation, no BackendTLSPolicy) or the incremental path declined.
   */
  rehearse(): boolean;
}

export interface TranslatorOptions {
  /**
   * Intern each IR against the previous one (intern.ts; default true). false only to measure
   * what interning saves (bench/control-plane/run.ts --no-intern): results are deep-equal either way.
   */
  readonly intern?: boolean;
}

/** Creates a translator; keep one per config source (serve's reload loop). */
export function createTranslator(options: TranslatorOptions = {}): Translator {
  const intern = options.intern ?? true;
  let last: { input: TranslateInput; result: TranslateResult } | undefined;
  let lastMode: 'full' | 'incremental' | undefined;
  let lastInternMs = 0;
  const relations: { current?: Relations } = {};
  return {
    get lastMode() {
      return lastMode;
    },
    get lastInternMs() {
      return lastInternMs;
    },
    translate(input: TranslateInput): TranslateResult {
      const incremental = last ? tryIncremental(last.input, last.result, input, relations) : undefined;
      let result = incremental ?? translate(input);
      // Everything deep-equal to the previous IR at the same place becomes the previous object
      // (intern.ts), so the data plane, which applies by identity, only touches what changed.
      lastInternMs = 0;
      if (last && intern) {
        const t0 = performance.now();
        const ir = internIr(last.result.ir, result.ir);
        lastInternMs = performance.now() - t0;
        if (ir !== result.ir) result = { ...result, ir };
      }
      // The reverse indexes of the new snapshot, built now rather than by the next edit: an
      // O(N) walk (~40-100 ms at N = 10k) next to the O(N) translation just done, instead of
      // a first policy edit that takes 3x the 50 ms an edit may take (issue "Performance").
      if (!incremental && input.snapshot !== relations.current?.snapshot) relations.current = new Relations(input.snapshot);
      lastMode = incremental ? 'incremental' : 'full';
      last = { input, result };
      return result;
    },
    rehearse(): boolean {
      const rel = relations.current;
      if (!last || rel?.snapshot !== last.input.snapshot) return false;
      const real = last.input.snapshot;
      const copy = withPolicyCopy(real);
      if (!copy) return false;
      try {
        const input: TranslateInput = { ...last.input, snapshot: copy.snapshot, now: new Date(), previousStatuses: last.result.statuses };
        const result = tryIncremental(last.input, last.result, input, relations);
        if (result && intern) internIr(last.result.ir, result.ir);
        return result !== undefined;
      } finally {
        // The copy is deep-equal to the policy: advancing back is the walk of any policy edit.
        if (relations.current !== rel || !rel.advance(real, [copy.key])) relations.current = rel;
      }
    },
  };
}

function sameStored(a: StoredObject, b: StoredObject): boolean {
  if (a === b) return true;
  if (a.object !== b.object) return false;
  const x = a.origin;
  const y = b.origin;
  return x === y || (x !== undefined && y !== undefined && x.file === y.file && x.line === y.line && x.col === y.col);
}

/**
 * objectKey of a stored object, remembered per object: the incremental path looks at every
 * policy and route on each call, and building 20k key strings each time cost more than the
 * small translation itself at N = 10k.
 */
const keys = new WeakMap<object, string>();
function keyOf(s: StoredObject): string {
  let k = keys.get(s.object);
  if (k === undefined) {
    const m = s.object.metadata;
    k = objectKey(s.object.kind, m.namespace, m.name ?? '');
    keys.set(s.object, k);
  }
  return k;
}

/** `ns/name` of a stored object (its objectKey without the kind), remembered likewise. */
const nsNames = new WeakMap<object, string>();
function nsNameOf(s: StoredObject): string {
  let k = nsNames.get(s.object);
  if (k === undefined) {
    k = nsName(keyOf(s));
    nsNames.set(s.object, k);
  }
  return k;
}

/** Keys of objects of `kind` added, removed or changed between two snapshots ([] = same). */
function changedKeys(before: Snapshot, after: Snapshot, kind: string): string[] {
  const a = before.list(kind);
  const b = after.list(kind);
  if (a === b) return []; // the store shares the lists of kinds that did not change
  if (a.length === b.length) {
    // Same length: usually the same objects in the same places, a few replaced (an edit).
    const out: string[] = [];
    let aligned = true;
    for (let i = 0; i < a.length && aligned; i++) {
      const x = a[i] as StoredObject;
      const y = b[i] as StoredObject;
      if (sameStored(x, y)) continue;
      if (keyOf(x) === keyOf(y)) out.push(keyOf(y));
      else aligned = false;
    }
    if (aligned) return out;
  }
  const old = new Map(a.map((s) => [keyOf(s), s]));
  const out: string[] = [];
  for (const s of b) {
    const k = keyOf(s);
    const prev = old.get(k);
    if (!prev || !sameStored(prev, s)) out.push(k);
    old.delete(k);
  }
  out.push(...old.keys());
  return out;
}

/** `ns/name` of the ConfigMaps a policy names as CA. */
function policyConfigMaps(p: BackendTLSPolicy): string[] {
  const ns = p.metadata.namespace ?? '';
  return (p.spec?.validation?.caCertificateRefs ?? []).filter((r) => (r.group ?? '') === '' && r.kind === 'ConfigMap').map((r) => `${ns}/${r.name}`);
}

function nsName(key: string): string {
  // objectKey is `Kind/ns/name`: drop the kind.
  return key.slice(key.indexOf('/') + 1);
}

function tryIncremental(prevInput: TranslateInput, prev: TranslateResult, input: TranslateInput, relations: { current?: Relations }): TranslateResult | undefined {
  // The result carries over lastTransitionTimes from previousStatuses: only this translator's
  // own last statuses let unchanged objects keep their previous status as it is.
  if (input.previousStatuses !== prev.statuses || input.defaultAddress !== prevInput.defaultAddress) return undefined;
  const before = prevInput.snapshot;
  const after = input.snapshot;
  const changed: Record<string, string[]> = {};
  for (const kind of KINDS) {
    const keys = changedKeys(before, after, kind);
    if (keys.length === 0) continue;
    if (!INCREMENTAL_KINDS.has(kind)) return undefined;
    changed[kind] = keys;
  }
  const changedPolicies = changed['BackendTLSPolicy'] ?? [];
  const changedConfigMaps = changed['ConfigMap'] ?? [];
  const changedSlices = changed['EndpointSlice'] ?? [];
  const changedServices = changed['Service'] ?? [];
  const changedRoutes = ROUTE_KINDS.flatMap((k) => changed[k] ?? []);
  if (Object.keys(changed).length === 0) return undefined; // same input: a full run is the simple answer
  // Route edits: only those that leave attachment alone (routeEditInPlace), else a full run.
  const editedRoutes: { old: StoredObject<HTTPRoute | GRPCRoute>; now: StoredObject<HTTPRoute | GRPCRoute> }[] = [];
  for (const key of changedRoutes) {
    const [kind, ns, name] = key.split('/') as [string, string, string];
    const old = before.get<HTTPRoute | GRPCRoute>(kind, ns, name);
    const now = after.get<HTTPRoute | GRPCRoute>(kind, ns, name);
    if (!old || !now || !routeEditInPlace(old.object, now.object)) return undefined;
    editedRoutes.push({ old, now });
  }

  // The policies whose outcome can change, old and new versions.
  const affectedPolicies = new Set(changedPolicies.map(nsName));
  if (changedConfigMaps.length > 0) {
    const maps = new Set(changedConfigMaps.map(nsName));
    for (const snap of [before, after]) {
      for (const s of snap.list<BackendTLSPolicy>('BackendTLSPolicy')) {
        if (policyConfigMaps(s.object).some((k) => maps.has(k))) affectedPolicies.add(nsNameOf(s));
      }
    }
  }
  // The Services whose backends can change: those changed, and those of the changed
  // EndpointSlices before and after (a slice may move to another Service by its label).
  const affectedServices: string[] = changedServices.map(nsName);
  for (const key of changedSlices) {
    const k = nsName(key);
    const slash = k.indexOf('/');
    for (const snap of [before, after]) {
      const s = snap.get<EndpointSlice>('EndpointSlice', k.slice(0, slash), k.slice(slash + 1));
      const svc = s ? sliceService(s) : undefined;
      if (svc !== undefined) affectedServices.push(svc);
    }
  }
  const rel = relations.current?.snapshot === before && relations.current.advance(after, affectedPolicies, changedSlices.map(nsName), changedRoutes)
    ? relations.current
    : (relations.current = new Relations(after));

  // Close over "policies targeting these Services" and "routes referring to them": a walk from
  // the affected policies' Services through the reverse indexes.
  const policyCount = after.list('BackendTLSPolicy').length;
  const routeCount = ROUTE_KINDS.reduce((n, k) => n + after.list(k).length, 0);
  const limit = Math.max(64, (policyCount + routeCount) / 10);
  const pickedPolicies = new Map<string, StoredObject<BackendTLSPolicy>>();
  const pickedRoutes = new Set<StoredObject<HTTPRoute | GRPCRoute>>();
  const services = new Set<string>();
  const queue: string[] = [];
  const reach = (keys: readonly string[]): void => {
    for (const k of keys) {
      if (services.has(k)) continue;
      services.add(k);
      queue.push(k);
    }
  };
  const pickPolicy = (key: string): void => {
    if (pickedPolicies.has(key)) return;
    const slash = key.indexOf('/');
    const s = after.get<BackendTLSPolicy>('BackendTLSPolicy', key.slice(0, slash), key.slice(slash + 1));
    if (!s) return;
    pickedPolicies.set(key, s);
    reach(policyServices(s.object));
  };
  for (const key of affectedPolicies) {
    const slash = key.indexOf('/');
    const old = before.get<BackendTLSPolicy>('BackendTLSPolicy', key.slice(0, slash), key.slice(slash + 1));
    if (old) reach(policyServices(old.object));
    pickPolicy(key);
  }
  reach(affectedServices);
  // An edited route: its new version, and every Service it sent traffic to before or sends to
  // now (policy ancestors count the Gateways routes reach a Service through).
  for (const { old, now } of editedRoutes) {
    reach(routeServices(old.object));
    if (!pickedRoutes.has(now)) {
      pickedRoutes.add(now);
      reach(routeServices(now.object));
    }
  }
  for (let svc = queue.pop(); svc !== undefined; svc = queue.pop()) {
    for (const key of rel.policies.get(svc) ?? []) pickPolicy(key);
    for (const s of rel.routes.get(svc) ?? []) {
      if (pickedRoutes.has(s)) continue;
      pickedRoutes.add(s);
      reach(routeServices(s.object));
    }
    if (pickedPolicies.size + pickedRoutes.size > limit) return undefined; // a full run costs about the same
  }

  // The small snapshot: the closure, plus everything translation reads by reference.
  const objects: StoredObject[] = [...pickedPolicies.values(), ...pickedRoutes];
  for (const kind of ['GatewayClass', 'Gateway', 'ReferenceGrant', 'Secret', 'ConfigMap']) objects.push(...after.list(kind));
  for (const svc of services) {
    const slash = svc.indexOf('/');
    const s = after.get('Service', svc.slice(0, slash), svc.slice(slash + 1));
    if (s) objects.push(s);
    for (const slice of rel.slices.get(svc) ?? []) objects.push(slice);
  }
  const { result: sub, gatewayRanks } = translateRanked({ ...input, snapshot: createSnapshot(objects, after.version) });

  // Keys whose statuses and diagnostics come from the small run.
  const owned = new Set<string>();
  for (const k of affectedPolicies) owned.add(`BackendTLSPolicy/${k}`);
  for (const s of pickedPolicies.values()) owned.add(keyOf(s));
  for (const s of pickedRoutes) owned.add(keyOf(s));

  const edited = editedRoutes.length === 0 ? undefined : { keys: new Set(changedRoutes), order: precedenceOf(after, gatewayRanks) };
  const ir = spliceIr(prev.ir, sub.ir, new Set([...pickedRoutes].map(keyOf)), edited);
  if (!ir) return undefined;
  return { ir, statuses: spliceStatuses(prev.statuses, sub.statuses, owned), diagnostics: spliceDiagnostics(prev.diagnostics, sub.diagnostics, owned) };
}

/**
 * Whether a route edit leaves where the route attaches alone: same parentRefs and hostnames
 * (Gateway API attachment: listener selection, attachedRoutes, hostname intersection, so the
 * Gateways' statuses and the virtual hosts holding the route) and the same creationTimestamp
 * (the route's place in precedence ties). Its matches, filters, backendRefs and timeouts may
 * differ: those reach only the route's own statuses and RouteIRs, and, through its Services,
 * the policies and routes the closure picks.
 */
function routeEditInPlace(old: HTTPRoute | GRPCRoute, now: HTTPRoute | GRPCRoute): boolean {
  return old.metadata.creationTimestamp === now.metadata.creationTimestamp
    && isDeepStrictEqual(old.spec?.parentRefs, now.spec?.parentRefs)
    && isDeepStrictEqual(old.spec?.hostnames, now.spec?.hostnames);
}

function spliceStatuses(
  prev: ReadonlyMap<string, ComputedStatus>,
  sub: ReadonlyMap<string, ComputedStatus>,
  owned: ReadonlySet<string>,
): ReadonlyMap<string, ComputedStatus> {
  // The usual edit replaces the statuses of a few existing keys: a layer over the previous
  // map's base (layered-map.ts) instead of a copy of ~20k entries.
  const base = prev instanceof LayeredMap ? (prev.base as ReadonlyMap<string, ComputedStatus>) : prev;
  const before = prev instanceof LayeredMap ? (prev.replaced as ReadonlyMap<string, ComputedStatus>) : undefined;
  let sameKeys = true;
  for (const k of owned) {
    if (sub.has(k) !== base.has(k)) {
      sameKeys = false;
      break;
    }
  }
  // At most a quarter of the map is layered (small configs compact often: tests cover both paths).
  if (sameKeys && (before?.size ?? 0) + owned.size <= Math.min(MAX_REPLACED, base.size >> 2)) {
    const replaced = new Map(before);
    for (const k of owned) {
      const next = sub.get(k);
      if (next) replaced.set(k, next);
    }
    return new LayeredMap(base, replaced);
  }
  // A native copy, then the owned keys: replacing a key keeps its place in the order.
  const out = new Map(prev);
  let added = false;
  for (const k of owned) {
    const next = sub.get(k);
    if (!next) out.delete(k);
    else {
      if (!prev.has(k)) added = true;
      out.set(k, next);
    }
  }
  // The reference result is in key order (status/collector.ts result()).
  return added ? new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : out;
}

function diagnosticKey(d: Diagnostic): string {
  return objectKey(d.kind ?? '', d.namespace, d.name ?? '');
}

function spliceDiagnostics(prev: readonly Diagnostic[], sub: readonly Diagnostic[], owned: ReadonlySet<string>): Diagnostic[] {
  // Translation's diagnostics are about Gateways and BackendTLSPolicies (addDiagnostic call
  // sites); Gateways are unchanged here, so their diagnostics stay as they were.
  const kept = prev.filter((d) => !owned.has(diagnosticKey(d)));
  if (kept.length === prev.length && !sub.some((d) => owned.has(diagnosticKey(d)))) return prev as Diagnostic[];
  return [...kept, ...sub.filter((d) => owned.has(diagnosticKey(d)))].sort(compareDiagnostics);
}
