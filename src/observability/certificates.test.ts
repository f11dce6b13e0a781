import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayIR } from '../ir/types.ts';
import { irGen } from '../dataplane/router/testing.ts';
import { createCa } from '../pki/generate.ts';
import { CertificateExpiryRecorder, recordCertificateExpiry } from './certificates.ts';
import { GatewayMetrics } from './metrics.ts';

/** The gauge's series as sorted `labels=value` lines. */
async function series(m: GatewayMetrics): Promise<string[]> {
  const { values } = await m.certificateExpiry.get();
  return values.map((v) => `${JSON.stringify(v.labels)}=${v.value}`).sort();
}

describe('CertificateExpiryRecorder', () => {
  test('over edit sequences, the gauge equals a full recordCertificateExpiry of the same IR', async () => {
    const day = 24 * 60 * 60 * 1000;
    const [a, b, c] = await Promise.all([
      createCa({ commonName: 'ca one', notAfter: new Date(Date.now() + 300 * day) }),
      createCa({ commonName: 'ca two', notAfter: new Date(Date.now() + 400 * day) }),
      createCa({ commonName: 'ca three', notAfter: new Date(Date.now() + 500 * day) }),
    ]);
    const client = await a.issue({ commonName: 'gateway-client', usage: 'client' });
    // A bundle of two CAs gives two series for one use.
    const pems = { cas: [a.certPem, b.certPem, a.certPem + c.certPem], clients: [client.certPem] };
    let seen = 0;
    for (const seed of [21, 22, 23, 24]) {
      const gen = irGen(seed, pems);
      const metrics = new GatewayMetrics();
      const recorder = new CertificateExpiryRecorder(metrics);
      let ir: GatewayIR = gen.gateway();
      for (let step = 0; step < 50; step++) {
        recorder.record(ir);
        const reference = new GatewayMetrics();
        recordCertificateExpiry(reference, ir);
        const expected = await series(reference);
        assert.deepEqual(await series(metrics), expected, `seed ${seed} step ${step}`);
        seen = Math.max(seen, expected.length);
        ir = gen.edit(ir);
      }
      recorder.record({ listeners: [] });
      assert.deepEqual(await series(metrics), [], 'an empty IR leaves no series');
    }
    assert.ok(seen >= 4, `the sequences used several certificates (at most ${seen} series)`);
  });
});
