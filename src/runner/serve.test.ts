import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyBasicExample } from '../../test/helpers/manifests.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServe } from './serve.ts';

test('startServe: ready after the first config, reload and close', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-serve-'));
  try {
    await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\ndata:\n  k: v\n');
    const gw = await startServe({ configPaths: [dir], adminAddress: '127.0.0.1:0', logLevel: 'silent', watch: { pollMs: 60_000 } });
    try {
      assert.equal((await fetch(gw.adminUrl + '/readyz')).status, 200);
      const cm = (await (await fetch(gw.adminUrl + '/api/v1/namespaces/default/configmaps/a')).json()) as { data: unknown };
      assert.deepEqual(cm.data, { k: 'v' });
      await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\ndata:\n  k: w\n');
      await gw.reload();
      const cm2 = (await (await fetch(gw.adminUrl + '/api/v1/namespaces/default/configmaps/a')).json()) as { data: unknown };
      assert.deepEqual(cm2.data, { k: 'w' });
      const metrics = await (await fetch(gw.adminUrl + '/metrics')).text();
      assert.match(metrics, /lastmile_config_generation 2/);
      assert.match(metrics, /lastmile_ready 1/);
    } finally {
      await gw.close();
    }
    await assert.rejects(fetch(gw.adminUrl + '/healthz'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('startServe: the edit rehearsal after start-up changes nothing observable; the next edit applies', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-serve-rehearsal-'));
  try {
    // examples/basic (a BackendTLSPolicy to rehearse on), on a free port.
    await copyBasicExample(dir);
    const lines: Record<string, unknown>[] = [];
    const logDestination = { write: (s: string): void => void lines.push(JSON.parse(s) as Record<string, unknown>) };
    const gw = await startServe({ configPaths: [dir], adminAddress: '127.0.0.1:0', bindAddress: '127.0.0.1', logLevel: 'debug', logDestination, watch: { pollMs: 60_000 } });
    try {
      const config = async (): Promise<string> => JSON.stringify(await (await fetch(gw.adminUrl + '/debug/config')).json());
      const statuses = async (): Promise<unknown> => (await fetch(gw.adminUrl + '/apis/gateway.networking.k8s.io/v1/backendtlspolicies')).json();
      const programmedBefore = lines.filter((l) => l.msg === 'configuration programmed').length;
      const [configBefore, statusesBefore] = [await config(), await statuses()];
      assert.match(JSON.stringify(statusesBefore), /"api-tls".*"Accepted"/);
      for (let i = 0; i < 100 && !lines.some((l) => l.msg === 'edit path rehearsed'); i++) await sleep(20);
      const rehearsed = lines.find((l) => l.msg === 'edit path rehearsed');
      assert.ok(rehearsed, 'the rehearsal ran');
      assert.equal(rehearsed.incremental, rehearsed.rehearsals, 'it ran the incremental path');
      assert.equal(rehearsed.parsed, rehearsed.rehearsals, 'it parsed an edited document');
      assert.equal(rehearsed.compiled, rehearsed.rehearsals, 'it compiled a throwaway router');
      assert.ok(!lines.some((l) => l.msg === 'edit rehearsal failed'), 'no rehearsal failed');
      // Nothing observable: no generation, no IR or status change, no other log line.
      assert.equal(await config(), configBefore);
      assert.deepEqual(await statuses(), statusesBefore);
      assert.equal(lines.filter((l) => l.msg === 'configuration programmed').length, programmedBefore);
      assert.deepEqual(lines.filter((l) => (l.level as number) >= 40), []);
      assert.match(await (await fetch(gw.adminUrl + '/metrics')).text(), /lastmile_config_generation 1\n/);
      // The next real edit is applied as usual.
      const api = join(dir, '40-api.yaml');
      await writeFile(api, (await readFile(api, 'utf8')).replace('hostname: api.example.com', 'hostname: api2.example.com'));
      await gw.reload();
      const after = JSON.parse(await config()) as { generation: number };
      assert.equal(after.generation, 2);
      assert.match(JSON.stringify(after), /api2\.example\.com/);
    } finally {
      await gw.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
