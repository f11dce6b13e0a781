/**
 * The start-up rehearsal of the data plane's part of an edit (runner/gateway-core.ts
 * rehearseEdit, issue "Performance"): the first policy edit after start-up spent ~10 ms more in
 * DataPlane.apply than later ones, compiling cold code (compileListener's walk of a listener's
 * virtual hosts, compileVirtualHost, compileRoute, ir-diff). This runs that code once on the
 * live IR with one virtual host copied, so an edit's shapes and sizes are what it sees, and
 * throws the result away: the router it compiles is never swapped in.
 */
import type { GatewayIR, ListenerIR, VirtualHostIR } from '../../ir/types.ts';
import type { RequestMetrics } from '../../observability/metrics.ts';
import { diffListeners, diffRoutes } from './ir-diff.ts';
import { compileRouter, compiledFrom, type BindMetrics } from './router.ts';

const NOTHING = (): void => undefined;
const NO_METRICS: RequestMetrics = { observe: NOTHING };
/** The default binder: binds nothing, so the throwaway routes hold no metric reference. */
const NO_BIND: BindMetrics = () => NO_METRICS;

/**
 * `ir` with one virtual host structurally copied (new VirtualHostIR, RouteIR and ListenerIR
 * objects, the same content; everything else shared), as an edit that reaches one virtual host
 * gives it (translate/translator.ts spliceIr); undefined when no listener has a route. The host
 * is the first with routes on the listener with the most virtual hosts (where an edit walks
 * the longest list).
 */
export function withVirtualHostCopy(ir: GatewayIR): GatewayIR | undefined {
  let listener: ListenerIR | undefined;
  let index = -1;
  for (const l of ir.listeners) {
    if (listener !== undefined && l.virtualHosts.length <= listener.virtualHosts.length) continue;
    const i = l.virtualHosts.findIndex((vh) => vh.routes.length > 0);
    if (i !== -1) [listener, index] = [l, i];
  }
  if (listener === undefined) return undefined;
  const original = listener.virtualHosts[index] as VirtualHostIR;
  const copy: VirtualHostIR = { ...original, routes: original.routes.map((r) => ({ ...r })) };
  const copied: ListenerIR = { ...listener, virtualHosts: listener.virtualHosts.map((vh, i) => (i === index ? copy : vh)) };
  return { ...ir, listeners: ir.listeners.map((l) => (l === listener ? copied : l)) };
}

/**
 * Compiles, incrementally from the live router of `ir` (the router last compiled from that
 * object: router.ts compiledFrom), a router for `ir` with one virtual host copied, and diffs
 * the two IRs as DataPlane.apply does; the result is discarded. `bind` binds the metrics of the
 * copied routes (default: none); a binder that takes references must give them back itself
 * (gateway-core.ts binds and releases at once). Nothing else is touched: the
 * live router, its IR and its parts are only read. False when there was nothing to rehearse on
 * (no router compiled from `ir`, or no route).
 */
export function rehearseCompile(ir: GatewayIR, bind?: BindMetrics): boolean {
  const live = compiledFrom(ir);
  const next = live !== undefined ? withVirtualHostCopy(ir) : undefined;
  if (live === undefined || next === undefined) return false;
  const binder = bind ?? NO_BIND;
  // The live parts are reused only with the binder they were compiled with (compileRouter): the
  // throwaway previous router claims the rehearsal's, so unchanged parts are reused as in an edit.
  compileRouter(next, binder, { ...live, bind: binder });
  diffRoutes(ir, next, { removed: NOTHING, added: NOTHING });
  diffListeners(ir, next, NOTHING);
  return true;
}
