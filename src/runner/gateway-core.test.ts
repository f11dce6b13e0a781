import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyBasicExample } from '../../test/helpers/manifests.ts';
import { ConfigLoader } from './config-loader.ts';
import { startGatewayCore } from './gateway-core.ts';

/** The exposition without the process metrics (CPU, memory: they move by themselves). */
async function exposition(text: Promise<string>): Promise<string> {
  return (await text).split('\n').filter((l) => !/^(# (HELP|TYPE) )?(lastmile_)?(process_|nodejs_)/.test(l)).join('\n');
}

test('GatewayCore.rehearseEdit: store, translator and data plane rehearsed; no generation, IR, status, metric or log change', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-core-rehearsal-'));
  try {
    // examples/basic (routes with backends, a BackendTLSPolicy), on a free port.
    const port = await copyBasicExample(dir);
    const lines: Record<string, unknown>[] = [];
    const logDestination = { write: (s: string): void => void lines.push(JSON.parse(s) as Record<string, unknown>) };
    const core = await startGatewayCore({ adminAddress: '127.0.0.1:0', bindAddress: '127.0.0.1', logLevel: 'debug', logDestination, accessLog: false });
    try {
      assert.deepEqual(core.rehearseEdit(), { incremental: false, compiled: false }, 'nothing programmed yet: nothing to rehearse');
      const loader = new ConfigLoader({ paths: [dir] });
      const applied = await core.applySnapshot((await loader.load()).snapshot);
      assert.ok(applied !== undefined);
      const pairs = core.metrics.boundRequestPairs().sort();
      assert.ok(pairs.length > 0, 'routes bound their metric pairs');
      const config = async (): Promise<string> => JSON.stringify(await (await fetch(core.adminUrl + '/debug/config')).json());
      const statuses = async (): Promise<unknown> => (await fetch(core.adminUrl + '/apis/gateway.networking.k8s.io/v1/backendtlspolicies')).json();
      const [configBefore, statusesBefore, metricsBefore] = [await config(), await statuses(), await exposition(core.metrics.text())];
      const linesBefore = lines.length;

      for (let i = 0; i < 3; i++) assert.deepEqual(core.rehearseEdit(), { incremental: true, compiled: true });

      assert.deepEqual(core.metrics.boundRequestPairs().sort(), pairs);
      assert.equal(await config(), configBefore, 'same generation and IR');
      assert.deepEqual(await statuses(), statusesBefore);
      assert.equal(await exposition(core.metrics.text()), metricsBefore, 'the same metrics');
      assert.deepEqual(lines.slice(linesBefore), [], 'nothing logged');
      assert.deepEqual(core.listeners(), [`HTTP 127.0.0.1:${port}`]);

      // Every metric reference the rehearsal took was given back: once the routes are gone, so
      // are their series (a leaked reference would keep a pair).
      for (const f of ['20-httproute.yaml', '30-web.yaml', '40-api.yaml', '50-githubstatus.yaml']) await rm(join(dir, f));
      loader.noteChanges(undefined);
      await core.applySnapshot((await loader.load()).snapshot);
      // What stays is the data plane's own pair for requests no route takes (route '', backend '').
      assert.deepEqual(core.metrics.boundRequestPairs(), [' ']);
    } finally {
      await core.close(() => Promise.resolve());
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
