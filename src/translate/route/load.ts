/** Reads HTTPRoutes and GRPCRoutes into RouteModels, applying the spec defaults. */
import type { GRPCRoute, HTTPRoute } from '../../api/gateway-api.ts';
import type { StoredObject } from '../../store/snapshot.ts';
import { resolveBackendRef } from '../backend/service.ts';
import type { TranslateContext } from '../context.ts';
import { compareByAge } from '../order.ts';
import { parseDuration } from './durations.ts';
import { convertFilters } from './filters.ts';
import { grpcMatch, httpMatch } from './matching.ts';
import type { BackendRefModel, RouteModel, RuleModel } from './model.ts';

function routeTime(route: HTTPRoute | GRPCRoute): number {
  const t = Date.parse(route.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

function timeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  // 0 disables the timeout (Gateway API HTTPRouteTimeouts): leave it out of the IR.
  return ms === undefined || ms === 0 ? undefined : ms;
}

function loadHttp(ctx: TranslateContext, stored: StoredObject<HTTPRoute>): RouteModel {
  const route = stored.object;
  const namespace = route.metadata.namespace ?? '';
  const rules: RuleModel[] = (route.spec?.rules ?? []).map((rule, index) => {
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    const requestMs = timeout(rule.timeouts?.request);
    const backendRequestMs = timeout(rule.timeouts?.backendRequest);
    return {
      index,
      matches: matches.map(httpMatch),
      filters: convertFilters(rule.filters),
      timeouts: { ...(requestMs !== undefined ? { requestMs } : {}), ...(backendRequestMs !== undefined ? { backendRequestMs } : {}) },
      backendRefs: (rule.backendRefs ?? []).map((ref): BackendRefModel => ({
        resolved: resolveBackendRef(ctx.snapshot, 'HTTPRoute', namespace, ref),
        weight: ref.weight ?? 1,
        filters: convertFilters(ref.filters),
      })),
    };
  });
  return model(stored, 'HTTPRoute', rules);
}

function loadGrpc(ctx: TranslateContext, stored: StoredObject<GRPCRoute>): RouteModel {
  const route = stored.object;
  const namespace = route.metadata.namespace ?? '';
  const rules: RuleModel[] = (route.spec?.rules ?? []).map((rule, index) => {
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    return {
      index,
      matches: matches.map(grpcMatch),
      filters: convertFilters(rule.filters),
      timeouts: {},
      backendRefs: (rule.backendRefs ?? []).map((ref): BackendRefModel => ({
        resolved: resolveBackendRef(ctx.snapshot, 'GRPCRoute', namespace, ref),
        weight: ref.weight ?? 1,
        filters: convertFilters(ref.filters),
      })),
    };
  });
  return model(stored, 'GRPCRoute', rules);
}

function model(stored: StoredObject<HTTPRoute | GRPCRoute>, kind: 'HTTPRoute' | 'GRPCRoute', rules: RuleModel[]): RouteModel {
  const route = stored.object;
  const namespace = route.metadata.namespace ?? '';
  const name = route.metadata.name ?? '';
  return {
    stored, route, kind, namespace, name,
    key: `${kind}/${namespace}/${name}`,
    time: routeTime(route),
    hostnames: route.spec?.hostnames ?? [],
    rules,
  };
}

/** Every HTTPRoute and GRPCRoute, oldest first (then `{namespace}/{name}`). */
export function loadRoutes(ctx: TranslateContext): RouteModel[] {
  const out = [
    ...ctx.snapshot.list<HTTPRoute>('HTTPRoute').map((s) => loadHttp(ctx, s)),
    ...ctx.snapshot.list<GRPCRoute>('GRPCRoute').map((s) => loadGrpc(ctx, s)),
  ];
  return out.sort((a, b) => compareByAge(a.route, b.route) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}
