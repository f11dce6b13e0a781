import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { Writable } from 'node:stream';
import type { GatewayIR, ListenerIR, RouteIR } from '../ir/types.ts';
import { createLogger } from '../observability/logger.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { createCa } from '../pki/generate.ts';
import { DataPlane, type ProxyResult, type ProxyTarget, type UpstreamEngineLike } from './gateway.ts';

/** An engine that answers with the target it was given, optionally after a delay. */
class EchoEngine implements UpstreamEngineLike {
  delayMs = 0;
  updates = 0;
  proxy(_req: unknown, res: http.ServerResponse, target: ProxyTarget, done: (o: ProxyResult) => void): void {
    setTimeout(() => {
      const body = JSON.stringify({ path: target.path, headers: target.headers, backend: target.backend.name, route: target.routeName });
      // The engine puts the request id on proxied responses (as both real engines do).
      res.writeHead(200, { 'content-type': 'application/json', ...(target.requestId ? { 'x-request-id': target.requestId } : {}) });
      res.end(body);
      done({ status: 200, endpoint: '127.0.0.1:1' });
    }, this.delayMs);
  }
  upgrade(): void {}
  update(): void {
    this.updates++;
  }
  async close(): Promise<void> {}
}

function route(name: string, extra: Partial<RouteIR> = {}, backend = 'svc'): RouteIR {
  return {
    name,
    route: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0 },
    gateway: { namespace: 'default', name: 'gw', listener: 'http' },
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    filters: {},
    backends: [{ weight: 1, filters: {}, backend: { name: backend, service: { namespace: 'default', name: backend, port: 80 }, endpoints: [{ address: '127.0.0.1', port: 1 }], protocol: 'http1' } }],
    timeouts: {},
    ...extra,
  };
}

function httpListener(routes: RouteIR[]): ListenerIR {
  return { name: 'l-http', address: '127.0.0.1', port: 0, protocol: 'HTTP', certificates: [], virtualHosts: [{ hostname: '*', routes }] };
}

const sink = new Writable({ write: (_c, _e, cb) => cb() });

async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('DataPlane over HTTP', () => {
  const engine = new EchoEngine();
  const dp = new DataPlane({ engine, logger: createLogger({ destination: sink }).logger, metrics: new GatewayMetrics() });
  let port = 0;
  const ir: GatewayIR = {
    listeners: [
      httpListener([
        route('redirect', { match: { path: { type: 'PathPrefix', value: '/old' }, headers: [], queryParams: [] }, filters: { redirect: { scheme: 'https', path: { type: 'ReplacePrefixMatch', value: '/new' }, statusCode: 301 } }, backends: [] }),
        route('invalid-policy', {
          match: { path: { type: 'PathPrefix', value: '/tls' }, headers: [], queryParams: [] },
          backends: [{ weight: 1, filters: {}, backend: { name: 'b', service: { namespace: 'd', name: 'b', port: 1 }, endpoints: [], protocol: 'http1', unusable: { status: 500, code: 'backend_tls_policy_invalid', message: 'no valid CA' } } }],
        }),
        route('nobackend', { match: { path: { type: 'PathPrefix', value: '/none' }, headers: [], queryParams: [] }, backends: [] }),
        route('rewrite', {
          match: { path: { type: 'PathPrefix', value: '/api' }, headers: [], queryParams: [] },
          filters: { urlRewrite: { hostname: 'internal.svc', path: { type: 'ReplacePrefixMatch', value: '/' } }, requestHeaders: { set: [{ name: 'X-Set', value: 'v' }], add: [], remove: ['x-drop'] } },
        }),
        route('exact', { match: { path: { type: 'Exact', value: '/exact' }, headers: [], queryParams: [] } }),
      ]),
    ],
  };
  before(async () => {
    const r = await dp.apply(ir);
    assert.deepEqual(r.failed, []);
    port = dp.listenerPort('l-http') ?? 0;
    assert.ok(port > 0);
  });
  after(() => dp.close(1000));

  test('no route: 404 route_not_found with request id', async () => {
    const r = await get(port, '/nothing');
    assert.equal(r.status, 404);
    assert.equal(r.headers['x-lastmile-error'], 'route_not_found');
    assert.ok(r.headers['x-request-id']);
  });
  test('redirect with ReplacePrefixMatch and scheme', async () => {
    const r = await get(port, '/old/x?q=1', { host: 'example.com' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://example.com/new/x?q=1');
  });
  test('unusable backend answers its direct response (500 backend_tls_policy_invalid)', async () => {
    const r = await get(port, '/tls');
    assert.equal(r.status, 500);
    assert.equal(r.headers['x-lastmile-error'], 'backend_tls_policy_invalid');
    assert.equal(r.body.includes('no valid CA'), false, 'the full story stays out of client responses');
  });
  test('rule without backends: 500', async () => {
    const r = await get(port, '/none');
    assert.equal(r.status, 500);
  });
  test('proxy target: rewrite, headers, Host kept, request id kept', async () => {
    const r = await get(port, '/api/v1?x=1', { host: 'public.example', 'x-drop': '1', 'x-request-id': 'abc', connection: 'keep-alive, x-hop', 'x-hop': 'h' });
    assert.equal(r.status, 200);
    const t = JSON.parse(r.body);
    assert.equal(t.path, '/v1?x=1');
    assert.equal(t.headers.host, 'internal.svc');
    assert.equal(t.headers['x-forwarded-host'], 'public.example');
    assert.equal(t.headers['x-forwarded-proto'], 'http');
    assert.equal(t.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(t.headers['x-set'], 'v');
    assert.equal(t.headers['x-drop'], undefined);
    assert.equal(t.headers['x-hop'], undefined);
    assert.equal(t.headers['x-request-id'], 'abc');
    assert.equal(r.headers['x-request-id'], 'abc');
  });
  test('dot segments are resolved before routing', async () => {
    const r = await get(port, '/api/../exact');
    assert.equal(JSON.parse(r.body).route, 'exact');
  });
  test('swap: an in-flight request finishes with the router it started with', async () => {
    engine.delayMs = 150;
    const inflight = get(port, '/exact');
    await new Promise((r) => setTimeout(r, 30));
    await dp.apply({ listeners: [httpListener([route('exact2', { match: { path: { type: 'Exact', value: '/exact' }, headers: [], queryParams: [] } })])] });
    assert.equal(dp.listenerPort('l-http'), port, 'an unchanged listener is not rebound');
    const first = await inflight;
    engine.delayMs = 0;
    assert.equal(JSON.parse(first.body).route, 'exact');
    const second = await get(port, '/exact');
    assert.equal(JSON.parse(second.body).route, 'exact2');
  });
  test('bind failure is reported for that listener only', async () => {
    const busy = { name: 'busy', address: '127.0.0.1', port, protocol: 'HTTP' as const, certificates: [], virtualHosts: [] };
    const r = await dp.apply({ listeners: [httpListener([route('exact')]), busy] });
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]?.code, 'EADDRINUSE');
    assert.equal((await get(port, '/x')).status, 200);
  });
});

describe('DataPlane over HTTPS', () => {
  test('SNI picks the certificate; h2 and HTTP/1.1 both served; graceful close waits for in-flight', async () => {
    const ca = await createCa();
    const a = await ca.issue({ dnsNames: ['a.example'] });
    const star = await ca.issue({ dnsNames: ['default.example'] });
    const engine = new EchoEngine();
    const dp = new DataPlane({ engine, logger: createLogger({ destination: sink }).logger, metrics: new GatewayMetrics() });
    await dp.apply({
      listeners: [
        {
          name: 'l-https',
          address: '127.0.0.1',
          port: 0,
          protocol: 'HTTPS',
          certificates: [
            { hostnames: ['a.example'], certPem: a.certPem, keyPem: a.keyPem, source: 'Secret/default/a' },
            { hostnames: ['*'], certPem: star.certPem, keyPem: star.keyPem, source: 'Secret/default/star' },
          ],
          virtualHosts: [{ hostname: '*', routes: [route('r')] }],
        },
      ],
    });
    const port = dp.listenerPort('l-https') ?? 0;
    // HTTP/2 with SNI a.example: verified against the CA with hostname a.example.
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca: ca.certPem, servername: 'a.example' });
    const body = await new Promise<string>((resolve, reject) => {
      const s = session.request({ ':path': '/h2', ':authority': 'a.example' });
      let data = '';
      s.setEncoding('utf8');
      s.on('data', (c: string) => (data += c));
      s.on('end', () => resolve(data));
      s.on('error', reject);
      s.end();
    });
    session.close();
    const t = JSON.parse(body);
    assert.equal(t.headers.host, 'a.example');
    assert.equal(t.headers['x-forwarded-proto'], 'https');
    assert.equal(Object.keys(t.headers).some((k: string) => k.startsWith(':')), false);
    // HTTP/1.1 with another SNI name gets the default certificate.
    const https = await import('node:https');
    const cert = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', servername: 'default.example', ca: ca.certPem, agent: false }, (res) => {
        const subject = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN;
        res.resume();
        res.on('end', () => resolve(String(subject)));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(cert, 'default.example');
    // Graceful close: a slow in-flight request completes.
    engine.delayMs = 200;
    const inflight = new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/slow', servername: 'a.example', ca: ca.certPem, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise((r) => setTimeout(r, 80));
    await dp.close(2000);
    assert.equal(await inflight, 200);
  });
});
