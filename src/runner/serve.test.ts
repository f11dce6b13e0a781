import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
