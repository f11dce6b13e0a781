/**
 * Stopping the real process: SIGTERM drains and exits 0 promptly, whether it comes right after
 * start-up or after clients that closed their connections (none of them may hold the drain open
 * until its 10 s deadline).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../src/pki/generate.ts';
import { startTlsEchoBackend, type TlsEchoBackend } from '../helpers/tls-echo-backend.ts';
import { startGateway } from '../helpers/gateway-process.ts';
import { freePort, request } from '../helpers/net.ts';
import { backendTlsPolicy, caConfigMap, gateway, gatewayClass, httpRoute, serviceWithEndpoints, writeManifests } from '../helpers/manifests.ts';

let dir = '';
let port = 0;
let backend: TlsEchoBackend;

before(async () => {
  const ca = await createCa();
  const leaf = await ca.issue({ dnsNames: ['backend.test'] });
  backend = await startTlsEchoBackend({ certPem: leaf.certPem, keyPem: leaf.keyPem });
  dir = await mkdtemp(join(tmpdir(), 'lastmile-shutdown-'));
  port = await freePort();
  await writeManifests(dir, 'all.yaml', [
    gatewayClass(),
    gateway('gw', [{ name: 'http', port }]),
    httpRoute({ name: 'r', gateway: 'gw', service: 'svc', port: 443 }),
    ...serviceWithEndpoints('svc', 443, backend.port),
    caConfigMap('ca', ca.certPem),
    backendTlsPolicy({ name: 'p', service: 'svc', hostname: 'backend.test', caConfigMaps: ['ca'] }),
  ]);
});

after(async () => {
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

test('SIGTERM right after start-up drains and exits 0', async () => {
  const gw = await startGateway({ configDir: dir });
  const started = Date.now();
  assert.equal(await gw.stop('SIGTERM'), 0);
  assert.ok(Date.now() - started < 3_000, `stopped after ${Date.now() - started} ms`);
});

test('SIGTERM after Connection: close and keep-alive requests exits 0 without waiting for the drain deadline', async () => {
  const gw = await startGateway({ configDir: dir });
  assert.equal((await request({ port, path: '/', headers: { connection: 'close' } })).status, 200);
  assert.equal((await request({ port, path: '/' })).status, 200);
  const started = Date.now();
  assert.equal(await gw.stop('SIGTERM'), 0);
  assert.ok(Date.now() - started < 3_000, `stopped after ${Date.now() - started} ms`);
});
