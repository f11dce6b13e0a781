/**
 * The router compiled from an IR, once per swap (design.md "Performance design"): per listener
 * socket a host table, per virtual host its routes in IR order (already the spec's precedence
 * order) with precompiled matchers, and per route a weighted picker over backends whose filters
 * and metric children are prepared. A request walks this without lookups by name.
 *
 * Incremental: given the previous router, the parts whose IR objects are unchanged (the same
 * ListenerIR, VirtualHostIR or RouteIR object: the incremental translator keeps them, see
 * translate/translator.ts spliceIr) are reused as they are, and a host table is reused when the
 * listener's hostnames are the same. Compiled parts are immutable and a pure function of their IR
 * object (and `bind`), so a reused part routes exactly as a fresh one would
 * (router-incremental.test.ts checks it on edit sequences). Why: recompiling 40k routes on every
 * policy edit took ~40% of the ~500 ms edit -> traffic at N = 10k (BENCHMARKS.md, traffic phase).
 * The result is still a new CompiledRouter object, swapped in with one assignment.
 */
import type { BackendIR, FiltersIR, GatewayIR, HeaderModifierIR, ListenerIR, RouteIR, VirtualHostIR, WeightedBackendIR } from '../../ir/types.ts';
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
  /** The IR it was compiled from (reused while the same object is in the IR). */
  readonly ir?: VirtualHostIR;
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
  /** The metric binder its routes were compiled with (a later compile reuses them only with the same one). */
  readonly bind?: BindMetrics;
}

export type BindMetrics = (route: string, backend: string) => RequestMetrics;

const NO_METRICS: RequestMetrics = { observe() {} };
const NO_BIND: BindMetrics = () => NO_METRICS;

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

/**
 * One listener socket: the host table gives an index into `vhosts` (so a table can be kept when
 * only the routes of some virtual hosts changed), then the routes are tried in order.
 */
class CompiledListener implements ListenerRouter {
  readonly listener: ListenerIR;
  /** Aligned with `listener.virtualHosts`. */
  readonly vhosts: readonly VirtualHostRouter[];
  readonly table: HostTable<number>;
  constructor(listener: ListenerIR, vhosts: readonly VirtualHostRouter[], table: HostTable<number>) {
    this.listener = listener;
    this.vhosts = vhosts;
    this.table = table;
  }

  route(host: string, req: RequestView): CompiledRoute | undefined {
    const i = this.table.lookup(host);
    if (i === undefined) return undefined;
    const vh = this.vhosts[i] as VirtualHostRouter;
    const params = new QueryParams(req.query);
    for (const r of vh.routes) if (r.matches(req, params)) return r;
    return undefined;
  }
}

function compileVirtualHost(vh: VirtualHostIR, bind: BindMetrics, prev: VirtualHostRouter | undefined): VirtualHostRouter {
  // Routes compiled from the same RouteIR object are reused (the usual edit replaces a few).
  let reuse: Map<RouteIR, CompiledRoute> | undefined;
  if (prev !== undefined && prev.routes.length > 0) {
    reuse = new Map();
    for (const r of prev.routes) reuse.set(r.ir, r);
  }
  return { hostname: vh.hostname, ir: vh, routes: vh.routes.map((r) => reuse?.get(r) ?? compileRoute(r, bind)) };
}

function sameHostnames(a: readonly VirtualHostIR[], b: readonly VirtualHostIR[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] as VirtualHostIR).hostname !== (b[i] as VirtualHostIR).hostname) return false;
  return true;
}

function compileListener(l: ListenerIR, bind: BindMetrics, prev: CompiledListener | undefined): CompiledListener {
  if (prev !== undefined && prev.listener === l) return prev;
  const before = prev?.vhosts ?? [];
  let byHostname: Map<string, VirtualHostRouter> | undefined;
  const vhosts = l.virtualHosts.map((vh, i): VirtualHostRouter => {
    const same = before[i];
    if (same !== undefined && same.ir === vh) return same;
    if (byHostname === undefined) {
      byHostname = new Map();
      for (const v of before) if (!byHostname.has(v.hostname)) byHostname.set(v.hostname, v);
    }
    const old = byHostname.get(vh.hostname);
    return old !== undefined && old.ir === vh ? old : compileVirtualHost(vh, bind, old);
  });
  // The table depends only on the hostnames, in order (compileHosts).
  const table = prev !== undefined && sameHostnames(prev.listener.virtualHosts, l.virtualHosts)
    ? prev.table
    : compileHosts(l.virtualHosts.map((v, i) => ({ hostname: v.hostname, value: i })));
  return new CompiledListener(l, vhosts, table);
}

/**
 * The router last compiled from each IR object, for the start-up rehearsal (rehearsal.ts): it
 * needs the live router (its compiled parts and `bind`), which its owner (DataPlane) keeps
 * private. An entry goes with its IR (a WeakMap value that refers to its key does not keep it).
 */
const compiled = new WeakMap<GatewayIR, CompiledRouter>();

/**
 * Compiles the IR; `bind` pre-binds metric children (omit in tests). With `previous` (the router
 * being replaced, compiled with the same `bind`), unchanged parts are reused (see file comment).
 */
export function compileRouter(ir: GatewayIR, bind: BindMetrics = NO_BIND, previous?: CompiledRouter): CompiledRouter {
  const reusable = previous !== undefined && previous.bind === bind ? previous : undefined;
  const listeners = new Map<string, ListenerRouter>();
  for (const l of ir.listeners) {
    const prev = reusable?.listeners.get(l.name);
    listeners.set(l.name, compileListener(l, bind, prev instanceof CompiledListener ? prev : undefined));
  }
  const router: CompiledRouter = { ir, listeners, bind };
  compiled.set(ir, router);
  return router;
}

/** The router last compiled from `ir` (this very object), if it is still alive. */
export function compiledFrom(ir: GatewayIR): CompiledRouter | undefined {
  return compiled.get(ir);
}
