import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BackendIR } from '../../ir/types.ts';
import type { HandshakeEvent } from '../tls/connector.ts';
import { createUpstreamEngine, engineKinds } from './select.ts';
import type { EngineKind } from './select.ts';
import { backendIR, fetchFront, gatewayIR, makePki, spiffeId, startFront, startTlsBackend, tlsProfile } from './testing.ts';
import type { Echo, Front, Pki, TestBackend } from './testing.ts';

let pki: Pki;
let good: TestBackend;
let expired: TestBackend;
let notYetValid: TestBackend;
let untrusted: TestBackend;
let mtls: TestBackend;
/** The engine the running suite tests. */
let engineKind: EngineKind = 'lean';

before(async () => {
  pki = await makePki();
  [good, expired, notYetValid, untrusted, mtls] = await Promise.all([
    startTlsBackend(pki.leaf),
    startTlsBackend(pki.expired),
    startTlsBackend(pki.notYetValid),
    startTlsBackend(pki.untrusted),
    startTlsBackend(pki.leaf, { clientCa: pki.ca.certPem }),
  ]);
});

after(async () => {
  await Promise.all([good, expired, notYetValid, untrusted, mtls].map((b) => b.close()));
});

/** An engine and a front server proxying everything to `backend`, closed after `fn`. */
async function withProxy(backend: () => BackendIR, fn: (ctx: { front: Front; engine: ReturnType<typeof createUpstreamEngine>; handshakes: HandshakeEvent[] }) => Promise<void>): Promise<void> {
  const handshakes: HandshakeEvent[] = [];
  const engine = createUpstreamEngine({ events: { handshake: (e) => handshakes.push(e) }, connectTimeoutMs: 3_000 }, engineKind);
  const front = await startFront(engine, () => ({ backend: backend() }));
  try {
    await fn({ front, engine, handshakes });
  } finally {
    await front.close();
    await engine.close();
  }
}

function echoOf(body: Buffer): Echo {
  return JSON.parse(body.toString()) as Echo;
}

for (const kind of engineKinds) {
  describe(`${kind} engine`, () => {
    before(async () => {
      engineKind = kind;
    });

    describe('upstream engine: verified TLS to backends', () => {
      test('SNI is the profile hostname while the client Host header is forwarded unchanged', async () => {
        const backend = backendIR([good.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        await withProxy(() => backend, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo?x=1', { headers: { host: 'public.example.com' } });
          assert.equal(res.status, 200);
          const echo = echoOf(res.body);
          assert.equal(echo.sni, 'api.test');
          assert.equal(echo.host, 'public.example.com');
          assert.equal(echo.url, '/echo?x=1');
          const outcome = front.outcomes[0]!;
          assert.equal(outcome.status, 200);
          assert.equal(outcome.code, undefined);
          assert.equal(outcome.endpoint, `127.0.0.1:${good.port}`);
        });
      });

      test('hostname mode: a certificate without the hostname answers 502 upstream_tls_hostname_mismatch', async () => {
        const backend = backendIR([good.endpoint], {
          tls: tlsProfile({ caPem: pki.ca.certPem, sni: 'other.test', verify: { kind: 'hostname', hostname: 'other.test' } }),
        });
        await withProxy(() => backend, async ({ front, handshakes }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 502);
          assert.equal(res.headers['x-lastmile-error'], 'upstream_tls_hostname_mismatch');
          assert.deepEqual(JSON.parse(res.body.toString()), { error: 'upstream_tls_hostname_mismatch', status: 502 });
          const detail = front.outcomes[0]!.detail ?? '';
          assert.match(detail, /policy default\/api-tls/);
          assert.match(detail, /hostname other\.test/);
          assert.match(detail, /subject CN=api\.test/);
          assert.match(detail, /DNS:api\.test/);
          const failed = handshakes.find((h) => h.outcome === 'failed');
          assert.equal(failed?.reason, 'upstream_tls_hostname_mismatch');
          assert.equal(failed?.peerCertificate?.subject, 'CN=api.test');
        });
      });

      test('SAN mode: a listed DNS name matches even when SNI is not in the certificate', async () => {
        const backend = backendIR([good.endpoint], {
          tls: tlsProfile({ caPem: pki.ca.certPem, sni: 'sni-only.test', verify: { kind: 'subjectAltNames', dnsNames: ['api.test'], uris: [] } }),
        });
        await withProxy(() => backend, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 200);
          assert.equal(echoOf(res.body).sni, 'sni-only.test');
        });
      });

      test('SAN mode: a listed name matches a wildcard DNS SAN of the certificate', async () => {
        const backend = backendIR([good.endpoint], {
          tls: tlsProfile({ caPem: pki.ca.certPem, sni: 'x.wild.test', verify: { kind: 'subjectAltNames', dnsNames: ['x.wild.test'], uris: [] } }),
        });
        await withProxy(() => backend, async ({ front }) => {
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
        });
      });

      test('SAN mode: a listed URI SAN matches exactly', async () => {
        const backend = backendIR([good.endpoint], {
          tls: tlsProfile({ caPem: pki.ca.certPem, sni: 'api.test', verify: { kind: 'subjectAltNames', dnsNames: [], uris: [spiffeId] } }),
        });
        await withProxy(() => backend, async ({ front }) => {
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
        });
      });

      test('SAN mode: the hostname is not used, even when the certificate matches it (502 upstream_tls_san_mismatch)', async () => {
        const backend = backendIR([good.endpoint], {
          tls: tlsProfile({
            caPem: pki.ca.certPem,
            sni: 'api.test',
            verify: { kind: 'subjectAltNames', dnsNames: ['other.test'], uris: [`${spiffeId}-not`] },
          }),
        });
        await withProxy(() => backend, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 502);
          assert.equal(res.headers['x-lastmile-error'], 'upstream_tls_san_mismatch');
          assert.match(front.outcomes[0]!.detail ?? '', /SANs \[DNS:other\.test, URI:spiffe/);
        });
      });

      test('a certificate from an unrelated CA answers 502 upstream_tls_unknown_authority, with its issuer in the detail', async () => {
        const backend = backendIR([untrusted.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        await withProxy(() => backend, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 502);
          assert.equal(res.headers['x-lastmile-error'], 'upstream_tls_unknown_authority');
          assert.match(front.outcomes[0]!.detail ?? '', /issuer CN=unrelated CA/);
        });
      });

      test('system trust does not include a private CA (502 upstream_tls_unknown_authority)', async () => {
        const backend = backendIR([good.endpoint], { tls: tlsProfile({}) });
        await withProxy(() => backend, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 502);
          assert.equal(res.headers['x-lastmile-error'], 'upstream_tls_unknown_authority');
        });
      });

      test('an expired leaf answers 502 upstream_tls_certificate_expired', async () => {
        const backend = backendIR([expired.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        await withProxy(() => backend, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 502);
          assert.equal(res.headers['x-lastmile-error'], 'upstream_tls_certificate_expired');
          assert.match(front.outcomes[0]!.detail ?? '', /valid .* to /);
        });
      });

      test('a not-yet-valid leaf answers 502 upstream_tls_certificate_not_yet_valid', async () => {
        const backend = backendIR([notYetValid.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        await withProxy(() => backend, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 502);
          assert.equal(res.headers['x-lastmile-error'], 'upstream_tls_certificate_not_yet_valid');
        });
      });

      test('the client certificate is presented to a backend that requires one', async () => {
        const withCert = backendIR([mtls.endpoint], {
          tls: tlsProfile({ caPem: pki.ca.certPem, clientCertificate: { ...pki.client, source: 'Secret/default/gw-client' } }),
        });
        await withProxy(() => withCert, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 200);
          assert.equal(echoOf(res.body).clientCert, 'CN=gateway-client');
        });
        const without = backendIR([mtls.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        await withProxy(() => without, async ({ front }) => {
          const res = await fetchFront(front.port, '/echo');
          assert.equal(res.status, 502);
          // TLS 1.3: the backend's alert arrives after our side finished the handshake.
          assert.equal(res.headers['x-lastmile-error'], 'upstream_tls_handshake_failed');
          assert.match(front.outcomes[0]!.detail ?? '', /client certificate .*CERTIFICATE_REQUIRED/);
        });
      });

      test('sequential requests reuse one pooled connection (one TLS handshake)', async () => {
        const backend = backendIR([good.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem, policy: { namespace: 'default', name: 'reuse' } }) });
        const before = good.secureConnections();
        await withProxy(() => backend, async ({ front, handshakes }) => {
          for (let i = 0; i < 8; i++) {
            const res = await fetchFront(front.port, '/echo', { headers: { host: `host-${i}.example` } });
            assert.equal(res.status, 200);
          }
          assert.equal(good.secureConnections() - before, 1);
          assert.equal(handshakes.length, 1);
          assert.equal(handshakes[0]!.outcome, 'ok');
          assert.equal(handshakes[0]!.policy, 'default/reuse');
        });
      });

      test('a pool closed by update() and reopened resumes the TLS session', async () => {
        const backend = backendIR([good.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem, policy: { namespace: 'default', name: 'resume' } }) });
        await withProxy(() => backend, async ({ front, engine, handshakes }) => {
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
          engine.update(gatewayIR([]));
          assert.equal(engine.poolCount, 0);
          engine.update(gatewayIR([backend]));
          const resumedBefore = good.resumedConnections();
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
          assert.equal(handshakes.length, 2);
          assert.equal(handshakes[1]!.resumed, true);
          assert.equal(good.resumedConnections() - resumedBefore, 1);
        });
      });

      test('update() with a new CA (new profile id) closes the old pool; the next request makes a new handshake', async () => {
        let current = backendIR([good.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem, policy: { namespace: 'default', name: 'rotate' } }) });
        await withProxy(() => current, async ({ front, engine, handshakes }) => {
          engine.update(gatewayIR([current]));
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
          assert.equal(handshakes.length, 1);
          const rotated = backendIR([good.endpoint], {
            tls: tlsProfile({ caPem: pki.ca.certPem + pki.otherCa.certPem, policy: { namespace: 'default', name: 'rotate' } }),
          });
          assert.notEqual(rotated.tls?.id, current.tls?.id);
          current = rotated;
          engine.update(gatewayIR([current]));
          // The lean engine pre-connects the replacement of a pool that had traffic (preconnect.ts):
          // its pool exists at once, and the request below uses that connection.
          assert.equal(engine.poolCount, kind === 'lean' ? 1 : 0);
          assert.equal((await fetchFront(front.port, '/echo')).status, 200);
          assert.equal(handshakes.length, 2);
          assert.equal(handshakes[1]!.resumed, false, 'a session never crosses profiles');
          assert.equal(engine.poolCount, 1);
        });
      });
    });
  });
}
