import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayIR, RouteIR } from '../../ir/types.ts';
import type { RequestMetrics } from '../../observability/metrics.ts';
import { diffRoutes } from './ir-diff.ts';
import { rehearseCompile, withVirtualHostCopy } from './rehearsal.ts';
import { compileRouter, compiledFrom, type BindMetrics, type CompiledRouter } from './router.ts';
import { irGen, PATHS, PROBE_HOSTS } from './testing.ts';

const SEEDS = [1, 2, 3, 4, 5, 6];

/** A binder that counts the references it hands out, per (route, backend) pair. */
function countingBind(): { bind: BindMetrics; refs: Map<string, number>; calls: () => number } {
  const refs = new Map<string, number>();
  let calls = 0;
  const bind: BindMetrics = (route, backend): RequestMetrics => {
    calls++;
    const key = `${route} ${backend}`;
    refs.set(key, (refs.get(key) ?? 0) + 1);
    return { observe() {} };
  };
  return { bind, refs, calls: () => calls };
}

/** The route every probe gets on `router`, as RouteIR identities (undefined: 404). */
function routing(router: CompiledRouter, ir: GatewayIR): (RouteIR | undefined)[] {
  const out: (RouteIR | undefined)[] = [];
  for (const l of ir.listeners) {
    const lr = router.listeners.get(l.name);
    for (const host of PROBE_HOSTS) {
      for (const path of PATHS) out.push(lr?.route(host, { method: 'GET', path, query: '', headers: {} })?.ir);
    }
  }
  return out;
}

/** An IR from the generator with at least one route. */
function gatewayWithRoutes(seed: number): { ir: GatewayIR; gen: ReturnType<typeof irGen> } {
  const gen = irGen(seed);
  for (let i = 0; i < 20; i++) {
    const ir = gen.gateway();
    if (ir.listeners.some((l) => l.virtualHosts.some((vh) => vh.routes.length > 0))) return { ir, gen };
  }
  throw new Error(`seed ${seed}: no IR with a route`);
}

describe('rehearseCompile: a throwaway incremental compile with no effect on the live router', () => {
  for (const seed of SEEDS) {
    test(`seed ${seed}: live router, its IR, parts and metric references untouched; the next edit compiles as before`, () => {
      const { ir, gen } = gatewayWithRoutes(seed);
      const metrics = countingBind();
      const live = compileRouter(ir, metrics.bind);
      const irBefore = structuredClone(ir);
      const listenersBefore = [...live.listeners.entries()];
      const refsBefore = new Map(metrics.refs);
      const callsBefore = metrics.calls();
      const routingBefore = routing(live, ir);

      assert.equal(rehearseCompile(ir), true);
      // With its own binder: that one is called, the live one is not.
      const rehearsal = countingBind();
      assert.equal(rehearseCompile(ir, rehearsal.bind), true);
      assert.ok(rehearsal.calls() > 0, 'the copied routes were compiled with the rehearsal binder');

      assert.equal(metrics.calls(), callsBefore, 'no metric pair bound through the live binder');
      assert.deepEqual(metrics.refs, refsBefore);
      assert.deepEqual(ir, irBefore, 'the IR is unchanged');
      assert.deepEqual([...live.listeners.entries()], listenersBefore, 'the same listener routers');
      assert.equal(live.ir, ir);
      assert.equal(compiledFrom(ir), live, 'the live router is still the one compiled from its IR');
      assert.deepEqual(routing(live, ir), routingBefore, 'it routes as before');

      // The next real edit, compiled from the live router, is the same as without a rehearsal.
      const next = gen.edit(ir);
      const incremental = compileRouter(next, metrics.bind, live);
      assert.deepEqual(routing(incremental, next), routing(compileRouter(next), next));
      for (const l of next.listeners) {
        if (ir.listeners.includes(l)) assert.equal(incremental.listeners.get(l.name), live.listeners.get(l.name), `${l.name} reused`);
      }
    });
  }

  test('false when there is nothing to rehearse on: an IR no router was compiled from, or no route', () => {
    const { ir } = gatewayWithRoutes(1);
    assert.equal(rehearseCompile(ir), false, 'never compiled');
    assert.equal(rehearseCompile(structuredClone(ir)), false, 'an equal IR is not the compiled one');
    const empty: GatewayIR = { listeners: [] };
    compileRouter(empty);
    assert.equal(rehearseCompile(empty), false);
    const noRoutes: GatewayIR = { listeners: ir.listeners.map((l) => ({ ...l, virtualHosts: l.virtualHosts.map((vh) => ({ ...vh, routes: [] })) })) };
    compileRouter(noRoutes);
    assert.equal(rehearseCompile(noRoutes), false);
  });
});

describe('withVirtualHostCopy', () => {
  for (const seed of SEEDS) {
    test(`seed ${seed}: one virtual host copied (new objects, equal content), the rest shared`, () => {
      const { ir } = gatewayWithRoutes(seed);
      const next = withVirtualHostCopy(ir);
      assert.ok(next !== undefined);
      assert.notEqual(next, ir);
      assert.deepEqual(next, ir, 'the same content');
      const changed = next.listeners.filter((l, i) => l !== ir.listeners[i]);
      assert.equal(changed.length, 1, 'one listener object is new');
      const listener = changed[0];
      assert.ok(listener !== undefined);
      const before = ir.listeners.find((l) => l.name === listener.name);
      assert.ok(before !== undefined);
      // The listener with the most virtual hosts (the longest walk).
      assert.equal(listener.virtualHosts.length, Math.max(...ir.listeners.filter((l) => l.virtualHosts.some((vh) => vh.routes.length > 0)).map((l) => l.virtualHosts.length)));
      const hosts = listener.virtualHosts.filter((vh, i) => vh !== before.virtualHosts[i]);
      assert.equal(hosts.length, 1, 'one virtual host object is new');
      const host = hosts[0];
      assert.ok(host !== undefined && host.routes.length > 0);
      const old = new Set(before.virtualHosts.flatMap((vh) => vh.routes));
      assert.ok(host.routes.every((r) => !old.has(r)), 'its routes are new objects');
      // What the data plane's bookkeeping sees: that host's routes left and came back.
      let removed = 0;
      let added = 0;
      diffRoutes(ir, next, { removed: () => removed++, added: () => added++ });
      assert.equal(removed, host.routes.length);
      assert.equal(added, host.routes.length);
    });
  }
});
