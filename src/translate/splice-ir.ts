/**
 * Splicing a small translation's RouteIRs into the previous IR (translator.ts, the incremental
 * path): in place where a route's RouteIRs keep their names and places, and by rebuilding and
 * re-sorting, in the reference's order (ir-build.ts), the virtual hosts of an edited route.
 */
import { objectKey } from '../api/meta.ts';
import type { GRPCRoute, HTTPRoute } from '../api/gateway-api.ts';
import type { GatewayIR, ListenerIR, RouteIR, VirtualHostIR } from '../ir/types.ts';
import type { Snapshot } from '../store/snapshot.ts';
import { comparePrecedence, type PrecedenceKey } from './route/matching.ts';
import { routeTime } from './route/load.ts';

/** Where a RouteIR sits: socket, virtual host, route match, Gateway. */
function placeKey(listener: string, hostname: string, r: RouteIR): string {
  return `${listener}|${hostname}|${r.name}|${r.gateway.namespace}/${r.gateway.name}`;
}

export function routeKey(r: RouteIR): string {
  return objectKey(r.route.kind, r.route.namespace, r.route.name);
}

/** A RouteIR's precedence key (as route/compile.ts builds it), or undefined when unknown. */
export type PrecedenceOf = (r: RouteIR) => PrecedenceKey | undefined;

export function precedenceOf(snapshot: Snapshot, gatewayRanks: ReadonlyMap<string, number>): PrecedenceOf {
  const times = new Map<string, number | undefined>();
  return (r) => {
    const key = routeKey(r);
    let time = times.get(key);
    if (!times.has(key)) {
      const s = snapshot.get<HTTPRoute | GRPCRoute>(r.route.kind, r.route.namespace, r.route.name);
      time = s ? routeTime(s.object) : undefined;
      times.set(key, time);
    }
    const gatewayRank = gatewayRanks.get(`${r.gateway.namespace}/${r.gateway.name}`);
    // RouteIR names end in `/match/{index}` (route/compile.ts).
    const matchIndex = Number(r.name.slice(r.name.lastIndexOf('/') + 1));
    if (time === undefined || gatewayRank === undefined || !Number.isInteger(matchIndex)) return undefined;
    return { match: r.match, routeTime: time, routeName: `${r.route.namespace}/${r.route.name}`, rule: r.route.rule, matchIndex, gatewayRank };
  };
}

/**
 * A virtual host's routes in the reference's order (ir-build.ts virtualHost: a stable sort by
 * comparePrecedence of the entries in route order, then one RouteIR per name and Gateway).
 * After that de-duplication two RouteIRs compare equal only when they are an HTTPRoute and a
 * GRPCRoute of the same `namespace/name` (the same name, rule, match and Gateway otherwise
 * means the same RouteIR), and route order (route/load.ts) puts the GRPCRoute first: with
 * that tie-break the order is total, so any sort gives the reference's.
 */
function sortRoutes(routes: readonly RouteIR[], order: PrecedenceOf): RouteIR[] | undefined {
  const keyed: { r: RouteIR; k: PrecedenceKey }[] = [];
  for (const r of routes) {
    const k = order(r);
    if (!k) return undefined;
    keyed.push({ r, k });
  }
  keyed.sort((a, b) => comparePrecedence(a.k, b.k) || (a.r.route.kind < b.r.route.kind ? -1 : a.r.route.kind > b.r.route.kind ? 1 : 0));
  return keyed.map((x) => x.r);
}

/**
 * The previous IR with the RouteIRs of `routes` taken from `sub`; undefined when they do not
 * line up. `edited` routes (routeEditInPlace) may have other RouteIRs than before (rules and
 * matches changed): the virtual hosts holding them are rebuilt and re-sorted, and must be the
 * same virtual hosts before and after.
 */
export function spliceIr(prev: GatewayIR, sub: GatewayIR, routeKeys: ReadonlySet<string>, edited?: { keys: ReadonlySet<string>; order: PrecedenceOf }): GatewayIR | undefined {
  // Route names first: a Set lookup per RouteIR instead of a key string per RouteIR (40k at N = 10k).
  const names = new Set([...routeKeys].map((k) => k.slice(k.lastIndexOf('/') + 1)));
  const routes = { size: routeKeys.size, has: (r: RouteIR): boolean => names.has(r.route.name) && routeKeys.has(routeKey(r)) };
  const editedNames = new Set([...(edited?.keys ?? [])].map((k) => k.slice(k.lastIndexOf('/') + 1)));
  const isEdited = (r: RouteIR): boolean => editedNames.has(r.route.name) && edited !== undefined && edited.keys.has(routeKey(r));
  const fresh = new Map<string, RouteIR>();
  // Where the edited routes sit in the small run, and where they sat before.
  const subHosts = new Map<string, VirtualHostIR>();
  const placesAfter = new Set<string>();
  const placesBefore = new Set<string>();
  for (const l of sub.listeners) {
    for (const vh of l.virtualHosts) {
      subHosts.set(`${l.name}|${vh.hostname}`, vh);
      for (const r of vh.routes) {
        fresh.set(placeKey(l.name, vh.hostname, r), r);
        if (isEdited(r)) placesAfter.add(`${routeKey(r)}|${l.name}|${vh.hostname}`);
      }
    }
  }
  if (prev.listeners.length !== sub.listeners.length) return undefined;
  let used = 0;
  let missing = false;
  const listeners = prev.listeners.map((l, li): ListenerIR => {
    const subListener = sub.listeners[li];
    if (l.name !== subListener?.name) missing = true;
    // Only the virtual hosts where the small run placed routes can hold the recomputed routes:
    // where a route's RouteIRs go depends on the route's parentRefs and hostnames and the
    // Gateways alone, all unchanged (edited routes are checked below, place by place).
    const touched = new Set(subListener?.virtualHosts.map((vh) => vh.hostname));
    if (touched.size === 0 && editedNames.size === 0) return l;
    let changed = false;
    const virtualHosts = l.virtualHosts.map((vh): VirtualHostIR => {
      if (editedNames.size > 0 && vh.routes.some(isEdited)) {
        for (const r of vh.routes) {
          if (isEdited(r)) placesBefore.add(`${routeKey(r)}|${l.name}|${vh.hostname}`);
          // A picked route that was not edited keeps its places: each has a fresh RouteIR.
          else if (routes.has(r) && !fresh.has(placeKey(l.name, vh.hostname, r))) missing = true;
        }
        // Rebuilt: the other routes as they were, the picked ones from the small run, re-sorted.
        const next = subHosts.get(`${l.name}|${vh.hostname}`)?.routes ?? [];
        used += next.length;
        const sorted = sortRoutes([...vh.routes.filter((r) => !routes.has(r)), ...next], edited!.order);
        if (!sorted) missing = true;
        changed = true;
        return Object.freeze({ hostname: vh.hostname, routes: Object.freeze(sorted ?? vh.routes) });
      }
      if (!touched.has(vh.hostname) || !vh.routes.some(routes.has)) return vh;
      changed = true;
      const replaced = vh.routes.map((r): RouteIR => {
        if (!routes.has(r)) return r;
        const next = fresh.get(placeKey(l.name, vh.hostname, r));
        if (next) used++;
        else missing = true;
        return next ?? r;
      });
      return Object.freeze({ hostname: vh.hostname, routes: Object.freeze(replaced) });
    });
    return changed ? Object.freeze({ ...l, virtualHosts: Object.freeze(virtualHosts) }) : l;
  });
  // Every place of a recomputed route must get a fresh RouteIR, and every fresh one a place;
  // an edited route must sit in the same virtual hosts as before (a route whose rules went
  // to or from none leaves or joins a virtual host: a full run).
  if (missing || used !== fresh.size) return undefined;
  if (placesBefore.size !== placesAfter.size || [...placesBefore].some((p) => !placesAfter.has(p))) return undefined;
  return Object.freeze({ listeners: Object.freeze(listeners) });
}
