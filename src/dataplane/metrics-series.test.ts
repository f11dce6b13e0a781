import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Writable } from 'node:stream';
import type { GatewayIR, ListenerIR, RouteIR } from '../ir/types.ts';
import { createLogger } from '../observability/logger.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { DataPlane, type ProxyResult, type ProxyTarget, type UpstreamEngineLike } from './gateway.ts';
import { irGen } from './router/testing.ts';

/** Answers 200 itself: these tests are about which series exist, not about upstreams. */
class OkEngine implements UpstreamEngineLike {
  proxy(_req: unknown, res: http.ServerResponse, _target: ProxyTarget, done: (o: ProxyResult) => void): void {
    res.writeHead(200, { 'content-length': '0' });
    res.end();
    done({ status: 200 });
  }
  upgrade(): void {}
  update(): void {}
  async close(): Promise<void> {}
}

const sink = new Writable({ write: (_c, _e, cb) => cb() });

/** The pairs compileRoute binds for an IR: each route's own, and one per backend; plus the 404 pair. */
function expectedPairs(ir: GatewayIR): string[] {
  const out = new Set<string>([' ']);
  for (const l of ir.listeners) {
    for (const vh of l.virtualHosts) {
      for (const r of vh.routes) {
        out.add(`${r.name} `);
        for (const wb of r.backends) out.add(`${r.name} ${wb.backend.name}`);
      }
    }
  }
  return [...out].sort();
}

/** Generated listeners name ports 1-3 and carry placeholder certificates: serve them as plain HTTP on port 0 (identity kept per object). */
function onEphemeralPorts(): (ir: GatewayIR) => GatewayIR {
  const seen = new WeakMap<ListenerIR, ListenerIR>();
  return (ir) => ({
    listeners: ir.listeners.map((l) => {
      let m = seen.get(l);
      if (m === undefined) {
        m = { ...l, port: 0, protocol: 'HTTP', certificates: [] };
        seen.set(l, m);
      }
      return m;
    }),
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

function route(name: string, path: string): RouteIR {
  return {
    name,
    route: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0 },
    gateway: { namespace: 'default', name: 'gw', listener: 'http' },
    match: { path: { type: 'PathPrefix', value: path }, headers: [], queryParams: [] },
    filters: {},
    backends: [{ weight: 1, filters: {}, backend: { name: `Service/default/${name}:80`, service: { namespace: 'default', name, port: 80 }, endpoints: [{ address: '127.0.0.1', port: 1 }], protocol: 'http1' } }],
    timeouts: {},
  };
}

describe('request metric series follow the routes in the IR', () => {
  test('a removed route leaves /metrics; the routes that stay keep their counts', async () => {
    const metrics = new GatewayMetrics();
    const dp = new DataPlane({ engine: new OkEngine(), logger: createLogger({ destination: sink }).logger, metrics, accessLog: false });
    const a = route('a', '/a');
    const b = route('b', '/b');
    const listener = (routes: RouteIR[]): ListenerIR => ({ name: 'l', address: '127.0.0.1', port: 0, protocol: 'HTTP', certificates: [], virtualHosts: [{ hostname: '*', routes }] });
    try {
      await dp.apply({ listeners: [listener([a, b])] });
      const port = dp.listenerPort('l')!;
      assert.equal(await get(port, '/a'), 200);
      assert.equal(await get(port, '/b'), 200);
      assert.equal(await get(port, '/b'), 200);
      let text = await metrics.text();
      assert.match(text, /lastmile_requests_total\{route="a",backend="Service\/default\/a:80",code="",status_class="2xx"\} 1/);

      await dp.apply({ listeners: [listener([b])] });
      text = await metrics.text();
      assert.doesNotMatch(text, /route="a"/, 'the removed route has no series');
      assert.match(text, /lastmile_requests_total\{route="b",backend="Service\/default\/b:80",code="",status_class="2xx"\} 2/, 'the kept route keeps its count');
      assert.equal(await get(port, '/a'), 404);

      // Back again: a new series from zero (a counter reset for Prometheus).
      await dp.apply({ listeners: [listener([route('a', '/a'), b])] });
      assert.equal(await get(port, '/a'), 200);
      assert.match(await metrics.text(), /lastmile_requests_total\{route="a",backend="Service\/default\/a:80",code="",status_class="2xx"\} 1/);
    } finally {
      await dp.close(0);
    }
  });

  test('over random IR edit sequences the bound pairs are exactly those of the IR being served', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const metrics = new GatewayMetrics();
      const dp = new DataPlane({ engine: new OkEngine(), logger: createLogger({ destination: sink }).logger, metrics, accessLog: false });
      const gen = irGen(seed);
      const serve = onEphemeralPorts();
      try {
        let ir = gen.gateway();
        for (let step = 0; step < 40; step++) {
          await dp.apply(serve(ir));
          assert.deepEqual(metrics.boundRequestPairs().sort(), expectedPairs(ir), `seed ${seed} step ${step}`);
          ir = gen.edit(ir);
        }
      } finally {
        await dp.close(0);
      }
    }
  });
});
