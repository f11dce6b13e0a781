import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Writable } from 'node:stream';
import type { RouteIR } from '../ir/types.ts';
import { createLogger } from '../observability/logger.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { DataPlane, type ProxyResult, type ProxyTarget, type UpstreamEngineLike } from './gateway.ts';
import { HEADERS_CHECKED, type CheckableHeaders } from './upstream/h1/request-head.ts';

/** Records whether each target's headers carry the checked mark. */
class MarkEngine implements UpstreamEngineLike {
  readonly marks: (boolean | undefined)[] = [];
  proxy(_req: unknown, res: http.ServerResponse, target: ProxyTarget, done: (o: ProxyResult) => void): void {
    this.marks.push((target.headers as CheckableHeaders)[HEADERS_CHECKED]);
    res.writeHead(200, { 'content-length': '0' });
    res.end();
    done({ status: 200 });
  }
  upgrade(): void {}
  update(): void {}
  async close(): Promise<void> {}
}

function route(name: string, prefix: string, extra: Partial<RouteIR> = {}, protocol: 'http1' | 'h2' = 'http1'): RouteIR {
  return {
    name,
    route: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0 },
    gateway: { namespace: 'default', name: 'gw', listener: 'http' },
    match: { path: { type: 'PathPrefix', value: prefix }, headers: [], queryParams: [] },
    filters: {},
    backends: [{ weight: 1, filters: {}, backend: { name: 'svc', service: { namespace: 'default', name: 'svc', port: 80 }, endpoints: [{ address: '127.0.0.1', port: 1 }], protocol } }],
    timeouts: {},
    ...extra,
  };
}

async function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

// request-head.ts HEADERS_CHECKED: set only when every upstream header value is the strict
// parser's or one the data plane built, never when a filter or rewrite added one.
describe('upstream headers: the checked mark', () => {
  const engine = new MarkEngine();
  const dp = new DataPlane({ engine, logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }).logger, metrics: new GatewayMetrics() });
  let port = 0;
  before(async () => {
    const r = await dp.apply({
      listeners: [
        {
          name: 'l',
          address: '127.0.0.1',
          port: 0,
          protocol: 'HTTP',
          certificates: [],
          virtualHosts: [
            {
              hostname: '*',
              routes: [
                route('modifier', '/mod', { filters: { requestHeaders: { set: [{ name: 'x-set', value: 'v' }], add: [], remove: [] } } }),
                route('rewrite', '/rw', { filters: { urlRewrite: { hostname: 'internal.svc' } } }),
                route('h2', '/h2', {}, 'h2'),
                route('plain', '/'),
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(r.failed, []);
    port = dp.listenerPort('l') ?? 0;
  });
  after(() => dp.close(1000));

  test('a plain proxied request through the lean front is marked; filters, rewrites and other engines are not', async () => {
    for (const p of ['/plain', '/mod', '/rw', '/h2']) assert.equal(await get(port, p), 200);
    assert.deepEqual(engine.marks, [true, undefined, undefined, undefined]);
  });
});
