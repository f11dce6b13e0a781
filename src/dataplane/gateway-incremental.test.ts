/**
 * Security of incremental IR application (DataPlane.apply with the real upstream engines): when
 * an edit replaces only some routes (as the incremental translator does, every other IR object
 * kept), a backend whose TLS profile changed never gets an old pooled connection, removed routes
 * answer 404 at once, and a backend that became unusable answers 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { BackendIR, GatewayIR, RouteIR, UpstreamTlsProfileIR } from '../ir/types.ts';
import { createLogger } from '../observability/logger.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { DataPlane } from './gateway.ts';
import { createUpstreamEngine, engineKinds } from './upstream/select.ts';
import { makePki, spiffeId, tlsProfile, type Pki } from './upstream/testing.ts';

const sink = new Writable({ write: (_c, _e, cb) => cb() });
const LISTENER = '127.0.0.1:0';

/** What the backend saw on the connection a request came on. */
interface Seen {
  readonly sni: string | null;
  /** The gateway's source port: one per upstream connection. */
  readonly port: number;
  readonly client: string | null;
}

interface Backend {
  readonly port: number;
  /** Source ports of the TLS connections open now. */
  readonly open: Set<number>;
  close(): Promise<void>;
}

async function startBackend(pki: Pki): Promise<Backend> {
  const open = new Set<number>();
  const server = https.createServer(
    // Asks for a client certificate without requiring one, and reports what it got.
    { cert: pki.leaf.certPem, key: pki.leaf.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const s = req.socket as TLSSocket;
      const peer = s.getPeerCertificate();
      const seen: Seen = { sni: typeof s.servername === 'string' ? s.servername : null, port: s.remotePort ?? 0, client: peer?.subject?.CN !== undefined ? String(peer.subject.CN) : null };
      const body = JSON.stringify(seen);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  );
  server.on('secureConnection', (s: TLSSocket) => {
    const p = s.remotePort ?? 0;
    open.add(p);
    s.on('close', () => open.delete(p));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    open,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function route(name: string, path: string, backend: BackendIR): RouteIR {
  return {
    name: `HTTPRoute/default/${name}/rule/0/match/0`,
    route: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0 },
    gateway: { namespace: 'default', name: 'gw', listener: 'http' },
    match: { path: { type: 'PathPrefix', value: path }, headers: [], queryParams: [] },
    filters: {},
    backends: [{ weight: 1, filters: {}, backend }],
    timeouts: {},
  };
}

/** The IR with `routes` on one `*` virtual host of one HTTP listener. */
function gatewayIR(routes: readonly RouteIR[]): GatewayIR {
  return { listeners: [{ name: LISTENER, address: '127.0.0.1', port: 0, protocol: 'HTTP', certificates: [], virtualHosts: [{ hostname: '*', routes }] }] };
}

/**
 * An edit as the incremental translator makes it: the routes in `replace` are new objects,
 * every other RouteIR is the same object as before.
 */
function edit(ir: GatewayIR, replace: ReadonlyMap<RouteIR, RouteIR | undefined>): GatewayIR {
  const l = ir.listeners[0]!;
  const vh = l.virtualHosts[0]!;
  const routes = vh.routes.flatMap((r) => (replace.has(r) ? (replace.get(r) === undefined ? [] : [replace.get(r)!]) : [r]));
  return { listeners: [{ ...l, virtualHosts: [{ hostname: vh.hostname, routes }] }] };
}

for (const kind of engineKinds) {
  describe(`incremental apply, ${kind} engine`, () => {
    let pki: Pki;
    let backend: Backend;
    let dp: DataPlane;
    let port = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let ir: GatewayIR;
    /** The route under edit (its current object) and the stable ones. */
    let edited: RouteIR;
    let stable: RouteIR;
    let doomed: RouteIR;
    const ports = new Set<number>();

    const get = (path: string): Promise<{ status: number; code: string | undefined; body: string }> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, agent, timeout: 10_000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, code: res.headers['x-lastmile-error'] as string | undefined, body }));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
        req.end();
      });

    const backendWith = (tls: UpstreamTlsProfileIR | undefined, extra: Partial<BackendIR> = {}): BackendIR => ({
      name: 'Service/default/api:443',
      service: { namespace: 'default', name: 'api', port: 443 },
      endpoints: [{ address: '127.0.0.1', port: backend.port }],
      protocol: 'http1',
      ...(tls === undefined ? {} : { tls }),
      ...extra,
    });

    /** Replaces the edited route with one whose backend has `next` as profile, applies, returns the new route. */
    const applyProfile = async (next: UpstreamTlsProfileIR): Promise<void> => {
      const replacement = route('edited', '/a', backendWith(next));
      ir = edit(ir, new Map([[edited, replacement]]));
      edited = replacement;
      await dp.apply(ir);
    };

    /** A request that succeeds on the edited route; returns what the backend saw. */
    const ok = async (): Promise<Seen> => {
      const r = await get('/a');
      assert.equal(r.status, 200, r.body);
      const seen = JSON.parse(r.body) as Seen;
      return seen;
    };

    /** Waits (bounded) until none of `old` is open at the backend: drained and closed. */
    const closedSoon = async (old: readonly number[]): Promise<void> => {
      for (let i = 0; i < 100 && old.some((p) => backend.open.has(p)); i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(old.filter((p) => backend.open.has(p)), [], 'connections verified under the old profile are closed');
    };

    before(async () => {
      pki = await makePki();
      backend = await startBackend(pki);
      dp = new DataPlane({ engine: createUpstreamEngine({}, kind), logger: createLogger({ destination: sink }).logger, metrics: new GatewayMetrics(), accessLog: false });
      edited = route('edited', '/a', backendWith(tlsProfile({ caPem: pki.ca.certPem })));
      // Another policy (another profile id) on the same endpoint: its pool must survive edits of the first.
      stable = route('stable', '/b', backendWith(tlsProfile({ caPem: pki.ca.certPem, policy: { namespace: 'default', name: 'other' } })));
      // Its own policy too: a route sharing the edited route's first profile would rightly keep that pool open.
      doomed = route('doomed', '/gone', backendWith(tlsProfile({ caPem: pki.ca.certPem, policy: { namespace: 'default', name: 'doomed' } })));
      ir = gatewayIR([edited, stable, doomed]);
      await dp.apply(ir);
      port = dp.listenerPort(LISTENER) ?? 0;
    });
    after(async () => {
      agent.destroy();
      await dp.close(1000);
      await backend.close();
    });

    test('warm: requests reuse one pooled, verified connection', async () => {
      const a = await ok();
      const b = await ok();
      assert.equal(a.sni, 'api.test');
      assert.equal(a.port, b.port, 'pooled');
      ports.add(a.port);
    });

    const changes: [what: string, make: () => UpstreamTlsProfileIR, check: (s: Seen) => void][] = [
      ['SNI', () => tlsProfile({ caPem: pki.ca.certPem, sni: 'x.wild.test', verify: { kind: 'hostname', hostname: 'x.wild.test' } }), (s) => assert.equal(s.sni, 'x.wild.test')],
      ['CA bundle', () => tlsProfile({ caPem: pki.ca.certPem + pki.otherCa.certPem, sni: 'x.wild.test', verify: { kind: 'hostname', hostname: 'x.wild.test' } }), (s) => assert.equal(s.sni, 'x.wild.test')],
      ['SANs', () => tlsProfile({ caPem: pki.ca.certPem, verify: { kind: 'subjectAltNames', dnsNames: [], uris: [spiffeId] } }), (s) => assert.equal(s.sni, 'api.test')],
      ['client certificate', () => tlsProfile({ caPem: pki.ca.certPem, clientCertificate: { certPem: pki.client.certPem, keyPem: pki.client.keyPem, source: 'Secret/default/client' } }), (s) => assert.equal(s.client, 'gateway-client')],
    ];
    for (const [what, make, check] of changes) {
      test(`${what} changed: the next request is on a new connection, the old ones are closed`, async () => {
        const before = await ok();
        const stableBefore = JSON.parse((await get('/b')).body) as Seen;
        const old = [...ports];
        await applyProfile(make());
        const seen = await ok();
        check(seen);
        assert.equal(ports.has(seen.port), false, `a connection of an older profile was reused (port ${seen.port})`);
        assert.notEqual(seen.port, before.port);
        ports.add(seen.port);
        await closedSoon(old.filter((p) => p !== stableBefore.port));
        // The other policy's backend was not touched: its pooled connection is still used.
        const stableAfter = JSON.parse((await get('/b')).body) as Seen;
        assert.equal(stableAfter.port, stableBefore.port, 'an unchanged profile keeps its pool');
      });
    }

    const failing: [what: string, make: () => UpstreamTlsProfileIR, code: string][] = [
      ['a CA that does not sign the backend', () => tlsProfile({ caPem: pki.otherCa.certPem }), 'upstream_tls_unknown_authority'],
      ['an SNI the certificate does not name', () => tlsProfile({ caPem: pki.ca.certPem, sni: 'nope.test', verify: { kind: 'hostname', hostname: 'nope.test' } }), 'upstream_tls_hostname_mismatch'],
      ['a SAN the certificate does not have', () => tlsProfile({ caPem: pki.ca.certPem, verify: { kind: 'subjectAltNames', dnsNames: [], uris: ['spiffe://cluster.local/ns/default/sa/other'] } }), 'upstream_tls_san_mismatch'],
    ];
    for (const [what, make, code] of failing) {
      test(`changed to ${what}: 502 ${code}, never a connection verified under the old profile`, async () => {
        await applyProfile(tlsProfile({ caPem: pki.ca.certPem }));
        await ok(); // a pooled connection under a valid profile exists
        await applyProfile(make());
        for (let i = 0; i < 3; i++) {
          const r = await get('/a');
          assert.equal(r.status, 502, r.body);
          assert.equal(r.code, code);
        }
      });
    }

    test('a removed route answers 404 on the very next request (same client connection)', async () => {
      assert.equal((await get('/gone')).status, 200);
      ir = edit(ir, new Map([[doomed, undefined]]));
      await dp.apply(ir);
      const r = await get('/gone');
      assert.equal(r.status, 404);
      assert.equal(r.code, 'route_not_found');
    });

    test('a route whose backend became unusable answers 500, not plaintext or an old connection', async () => {
      assert.equal((await get('/b')).status, 200);
      const unusable = route('stable', '/b', backendWith(undefined, { unusable: { status: 500, code: 'backend_tls_policy_invalid', message: 'no valid CA' } }));
      ir = edit(ir, new Map([[stable, unusable]]));
      stable = unusable;
      await dp.apply(ir);
      const r = await get('/b');
      assert.equal(r.status, 500);
      assert.equal(r.code, 'backend_tls_policy_invalid');
    });
  });
}

describe('incremental apply: HTTPS listener certificates', () => {
  const name = '127.0.0.1:0';
  let dp: DataPlane;
  let pki: Pki;
  const listener = (certificates: GatewayIR['listeners'][number]['certificates']): GatewayIR => ({
    listeners: [{ name, address: '127.0.0.1', port: 0, protocol: 'HTTPS', certificates, virtualHosts: [] }],
  });
  /** The subject CN the listener presents for SNI `api.test` on a fresh connection. */
  const presented = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: dp.listenerPort(name) ?? 0, servername: 'api.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
        const cn = s.getPeerCertificate().subject?.CN;
        s.destroy();
        resolve(String(cn));
      });
      s.on('error', reject);
      s.setTimeout(5000, () => s.destroy(new Error('timed out')));
    });

  before(async () => {
    pki = await makePki();
    dp = new DataPlane({ engine: createUpstreamEngine({}), logger: createLogger({ destination: sink }).logger, metrics: new GatewayMetrics(), accessLog: false });
  });
  after(() => dp.close(1000));

  test('a changed certificate is served at once; an unchanged one (even as new objects) is kept; errors keep being reported', async () => {
    const [one, two] = await Promise.all([pki.ca.issue({ commonName: 'one', dnsNames: ['api.test'] }), pki.ca.issue({ commonName: 'two', dnsNames: ['api.test'] })]);
    const cert = (c: { certPem: string; keyPem: string }, source: string) => ({ hostnames: ['*'], certPem: c.certPem, keyPem: c.keyPem, source });
    await dp.apply(listener([cert(one, 'Secret/default/one')]));
    assert.equal(await presented(), 'one');
    await dp.apply(listener([cert(two, 'Secret/default/two')]));
    assert.equal(await presented(), 'two', 'the new certificate is served by the next handshake');
    // Equal content, new objects (a full re-translation): nothing to rebuild, still served.
    const again = await dp.apply(listener([cert(two, 'Secret/default/two')]));
    assert.deepEqual(again.certificateErrors, []);
    assert.equal(await presented(), 'two');
    // A certificate that does not load is reported on this apply and on the next, unchanged one.
    const broken = [cert(two, 'Secret/default/two'), { hostnames: ['other.test'], certPem: one.certPem, keyPem: two.keyPem, source: 'Secret/default/mismatch' }];
    const first = await dp.apply(listener(broken));
    assert.deepEqual(first.certificateErrors.map((e) => e.source), ['Secret/default/mismatch']);
    const second = await dp.apply(listener(broken));
    assert.deepEqual(second.certificateErrors.map((e) => e.source), ['Secret/default/mismatch']);
    assert.equal(await presented(), 'two');
  });
});
