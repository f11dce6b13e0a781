import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { BackendIR, RouteIR } from '../../ir/types.ts';
import type { HandshakeEvent } from '../tls/connector.ts';
import { LeanUpstreamEngine } from './lean-engine.ts';
import { planPreconnects } from './preconnect.ts';
import { backendIR, fetchFront, gatewayIR, makePki, startFront, testRoutes, tlsProfile } from './testing.ts';
import type { Echo, Fetched, Front, Pki } from './testing.ts';

/** A TLS backend that records the SNI of every handshake it completes, in order. */
interface SniBackend {
  readonly port: number;
  readonly snis: (string | false | null)[];
  close(): Promise<void>;
}

async function startSniBackend(cert: { certPem: string; keyPem: string }): Promise<SniBackend> {
  const snis: (string | false | null)[] = [];
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, testRoutes);
  server.on('secureConnection', (s: TLSSocket) => snis.push(s.servername));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    snis,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let pki: Pki;
let sni: SniBackend;

before(async () => {
  pki = await makePki();
  sni = await startSniBackend(pki.leaf);
});

after(async () => {
  await sni.close();
});

const policy = { namespace: 'default', name: 'preconnect' };

/** The backend under a profile for `hostname` (the leaf has api.test and *.wild.test). */
function backendFor(hostname: string, caPem = pki.ca.certPem): BackendIR {
  return backendIR([{ address: '127.0.0.1', port: sni.port }], {
    tls: tlsProfile({ caPem, policy, sni: hostname, verify: { kind: 'hostname', hostname } }),
  });
}

async function withEngine(
  preconnectMaxPerApply: number | undefined,
  first: BackendIR,
  fn: (ctx: { engine: LeanUpstreamEngine; front: Front; handshakes: HandshakeEvent[]; open: () => number; use: (b: BackendIR) => void }) => Promise<void>,
  keepAliveTimeoutMs = 4_000,
): Promise<void> {
  const handshakes: HandshakeEvent[] = [];
  let open = 0;
  const engine = new LeanUpstreamEngine({
    events: { handshake: (e) => handshakes.push(e), poolChange: (e) => (open = e.open) },
    connectTimeoutMs: 3_000,
    keepAliveTimeoutMs,
    ...(preconnectMaxPerApply === undefined ? {} : { preconnectMaxPerApply }),
  });
  let current = first;
  engine.update(gatewayIR([current]));
  const front = await startFront(engine, () => ({ backend: current }));
  const use = (b: BackendIR): void => {
    current = b;
    engine.update(gatewayIR([b]));
  };
  try {
    await fn({ engine, front, handshakes, open: () => open, use });
  } finally {
    await front.close();
    await engine.close();
  }
}

/** Polls `cond` every 5 ms for up to 3 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function summary(res: Fetched): { status: number; error: string | string[] | undefined } {
  return { status: res.status, error: res.headers['x-lastmile-error'] };
}

describe('pre-connect after a TLS profile change (lean engine)', () => {
  test('a hostname edit on a pool with traffic: the backend sees the new SNI before any request, and the next request reuses that connection', async () => {
    await withEngine(undefined, backendFor('api.test'), async ({ engine, front, handshakes, use }) => {
      const start = sni.snis.length;
      assert.equal((await fetchFront(front.port, '/echo')).status, 200);
      assert.deepEqual(sni.snis.slice(start), ['api.test']);
      use(backendFor('a.wild.test'));
      await until(() => sni.snis.length === start + 2, 'the pre-connect handshake');
      assert.deepEqual(sni.snis.slice(start), ['api.test', 'a.wild.test'], 'the new SNI, before any new request');
      await until(() => handshakes.length === 2, 'the handshake event');
      assert.equal(handshakes[1]!.outcome, 'ok');
      assert.equal(handshakes[1]!.preconnect, true);
      assert.equal(handshakes[0]!.preconnect, undefined);
      const res = await fetchFront(front.port, '/echo');
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body.toString()) as Echo).sni, 'a.wild.test');
      assert.equal(sni.snis.length, start + 2, 'no second handshake: the pre-connected connection carried it');
      assert.equal(handshakes.length, 2);
      assert.equal(engine.poolCount, 1);
    });
  });

  test('a request arriving while the pre-connect is under way waits for it (one handshake in all)', async () => {
    await withEngine(undefined, backendFor('api.test'), async ({ front, handshakes, use }) => {
      const start = sni.snis.length;
      assert.equal((await fetchFront(front.port, '/echo')).status, 200);
      use(backendFor('b.wild.test'));
      const res = await fetchFront(front.port, '/echo');
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body.toString()) as Echo).sni, 'b.wild.test');
      assert.deepEqual(sni.snis.slice(start), ['api.test', 'b.wild.test']);
      assert.equal(handshakes.filter((h) => h.preconnect === true).length, 1);
    });
  });

  for (const when of ['after the failed pre-connect', 'while the pre-connect runs']) {
    test(`a pre-connect that fails verification changes nothing for the next request (${when})`, async () => {
      const answers: { status: number; error: string | string[] | undefined; code: string | undefined }[] = [];
      for (const max of [0, 64]) {
        await withEngine(max, backendFor('api.test'), async ({ front, handshakes, use }) => {
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
          // Trust only an unrelated CA: the backend's certificate fails the new profile.
          use(backendFor('api.test', pki.otherCa.certPem));
          if (when === 'after the failed pre-connect' && max > 0) await until(() => handshakes.length === 2, 'the failed pre-connect');
          const first = await fetchFront(front.port, '/echo');
          const second = await fetchFront(front.port, '/echo');
          answers.push({ ...summary(first), code: front.outcomes[1]?.code }, { ...summary(second), code: front.outcomes[2]?.code });
          if (max > 0) {
            const pre = handshakes.filter((h) => h.preconnect === true);
            assert.equal(pre.length, 1);
            assert.equal(pre[0]!.outcome, 'failed');
            assert.equal(pre[0]!.reason, 'upstream_tls_unknown_authority');
          } else {
            assert.equal(handshakes.filter((h) => h.preconnect === true).length, 0);
          }
        });
      }
      assert.deepEqual(answers[0], { status: 502, error: 'upstream_tls_unknown_authority', code: 'upstream_tls_unknown_authority' });
      assert.deepEqual(answers.slice(2), answers.slice(0, 2), 'the same answers with and without pre-connect');
    });
  }

  test('no pre-connect for a pool that had no open connection', async () => {
    await withEngine(undefined, backendFor('api.test'), async ({ engine, handshakes, use }) => {
      // Never used: no pool at all.
      use(backendFor('c.wild.test'));
      await sleep(100);
      assert.equal(handshakes.length, 0);
      assert.equal(engine.poolCount, 0);
    });
    // Used, but its connection closed on the idle timeout before the edit.
    await withEngine(undefined, backendFor('api.test'), async ({ engine, front, handshakes, open, use }) => {
      assert.equal((await fetchFront(front.port, '/echo')).status, 200);
      await until(() => open() === 0, 'the idle connection to close');
      use(backendFor('d.wild.test'));
      await sleep(100);
      assert.equal(handshakes.length, 1);
      assert.equal(engine.poolCount, 0);
    }, 200);
  });

  test('no pre-connect once the engine is closed', async () => {
    await withEngine(undefined, backendFor('api.test'), async ({ engine, front, handshakes, use }) => {
      assert.equal((await fetchFront(front.port, '/echo')).status, 200);
      const closing = engine.close();
      use(backendFor('e.wild.test'));
      await closing;
      await sleep(50);
      assert.equal(handshakes.length, 1);
    });
  });
});

describe('planPreconnects', () => {
  const route = (backends: BackendIR[]): RouteIR => gatewayIR(backends).listeners[0]!.virtualHosts[0]!.routes[0]!;
  const endpoints = Array.from({ length: 5 }, (_, i) => ({ address: '10.0.0.1', port: 8000 + i }));
  const tls = tlsProfile({ sni: 'new.test' });
  const b = backendIR(endpoints, { tls });
  const replacedAll = endpoints.map((e) => ({ backend: b.name, endpoint: `${e.address}:${e.port}` }));

  test('only endpoints of replaced busy pools, each identity once, up to the cap', () => {
    const twice = [route([b]), route([b])];
    assert.equal(planPreconnects(twice, replacedAll, () => true, () => false).length, 5);
    assert.equal(planPreconnects(twice, replacedAll, () => true, () => false, 3).length, 3);
    assert.deepEqual(planPreconnects(twice, replacedAll.slice(1, 2), () => true, () => false).map((t) => t.endpoint.port), [8001]);
    assert.equal(planPreconnects(twice, [], () => true, () => false).length, 0);
  });

  test('never for plain-text, unusable, refused or already pooled backends, nor another backend on the same endpoint', () => {
    const plain = backendIR(endpoints);
    const unusable = backendIR(endpoints, { tls, unusable: { status: 500, code: 'backend_tls_policy_invalid', message: 'x' } });
    const other = backendIR(endpoints, { tls, name: 'Service/default/other:443' });
    assert.equal(planPreconnects([route([plain, unusable, other])], replacedAll, () => true, () => false).length, 0);
    assert.equal(planPreconnects([route([b])], replacedAll, () => false, () => false).length, 0);
    assert.equal(planPreconnects([route([b])], replacedAll, () => true, () => true).length, 0);
  });
});
