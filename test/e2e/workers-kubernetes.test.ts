/**
 * `lastmile serve --provider kubernetes --workers 2` against the in-process fake API server:
 * every worker watches (each builds its own IR), but only worker 0 is a Lease candidate, under the
 * replica's identity; status is written once; a restarted worker 0 renews the Lease it held at
 * once (same identity) instead of waiting for it to expire; SIGTERM releases it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../src/pki/generate.ts';
import { defaulted } from '../fake-apiserver/defaulted.ts';
import { FakeApiServer } from '../fake-apiserver/server.ts';
import { backendTlsPolicy, caConfigMap, gateway, gatewayClass, httpRoute, serviceWithEndpoints } from '../helpers/manifests.ts';
import { eventually, freePort, request } from '../helpers/net.ts';
import { startFakeCluster, spawnKubernetesServe, type ServeChild } from '../helpers/kubernetes-serve.ts';
import { startTlsEchoBackend, type TlsEchoBackend } from '../helpers/tls-echo-backend.ts';

const TOKEN = 'workers-token';
const IDENTITY = 'workers-replica';

interface KubeDebug {
  identity: string;
  statusWriter: boolean;
  writeStatus: boolean;
  synced: boolean;
}

describe('serve --provider kubernetes --workers 2', () => {
  let dir: string;
  let api: FakeApiServer;
  let kubeconfigPath: string;
  let backend: TlsEchoBackend;
  let gw: ServeChild;
  let adminUrl: string;
  let port: number;
  const debug = async (worker: number): Promise<KubeDebug> => (await (await fetch(`${adminUrl}/debug/kubernetes?worker=${worker}`)).json()) as KubeDebug;
  const holder = (): string | undefined => (api.get('Lease', 'lastmile-system', 'lastmile-status-writer').spec as { holderIdentity?: string }).holderIdentity;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lastmile-k8s-workers-'));
    const backendCa = await createCa({ commonName: 'k8s workers backend CA' });
    const leaf = await backendCa.issue({ dnsNames: ['backend.test'] });
    backend = await startTlsEchoBackend({ certPem: leaf.certPem, keyPem: leaf.keyPem });
    ({ api, kubeconfig: kubeconfigPath } = await startFakeCluster(dir, TOKEN));
    port = await freePort();
    for (const object of [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }]),
      httpRoute({ name: 'echo', gateway: 'gw', service: 'echo', port: 443 }),
      ...serviceWithEndpoints('echo', 443, backend.port),
      caConfigMap('echo-ca', backendCa.certPem),
      backendTlsPolicy({ name: 'echo-tls', service: 'echo', hostname: 'backend.test', caConfigMaps: ['echo-ca'] }),
    ]) {
      api.create(defaulted(object));
    }
    const adminPort = await freePort();
    adminUrl = `http://127.0.0.1:${adminPort}`;
    gw = spawnKubernetesServe(kubeconfigPath, ['--lease-namespace', 'lastmile-system', '--identity', IDENTITY, '--admin-address', `127.0.0.1:${adminPort}`, '--bind-address', '127.0.0.1', '--log-level', 'warn', '--workers', '2']);
  });

  after(async () => {
    await gw.kill();
    await backend.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('ready with both workers; only worker 0 writes status, under the replica identity', async () => {
    await eventually(async () => {
      if (gw.child.exitCode !== null) throw new Error(`exited ${gw.child.exitCode}: ${gw.stderr()}`);
      return (await fetch(`${adminUrl}/readyz`)).status === 200 ? true : undefined;
    }, 20_000, '/readyz 200');
    const [w0, w1] = [await debug(0), await debug(1)];
    assert.deepEqual([w0.identity, w0.writeStatus, w0.synced], [IDENTITY, true, true]);
    assert.deepEqual([w1.identity, w1.writeStatus, w1.statusWriter, w1.synced], [IDENTITY, false, false, true]);
    await eventually(async () => ((await debug(0)).statusWriter ? true : undefined), 10_000, 'worker 0 holds the Lease');
    assert.equal(holder(), IDENTITY);
    assert.ok(api.requests.every((r) => r.userAgent === `lastmile/${IDENTITY}`), 'every worker names the replica');
    const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
    assert.match(metrics, /^lastmile_kubernetes_status_writer 1$/m, 'one status writer in the replica');
    assert.match(metrics, /^lastmile_kubernetes_synced 1$/m);
    assert.equal((await request({ port, path: '/', host: 'echo.example' })).status, 200);
  });

  test('a killed worker 0 comes back and renews the Lease at once (same identity)', async () => {
    const workers = (await (await fetch(`${adminUrl}/debug/workers`)).json()) as { workers: { pid: number }[] };
    const pid = workers.workers[0]!.pid;
    process.kill(pid, 'SIGKILL');
    const started = Date.now();
    await eventually(async () => {
      const r = await fetch(`${adminUrl}/debug/kubernetes?worker=0`);
      if (r.status !== 200) return undefined;
      const d = (await r.json()) as KubeDebug;
      return d.statusWriter && r.headers.get('x-lastmile-worker') === '0' ? true : undefined;
    }, 10_000, 'the new worker 0 writes status');
    // Well before the 15 s Lease would have expired.
    assert.ok(Date.now() - started < 10_000);
    assert.equal(holder(), IDENTITY);
    assert.equal((await debug(1)).statusWriter, false);
  });

  test('SIGTERM: exits 0 and the Lease is released', async () => {
    gw.child.kill('SIGTERM');
    const timer = setTimeout(() => gw.child.kill('SIGKILL'), 15_000);
    const code = await gw.exited;
    clearTimeout(timer);
    assert.equal(code, 0, gw.stderr());
    assert.equal(holder(), undefined);
  });
});

test('serve --provider kubernetes --workers 2 with a kubeconfig that cannot load: the primary exits 1 with the worker\'s error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-k8s-workers-bad-'));
  try {
    await writeFile(join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: [}\n');
    const adminPort = await freePort();
    const bad = spawnKubernetesServe(join(dir, 'kubeconfig'), ['--admin-address', `127.0.0.1:${adminPort}`, '--log-level', 'silent', '--workers', '2']);
    const timer = setTimeout(() => bad.child.kill('SIGKILL'), 15_000);
    const code = await bad.exited;
    clearTimeout(timer);
    const err = bad.stderr();
    assert.equal(code, 1, err);
    assert.match(err, /^error: cannot load kubeconfig /m);
    assert.match(err, /lastmile: worker \d exited \(code 1\) before it started; stopping\n/);
    await assert.rejects(fetch(`http://127.0.0.1:${adminPort}/healthz`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
