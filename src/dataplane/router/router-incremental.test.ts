import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayIR, RouteIR } from '../../ir/types.ts';
import type { RequestMetrics } from '../../observability/metrics.ts';
import { diffRoutes } from './ir-diff.ts';
import { compileRouter, type BindMetrics, type CompiledBackend, type CompiledRoute, type CompiledRouter, type ListenerRouter } from './router.ts';
import { irGen, PATHS, PROBE_HOSTS } from './testing.ts';

const STEPS = 60;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

/** Every route occurrence of an IR, counted. */
function occurrences(ir: GatewayIR): Map<RouteIR, number> {
  const out = new Map<RouteIR, number>();
  for (const l of ir.listeners) for (const vh of l.virtualHosts) for (const r of vh.routes) out.set(r, (out.get(r) ?? 0) + 1);
  return out;
}

const probes = (() => {
  const out: { host: string; view: { method: string; path: string; query: string; headers: Record<string, string> } }[] = [];
  for (const host of PROBE_HOSTS) {
    for (const path of [...PATHS, '/v7', '/v3/y', '/zzz']) {
      for (const [method, headers, query] of [['GET', {}, ''], ['POST', { 'x-a': '1' }, 'q=1'], ['GET', { 'x-a': '2' }, 'q=2']] as const) {
        out.push({ host, view: { method, path, query, headers } });
      }
    }
  }
  return out;
})();

/** Routes every probe on both routers and asserts the same answer (same RouteIR, same backend picks). */
function assertSameRouting(a: CompiledRouter, b: CompiledRouter, ir: GatewayIR, where: string): void {
  assert.deepEqual([...a.listeners.keys()], [...b.listeners.keys()], where);
  for (const l of ir.listeners) {
    const la: ListenerRouter | undefined = a.listeners.get(l.name);
    const lb: ListenerRouter | undefined = b.listeners.get(l.name);
    assert.ok(la !== undefined && lb !== undefined, where);
    assert.equal(la.listener, l, `${where}: listener IR`);
    for (const p of probes) {
      const ra: CompiledRoute | undefined = la.route(p.host, p.view);
      const rb: CompiledRoute | undefined = lb.route(p.host, p.view);
      assert.equal(ra?.ir, rb?.ir, `${where}: ${l.name} ${p.host}${p.view.path} ${p.view.method}`);
      if (ra === undefined || rb === undefined) continue;
      for (const x of [0, 0.2, 0.5, 0.8, 0.999]) {
        const ba: CompiledBackend | undefined = ra.pick.pick(x);
        const bb: CompiledBackend | undefined = rb.pick.pick(x);
        assert.equal(ba?.weighted, bb?.weighted, `${where}: pick ${x}`);
        assert.equal(ba?.backend, bb?.backend);
        assert.deepEqual(ba?.requestHeaders, bb?.requestHeaders);
        assert.equal(ba?.metrics, bb?.metrics, `${where}: metric children`);
      }
      assert.equal(ra.ownMetrics, rb.ownMetrics);
    }
  }
}

describe('ir-diff: route occurrences as a multiset difference', () => {
  for (const seed of SEEDS) {
    test(`seed ${seed}: counts kept from the diffs equal the IR's routes at every step`, () => {
      const gen = irGen(seed);
      const counts = new Map<RouteIR, number>();
      let ir: GatewayIR = { listeners: [] };
      for (let step = 0; step < STEPS; step++) {
        const next = step === 0 ? gen.gateway() : gen.edit(ir);
        diffRoutes(ir, next, {
          removed: (r) => {
            const n = (counts.get(r) ?? 0) - 1;
            assert.ok(n >= 0, `step ${step}: removed a route that was not there`);
            if (n === 0) counts.delete(r);
            else counts.set(r, n);
          },
          added: (r) => counts.set(r, (counts.get(r) ?? 0) + 1),
        });
        assert.deepEqual(counts, occurrences(next), `seed ${seed} step ${step}`);
        ir = next;
      }
    });
  }
});

describe('incremental router compile', () => {
  // Metric children as GatewayMetrics.bindRequest gives them: one object per (route, backend).
  const children = new Map<string, RequestMetrics>();
  const bind: BindMetrics = (route, backend) => {
    const key = `${route}\u0000${backend}`;
    let m = children.get(key);
    if (m === undefined) children.set(key, (m = { observe() {} }));
    return m;
  };

  for (const seed of SEEDS) {
    test(`seed ${seed}: over ${STEPS} edits, the incrementally compiled router routes exactly like a fresh one`, () => {
      const gen = irGen(seed);
      let ir = gen.gateway();
      let incremental = compileRouter(ir, bind);
      for (let step = 0; step < STEPS; step++) {
        ir = gen.edit(ir);
        incremental = compileRouter(ir, bind, incremental);
        assertSameRouting(incremental, compileRouter(ir, bind), ir, `seed ${seed} step ${step}`);
      }
    });
  }

  test('unchanged parts are reused, changed ones are not; the result is a new router object', () => {
    const gen = irGen(42);
    const ir = gen.gateway();
    const first = compileRouter(ir, bind);
    const l0 = ir.listeners[0]!;
    const vh = l0.virtualHosts.find((v) => v.routes.length >= 2)!;
    assert.ok(vh, 'the generator made a virtual host with two routes');
    const [keep, replace] = vh.routes as [RouteIR, RouteIR];
    const replaced: RouteIR = { ...replace, backends: [] };
    const next: GatewayIR = {
      listeners: ir.listeners.map((l) => (l !== l0 ? l : { ...l, virtualHosts: l.virtualHosts.map((v) => (v !== vh ? v : { hostname: v.hostname, routes: v.routes.map((r) => (r === replace ? replaced : r)) })) })),
    };
    const second = compileRouter(next, bind, first);
    assert.notEqual(second, first);
    assert.equal(second.ir, next);
    for (const l of ir.listeners.slice(1)) assert.equal(second.listeners.get(l.name), first.listeners.get(l.name), 'an unchanged listener is reused as is');
    const routed = (router: CompiledRouter, r: RouteIR) => {
      const lr = router.listeners.get(l0.name) as unknown as { vhosts: { ir?: unknown; routes: { ir: RouteIR }[] }[] };
      return lr.vhosts.flatMap((v) => v.routes).find((c) => c.ir === r);
    };
    assert.ok(routed(first, keep));
    assert.equal(routed(second, keep), routed(first, keep), 'the untouched route of the edited virtual host is reused');
    assert.ok(routed(second, replaced));
    assert.equal(routed(second, replace), undefined, 'the replaced route is gone');
    // A router compiled with another binder is not reused (its metric children would be wrong).
    const other = compileRouter(next, () => ({ observe() {} }), first);
    assert.notEqual(routed(other, keep), routed(first, keep));
  });

  test('a removed route is gone from the next router (404), in-flight holders keep the old one', () => {
    const gen = irGen(7);
    const ir = gen.gateway();
    const l0 = ir.listeners[0]!;
    const next: GatewayIR = { listeners: [{ ...l0, virtualHosts: [] }, ...ir.listeners.slice(1)] };
    const before = compileRouter(ir, bind);
    const after = compileRouter(next, bind, before);
    for (const host of PROBE_HOSTS) assert.equal(after.listeners.get(l0.name)?.route(host, { method: 'GET', path: '/', query: '', headers: {} }), undefined);
    // The old router object is untouched: a request that read it before the swap still routes.
    const anyRouted = PROBE_HOSTS.some((host) => PATHS.some((path) => before.listeners.get(l0.name)?.route(host, { method: 'GET', path, query: '', headers: {} }) !== undefined));
    assert.equal(anyRouted, l0.virtualHosts.length > 0);
  });
});
