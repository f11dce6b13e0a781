/**
 * A hostname-only policy edit gives a new profile that shares the old one's secure context
 * (connect-options.ts sharedSecureContext). Through both engines: the new profile still gets a
 * new pool, a full handshake with its own SNI and no session of the old profile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BackendIR } from '../../ir/types.ts';
import { createUpstreamEngine, engineKinds } from '../upstream/select.ts';
import { backendIR, fetchFront, gatewayIR, makePki, startFront, startTlsBackend, tlsProfile } from '../upstream/testing.ts';
import type { Echo, Pki, TestBackend } from '../upstream/testing.ts';
import type { HandshakeEvent } from './connector.ts';
import { sharedSecureContext } from './connect-options.ts';

let pki: Pki;
let backend: TestBackend;

before(async () => {
  pki = await makePki();
  // The leaf names api.test and *.wild.test: both hostnames below verify.
  backend = await startTlsBackend(pki.leaf);
});

after(() => backend.close());

for (const kind of engineKinds) {
  describe(`${kind} engine: a hostname edit on a shared secure context`, () => {
    test('new pool, full handshake with the new SNI, no session of the old profile', async () => {
      const policy = { namespace: 'default', name: 'edit' };
      const before = tlsProfile({ caPem: pki.ca.certPem, policy, sni: 'api.test', verify: { kind: 'hostname', hostname: 'api.test' } });
      const edited = tlsProfile({ caPem: pki.ca.certPem, policy, sni: 'a.wild.test', verify: { kind: 'hostname', hostname: 'a.wild.test' } });
      assert.equal(sharedSecureContext(edited), sharedSecureContext(before));
      let current: BackendIR = backendIR([backend.endpoint], { tls: before });
      const handshakes: HandshakeEvent[] = [];
      const engine = createUpstreamEngine({ events: { handshake: (e) => handshakes.push(e) }, connectTimeoutMs: 3_000 }, kind);
      const front = await startFront(engine, () => ({ backend: current }));
      try {
        engine.update(gatewayIR([current]));
        const first = await fetchFront(front.port, '/echo');
        assert.equal(first.status, 200);
        assert.equal((JSON.parse(first.body.toString()) as Echo).sni, 'api.test');
        // A pool of the old profile closed and reopened resumes: the session cache works here.
        engine.update(gatewayIR([]));
        engine.update(gatewayIR([current]));
        assert.equal((await fetchFront(front.port, '/echo')).status, 200);
        assert.equal(handshakes[1]?.resumed, true);

        current = backendIR([backend.endpoint], { tls: edited });
        engine.update(gatewayIR([current]));
        // The old profile's pool is closed; the lean engine has already opened the new profile's
        // (a pre-connect: the old pool had traffic, upstream/preconnect.ts).
        assert.equal(engine.poolCount, kind === 'lean' ? 1 : 0, 'the old profile\'s pool is closed');
        const after = await fetchFront(front.port, '/echo');
        assert.equal(after.status, 200);
        assert.equal((JSON.parse(after.body.toString()) as Echo).sni, 'a.wild.test');
        assert.equal(handshakes.length, 3);
        assert.equal(handshakes[2]!.resumed, false, 'a session never crosses profiles, even on a shared context');

        // And a hostname the certificate does not carry is refused on the same shared context.
        current = backendIR([backend.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem, policy, sni: 'other.test', verify: { kind: 'hostname', hostname: 'other.test' } }) });
        engine.update(gatewayIR([current]));
        const refused = await fetchFront(front.port, '/echo');
        assert.equal(refused.status, 502);
        assert.equal(handshakes[3]?.outcome, 'failed');
        assert.equal(handshakes[3]?.reason, 'upstream_tls_hostname_mismatch');
      } finally {
        await front.close();
        await engine.close();
      }
    });
  });
}
