import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { redactIr } from '../admin/redact.ts';
import { runCli, tempDir } from '../cli/testing.ts';
import type { GatewayIR } from '../ir/types.ts';
import { ConfigLoader } from '../runner/config-loader.ts';
import { translate } from '../translate/index.ts';
import { findBackend, profileFacts } from './evidence.ts';
import { DEMO_BACKENDS, demoManifests, policyFile, writeDemoFiles } from './manifests.ts';
import { createDemoPki } from './pki.ts';

describe('demo manifests', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let ir: GatewayIR;

  before(async () => {
    ({ dir, cleanup } = await tempDir('lastmile-demo-test-'));
    const pki = await createDemoPki();
    const files = demoManifests({ address: '127.0.0.1', port: 18080, backendPorts: { good: 1001, 'wrong-host': 1002, untrusted: 1003, mtls: 1004 }, pki });
    await writeDemoFiles(dir, files);
    const loaded = await new ConfigLoader({ paths: [dir] }).load();
    ir = translate({ snapshot: loaded.snapshot, now: new Date(), previousStatuses: new Map(), defaultAddress: '127.0.0.1' }).ir;
  });
  after(() => cleanup());

  test('the API server would accept every object, and translation finds nothing to warn about', async () => {
    const r = await runCli(['validate', '-f', dir]);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.err + r.out, /17 objects accepted of 17 documents in 10 files; 0 errors, 0 warnings/);
  });

  test('one policy file per backend; the Secret file is private', async () => {
    assert.deepEqual(DEMO_BACKENDS.map((b) => policyFile(b.name)), ['50-policy-good.yaml', '51-policy-wrong-host.yaml', '52-policy-untrusted.yaml', '53-policy-mtls.yaml']);
    assert.equal((await stat(join(dir, '11-gateway-client-certificate.yaml'))).mode & 0o777, 0o600);
  });

  test('the gateway builds one verified TLS profile per backend, with the client certificate', () => {
    const dump = { generation: 1, ir: redactIr(ir) };
    for (const b of DEMO_BACKENDS) {
      const facts = profileFacts(findBackend(dump, 'demo', b.name));
      assert.deepEqual(facts, {
        policy: `demo/${b.name}-tls`,
        sni: 'backend.demo',
        verify: { kind: 'hostname', hostname: 'backend.demo' },
        trust: { kind: 'bundle', sources: ['ConfigMap/demo/demo-ca'] },
        clientCertificate: 'Secret/demo/gateway-client',
      });
    }
    assert.equal(findBackend(dump, 'demo', 'missing'), undefined);
    assert.equal(profileFacts(undefined), undefined);
  });

  test('the listener is the one the manifests name', () => {
    assert.deepEqual(
      ir.listeners.map((l) => `${l.protocol} ${l.address}:${l.port}`),
      ['HTTP 127.0.0.1:18080'],
    );
  });
});
