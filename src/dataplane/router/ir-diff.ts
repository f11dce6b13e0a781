/**
 * What changed between two IRs, found by object identity: the incremental translator
 * (translate/translator.ts spliceIr) hands back the very same ListenerIR, VirtualHostIR and
 * RouteIR objects for everything an edit did not reach, so an unchanged listener or virtual host
 * is skipped with one comparison. A full translation gives all-new objects: the diff then
 * reports every route removed and added again, which is correct, only not cheaper.
 *
 * Used by what keeps per-route bookkeeping across IR swaps (upstream pools, certificate expiry):
 * at N = 10k (40k RouteIRs) walking the whole IR on every policy edit was ~40% of the apply time
 * (BENCHMARKS.md "Control plane", traffic phase profile).
 */
import type { GatewayIR, ListenerIR, RouteIR, VirtualHostIR } from '../../ir/types.ts';

/** Called once per route occurrence that left (`removed`) or joined (`added`) the IR. */
export interface RouteChanges {
  removed(route: RouteIR): void;
  added(route: RouteIR): void;
}

/**
 * Reports route occurrences as a multiset difference: over a sequence of IRs, adding what
 * `added` reports and subtracting what `removed` reports, starting from the empty IR, gives
 * exactly the routes of the last IR (each as many times as it occurs), so reference counts kept
 * from these calls are exact. A route that only moved may be reported removed then added.
 */
export function diffRoutes(prev: GatewayIR, next: GatewayIR, changes: RouteChanges): void {
  if (prev === next) return;
  pairBy(prev.listeners, next.listeners, (l) => l.name, (p, n) => {
    if (p === n) return;
    diffVirtualHosts(p?.virtualHosts ?? [], n?.virtualHosts ?? [], changes);
  });
}

/** Calls `changed(old, new)` for each listener (paired by name) whose object differs. */
export function diffListeners(prev: GatewayIR, next: GatewayIR, changed: (p: ListenerIR | undefined, n: ListenerIR | undefined) => void): void {
  if (prev === next) return;
  pairBy(prev.listeners, next.listeners, (l) => l.name, (p, n) => {
    if (p !== n) changed(p, n);
  });
}

function diffVirtualHosts(prev: readonly VirtualHostIR[], next: readonly VirtualHostIR[], changes: RouteChanges): void {
  pairBy(prev, next, (v) => v.hostname, (p, n) => {
    if (p !== n) diffRouteLists(p?.routes ?? [], n?.routes ?? [], changes);
  });
}

/** Multiset difference of two route lists; routes at the same index that are identical cancel at once. */
function diffRouteLists(prev: readonly RouteIR[], next: readonly RouteIR[], changes: RouteChanges): void {
  const pending = new Map<RouteIR, number>();
  for (let i = 0; i < prev.length; i++) {
    const r = prev[i] as RouteIR;
    if (r !== next[i]) pending.set(r, (pending.get(r) ?? 0) + 1);
  }
  for (let i = 0; i < next.length; i++) {
    const r = next[i] as RouteIR;
    if (r === prev[i]) continue;
    const left = pending.get(r);
    if (left === undefined) changes.added(r);
    else if (left === 1) pending.delete(r);
    else pending.set(r, left - 1);
  }
  for (const [r, count] of pending) for (let k = 0; k < count; k++) changes.removed(r);
}

/**
 * Pairs the items of two lists by key: first identical objects at the same index (the common
 * case: an edit leaves nearly everything in place), then the rest by key in order. Unpaired
 * items get `undefined` for the missing side. Every item of both lists is visited exactly once.
 */
function pairBy<T>(prev: readonly T[], next: readonly T[], key: (t: T) => string, visit: (p: T | undefined, n: T | undefined) => void): void {
  let unmatched: Map<string, T[]> | undefined;
  for (let i = 0; i < prev.length; i++) {
    const p = prev[i] as T;
    if (p === next[i]) continue;
    unmatched ??= new Map();
    const k = key(p);
    const list = unmatched.get(k);
    if (list === undefined) unmatched.set(k, [p]);
    else list.push(p);
  }
  for (let i = 0; i < next.length; i++) {
    const n = next[i] as T;
    if (n === prev[i]) {
      visit(n, n);
      continue;
    }
    const list = unmatched?.get(key(n));
    const p = list?.shift();
    if (list !== undefined && list.length === 0) unmatched?.delete(key(n));
    visit(p, n);
  }
  if (unmatched !== undefined) for (const list of unmatched.values()) for (const p of list) visit(p, undefined);
}
