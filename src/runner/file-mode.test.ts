/**
 * File mode after the runner was split into a core and sources: it loads nothing of kubernetes
 * mode (the client library costs ~0.6 s and ~100 MB, ecosystem.md section 2) and shows nothing of
 * it, and it behaves as before (serve.test.ts and the end-to-end tests cover the rest).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Runs in a fresh Node: records every module it loads, runs file-mode serve, and reports.
const SCRIPT = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.push(r.url); return r; } });
const { startServe } = await import(${JSON.stringify(new URL('./serve.ts', import.meta.url).href)});
const gw = await startServe({ configPaths: [process.argv[1]], adminAddress: '127.0.0.1:0', logLevel: 'silent', watch: { pollMs: 60000 } });
const ready = (await fetch(gw.adminUrl + '/readyz')).status;
const debug = (await fetch(gw.adminUrl + '/debug/kubernetes')).status;
const metrics = await (await fetch(gw.adminUrl + '/metrics')).text();
await gw.close();
process.stdout.write(JSON.stringify({ loaded, ready, debug, metrics }));
`;

test('file mode loads no kubernetes module, has no /debug/kubernetes and no kubernetes metrics', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-file-mode-'));
  try {
    await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\ndata:\n  k: v\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT, dir], { cwd: ROOT, timeout: 20_000 });
    const report = JSON.parse(stdout) as { loaded: string[]; ready: number; debug: number; metrics: string };
    assert.equal(report.ready, 200);
    assert.equal(report.debug, 404);
    assert.ok(report.loaded.some((url) => url.endsWith('/runner/gateway-core.ts')), 'the hooks saw the runner load');
    assert.deepEqual(report.loaded.filter((url) => /kubernetes/i.test(url)), []);
    assert.doesNotMatch(report.metrics, /lastmile_kubernetes_/);
    assert.match(report.metrics, /^lastmile_ready 1$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
