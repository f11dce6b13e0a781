/**
 * The router compiled from an IR, once per swap (design.md "Performance design"): per listener
 * socket a host table, per virtual host its routes in IR order (already the spec's precedence
 * order) with precompiled matchers, and per route a weighted picker over backends whose filters
 * and metric children are prepared. A request walks this without lookups by name.
 */
import type { BackendIR, FiltersIR, GatewayIR, HeaderModifierIR, ListenerIR, RouteIR, WeightedBackendIR } from '../../ir/types.ts';
import type { RequestMetrics } from '../../observability/metrics.ts';
import { mergeHeaderModifiers } from '../filters/headers.ts';
import { compileHosts, type HostTable } from './hosts.ts';
import { compileMatch, QueryParams, type Matcher, type RequestView } from './match.ts';
import { compileWeighted, type WeightedPicker } from './weighted.ts';

/** A backend as one route uses it: filters merged (route, then backend), metrics bound. */
export interface CompiledBackend {
  readonly weighted: WeightedBackendIR;
  readonly backend: BackendIR;
  /** Request header modifiers to apply in order (route-level, then backend-level). */
  readonly requestHeaders: readonly HeaderModifierIR[];
  /** One merged response header modifier, for the upstream engine. */
  readonly responseHeaders?: HeaderModifierIR;
  /** URLRewrite: the backend's own when it has one, else the route's. */
  readonly urlRewrite?: FiltersIR['urlRewrite'];
  readonly metrics: RequestMetrics;
}

export interface CompiledRoute {
  readonly ir: RouteIR;
  readonly matches: Matcher;
  readonly pick: WeightedPicker<CompiledBackend>;
  /** Metrics for answers given without a backend (redirects, direct responses, no backend). */
  readonly ownMetrics: RequestMetrics;
}

export interface VirtualHostRouter {
  readonly hostname: string;
  readonly routes: readonly CompiledRoute[];
}

/** The router of one listener socket. */
export interface ListenerRouter {
  readonly listener: ListenerIR;
  /** The first route matching the request on the virtual host its Host picks, or undefined (404). */
  route(host: string, req: RequestView): CompiledRoute | undefined;
}

export interface CompiledRouter {
  readonly ir: GatewayIR;
  /** By ListenerIR.name (`address:port`). */
  readonly listeners: ReadonlyMap<string, ListenerRouter>;
}

export type BindMetrics = (route: string, backend: string) => RequestMetrics;

const NO_METRICS: RequestMetrics = { observe() {} };

function compileRoute(r: RouteIR, bind: BindMetrics): CompiledRoute {
  const items = r.backends.map((wb) => ({ weight: wb.weight, value: compileBackend(r, wb, bind) }));
  return { ir: r, matches: compileMatch(r.match), pick: compileWeighted(items), ownMetrics: bind(r.name, '') };
}

function compileBackend(r: RouteIR, wb: WeightedBackendIR, bind: BindMetrics): CompiledBackend {
  const requestHeaders: HeaderModifierIR[] = [];
  if (r.filters.requestHeaders) requestHeaders.push(r.filters.requestHeaders);
  if (wb.filters.requestHeaders) requestHeaders.push(wb.filters.requestHeaders);
  const responseHeaders = mergeHeaderModifiers(r.filters.responseHeaders, wb.filters.responseHeaders);
  const urlRewrite = wb.filters.urlRewrite ?? r.filters.urlRewrite;
  return {
    weighted: wb,
    backend: wb.backend,
    requestHeaders,
    ...(responseHeaders ? { responseHeaders } : {}),
    ...(urlRewrite ? { urlRewrite } : {}),
    metrics: bind(r.name, wb.backend.name),
  };
}

function compileListener(l: ListenerIR, bind: BindMetrics): ListenerRouter {
  const vhosts: VirtualHostRouter[] = l.virtualHosts.map((vh) => ({ hostname: vh.hostname, routes: vh.routes.map((r) => compileRoute(r, bind)) }));
  const table: HostTable<VirtualHostRouter> = compileHosts(vhosts.map((v) => ({ hostname: v.hostname, value: v })));
  return {
    listener: l,
    route(host: string, req: RequestView): CompiledRoute | undefined {
      const vh = table.lookup(host);
      if (vh === undefined) return undefined;
      const params = new QueryParams(req.query);
      for (const r of vh.routes) if (r.matches(req, params)) return r;
      return undefined;
    },
  };
}

/** Compiles the whole IR; `bind` pre-binds metric children (omit in tests). */
export function compileRouter(ir: GatewayIR, bind: BindMetrics = () => NO_METRICS): CompiledRouter {
  const listeners = new Map<string, ListenerRouter>();
  for (const l of ir.listeners) listeners.set(l.name, compileListener(l, bind));
  return { ir, listeners };
}
