/** Reads HTTPRoutes and GRPCRoutes into RouteModels, applying the spec defaults. */
import type { BackendObjectReference, GRPCRoute, HTTPRoute, HTTPRouteFilter } from '../../api/gateway-api.ts';
import type { StoredObject } from '../../store/snapshot.ts';
import { resolveBackendRef } from '../backend/service.ts';
import type { TranslateContext } from '../context.ts';
import { compareByAge } from '../order.ts';
import { parseDuration } from './durations.ts';
import { convertFilters, type FilterResult } from './filters.ts';
import { grpcMatch, httpMatch } from './matching.ts';
import type { BackendRefModel, RouteModel, RuleModel } from './model.ts';

/** A route's creationTimestamp in ms, Infinity when unknown (the precedence key's routeTime). */
export function routeTime(route: HTTPRoute | GRPCRoute): number {
  const t = Date.parse(route.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

function timeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  // 0 disables the timeout (Gateway API HTTPRouteTimeouts): leave it out of the IR.
  return ms === undefined || ms === 0 ? undefined : ms;
}

/** A backendRef as written, with its defaults: the part that does not depend on other objects. */
interface RefShape {
  readonly ref: BackendObjectReference;
  readonly weight: number;
  readonly filters: FilterResult;
}

/** A rule with its defaults applied, before its backendRefs are resolved. */
interface RuleShape extends Omit<RuleModel, 'backendRefs'> {
  readonly refs: readonly RefShape[];
}

/** What a route says on its own: a pure function of the route object. */
interface RouteShape {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
  readonly time: number;
  readonly hostnames: readonly string[];
  readonly rules: readonly RuleShape[];
}

/**
 * Route shapes, remembered per route object (one version of a route: store/metadata.ts freezes
 * stored objects): matches, filters, timeouts and key strings were ~15% of a full translation
 * at N = 10k and its garbage (BENCHMARKS.md "Control plane"), the same every time the route has
 * not changed. The IR shares the match and filter values (immutable, like every IR value).
 */
const shapes = new WeakMap<object, RouteShape>();

function refShapes(refs: readonly (BackendObjectReference & { weight?: number; filters?: HTTPRouteFilter[] })[] | undefined): RefShape[] {
  return (refs ?? []).map((ref) => ({ ref, weight: ref.weight ?? 1, filters: convertFilters(ref.filters) }));
}

function httpShape(route: HTTPRoute): RouteShape {
  let shape = shapes.get(route);
  if (!shape) {
    const rules = (route.spec?.rules ?? []).map((rule, index): RuleShape => {
      const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
      const requestMs = timeout(rule.timeouts?.request);
      const backendRequestMs = timeout(rule.timeouts?.backendRequest);
      return {
        index,
        matches: matches.map(httpMatch),
        filters: convertFilters(rule.filters),
        timeouts: { ...(requestMs !== undefined ? { requestMs } : {}), ...(backendRequestMs !== undefined ? { backendRequestMs } : {}) },
        refs: refShapes(rule.backendRefs),
      };
    });
    shapes.set(route, (shape = routeShape(route, 'HTTPRoute', rules)));
  }
  return shape;
}

function grpcShape(route: GRPCRoute): RouteShape {
  let shape = shapes.get(route);
  if (!shape) {
    const rules = (route.spec?.rules ?? []).map((rule, index): RuleShape => {
      const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
      return { index, matches: matches.map(grpcMatch), filters: convertFilters(rule.filters), timeouts: {}, refs: refShapes(rule.backendRefs) };
    });
    shapes.set(route, (shape = routeShape(route, 'GRPCRoute', rules)));
  }
  return shape;
}

function routeShape(route: HTTPRoute | GRPCRoute, kind: 'HTTPRoute' | 'GRPCRoute', rules: RuleShape[]): RouteShape {
  const namespace = route.metadata.namespace ?? '';
  const name = route.metadata.name ?? '';
  return { kind, namespace, name, key: `${kind}/${namespace}/${name}`, time: routeTime(route), hostnames: route.spec?.hostnames ?? [], rules };
}

/** The route's model in this snapshot: its shape, with backendRefs resolved against the snapshot. */
function model(ctx: TranslateContext, stored: StoredObject<HTTPRoute | GRPCRoute>, shape: RouteShape): RouteModel {
  const rules = shape.rules.map((rule): RuleModel => ({
    index: rule.index,
    matches: rule.matches,
    filters: rule.filters,
    timeouts: rule.timeouts,
    backendRefs: rule.refs.map((r): BackendRefModel => ({
      resolved: resolveBackendRef(ctx.snapshot, shape.kind, shape.namespace, r.ref),
      weight: r.weight,
      filters: r.filters,
    })),
  }));
  return {
    stored, route: stored.object, kind: shape.kind, namespace: shape.namespace, name: shape.name,
    key: shape.key, time: shape.time, hostnames: shape.hostnames, rules,
  };
}

/** Every HTTPRoute and GRPCRoute, oldest first (then `{namespace}/{name}`). */
export function loadRoutes(ctx: TranslateContext): RouteModel[] {
  const out = [
    ...ctx.snapshot.list<HTTPRoute>('HTTPRoute').map((s) => model(ctx, s, httpShape(s.object))),
    ...ctx.snapshot.list<GRPCRoute>('GRPCRoute').map((s) => model(ctx, s, grpcShape(s.object))),
  ];
  return out.sort((a, b) => compareByAge(a.route, b.route) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}
