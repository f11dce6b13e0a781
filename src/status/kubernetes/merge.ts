/**
 * Merging lastmile's computed status into the status an object has on the API server, without
 * touching what other controllers wrote (ecosystem.md section 2, after Envoy Gateway's
 * status updater):
 *
 * - Route `status.parents` and BackendTLSPolicy `status.ancestors` are atomic lists shared by
 *   every controller (spec.md 2.9: a map keyed by ref and controllerName in all but name). We
 *   replace exactly the entries whose controllerName is ours: other controllers' entries survive,
 *   ours that are no longer computed disappear.
 * - Gateway and GatewayClass `status.conditions` are map lists keyed by `type`; Gateway
 *   `status.listeners` a map list keyed by `name`.
 * - A condition whose status did not change keeps the lastTransitionTime the server has
 *   (metav1.Condition semantics), so a restart does not rewrite every timestamp.
 */
import { GATEWAY_GROUP } from '../../api/kinds.ts';

type Json = Record<string, unknown>;

/** Route kinds whose status is a RouteStatus (`parents`). */
export const ROUTE_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute']);

/** CRD limits on the shared lists (maxItems): a full list gets no further entries. */
const MAX_PARENTS = 32;
const MAX_ANCESTORS = 16;

/** Condition types a Gateway API controller owns on the objects it manages (spec'd types). */
const OWNED_TYPES: Readonly<Record<string, ReadonlySet<string>>> = {
  GatewayClass: new Set(['Accepted', 'SupportedVersion']),
  Gateway: new Set(['Accepted', 'Programmed', 'Ready', 'AttachedListenerSets']),
  Listener: new Set(['Accepted', 'Programmed', 'Ready', 'ResolvedRefs', 'Conflicted', 'OverlappingTLSConfig']),
};
const OWN_PREFIX = 'lastmile.dev/';

function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}
function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

/** A ParentReference with the CRD defaults applied (group gateway.networking.k8s.io, kind Gateway). */
function defaultedRef(ref: unknown): Json {
  const r = obj(ref);
  return { ...r, group: r.group ?? GATEWAY_GROUP, kind: r.kind ?? 'Gateway' };
}

function refKey(ref: unknown): string {
  const r = defaultedRef(ref);
  return JSON.stringify([r.group, r.kind, r.namespace ?? '', r.name ?? '', r.sectionName ?? '', r.port ?? '']);
}

/** Our new conditions, keeping the server's lastTransitionTime where the status is unchanged. */
function keepTransitionTimes(next: unknown, previous: unknown): Json[] {
  const before = new Map(list(previous).map((c) => [c.type, c]));
  return list(next).map((c) => {
    const old = before.get(c.type);
    return old && old.status === c.status && typeof old.lastTransitionTime === 'string' ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  });
}

/** Map-list merge keyed by type: ours replace theirs; owned types we no longer compute go. */
function mergeConditions(current: unknown, ours: unknown, owned: ReadonlySet<string>): Json[] {
  const mine = keepTransitionTimes(ours, current);
  const mineTypes = new Set(mine.map((c) => c.type));
  const kept = list(current).filter((c) => {
    const type = typeof c.type === 'string' ? c.type : '';
    return !mineTypes.has(type) && !owned.has(type) && !type.startsWith(OWN_PREFIX);
  });
  return [...kept, ...mine];
}

export interface MergeResult {
  readonly status: Json;
  /** Our entries left out because the shared list was full (spec.md 2.9: MUST NOT add further). */
  readonly dropped: number;
}

function mergeShared(current: Json, ours: Json, field: 'parents' | 'ancestors', refField: 'parentRef' | 'ancestorRef', controllerName: string, max: number): MergeResult {
  const existing = list(current[field]);
  const others = existing.filter((e) => e.controllerName !== controllerName);
  const previousOurs = new Map(existing.filter((e) => e.controllerName === controllerName).map((e) => [refKey(e[refField]), e]));
  const mine = list(ours[field]).map((entry) => ({
    ...entry,
    [refField]: defaultedRef(entry[refField]),
    controllerName,
    conditions: keepTransitionTimes(entry.conditions, previousOurs.get(refKey(entry[refField]))?.conditions),
  }));
  const room = Math.max(0, max - others.length);
  return { status: { ...current, [field]: [...others, ...mine.slice(0, room)] }, dropped: Math.max(0, mine.length - room) };
}

/**
 * The status to write: `current` (from the server) with lastmile's entries replaced by `ours`
 * (a ComputedStatus.status). Fields of `ours` that are absent leave the server's as they are.
 */
export function mergeStatus(kind: string, current: unknown, ours: unknown, controllerName: string): MergeResult {
  const cur = obj(current);
  const mine = obj(ours);
  if (ROUTE_KINDS.has(kind)) return mergeShared(cur, mine, 'parents', 'parentRef', controllerName, MAX_PARENTS);
  if (kind === 'BackendTLSPolicy') return mergeShared(cur, mine, 'ancestors', 'ancestorRef', controllerName, MAX_ANCESTORS);
  const out: Json = { ...cur };
  if (kind === 'GatewayClass' || kind === 'Gateway') {
    if ('conditions' in mine) out.conditions = mergeConditions(cur.conditions, mine.conditions, OWNED_TYPES[kind] ?? new Set());
  }
  if (kind === 'GatewayClass' && 'supportedFeatures' in mine) out.supportedFeatures = mine.supportedFeatures;
  if (kind === 'Gateway') {
    if ('addresses' in mine) out.addresses = mine.addresses;
    if ('listeners' in mine) {
      // The Gateway's controller owns its listener entries: listeners we no longer report were
      // removed from the spec. Other controllers' condition types on a listener survive.
      const before = new Map(list(cur.listeners).map((l) => [l.name, l]));
      out.listeners = list(mine.listeners).map((l) => ({
        ...l,
        conditions: mergeConditions(before.get(l.name)?.conditions, l.conditions, OWNED_TYPES.Listener ?? new Set()),
      }));
    }
  }
  if (!['GatewayClass', 'Gateway'].includes(kind)) Object.assign(out, mine);
  return { status: out, dropped: 0 };
}

/** The status that removes all of lastmile's entries (an object we no longer compute status for). */
export function withoutOurEntries(kind: string, current: unknown, controllerName: string): Json | undefined {
  if (ROUTE_KINDS.has(kind)) return mergeStatus(kind, current, { parents: [] }, controllerName).status;
  if (kind === 'BackendTLSPolicy') return mergeStatus(kind, current, { ancestors: [] }, controllerName).status;
  return undefined;
}

/** Whether a route or policy status holds an entry written by the controller. */
export function hasOurEntries(kind: string, status: unknown, controllerName: string): boolean {
  const field = ROUTE_KINDS.has(kind) ? 'parents' : kind === 'BackendTLSPolicy' ? 'ancestors' : undefined;
  return field !== undefined && list(obj(status)[field]).some((e) => e.controllerName === controllerName);
}

/**
 * A canonical form for comparison: keys sorted, lastTransitionTime removed, CRD defaults of the
 * status schema applied (a parentRef written without group/kind is stored with them, and must
 * not look like a change on every comparison).
 */
function canonical(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v, key));
  if (value === null || typeof value !== 'object') return value;
  let o = value as Json;
  if (key === 'parentRef' || key === 'ancestorRef') o = defaultedRef(o);
  if (key === 'supportedKinds') o = { ...o, group: o.group ?? GATEWAY_GROUP };
  if (key === 'addresses') o = { ...o, type: o.type ?? 'IPAddress' };
  const out: Json = {};
  for (const k of Object.keys(o).sort()) {
    if (k === 'lastTransitionTime' || o[k] === undefined) continue;
    out[k] = canonical(o[k], k);
  }
  return out;
}

/** Whether two statuses differ in nothing but lastTransitionTime (and schema defaults). */
export function sameIgnoringTransitionTimes(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b ?? {}));
}
