import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir } from './testing.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
const BIN = join(ROOT, 'bin', 'lastmile.js');

function runProcess(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('the lastmile command as a real process: validate exits 0 and 1', async () => {
  const ok = await runProcess(['validate', '-f', 'examples/basic']);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /^valid: 11 objects/m);
  const broken = await runProcess(['validate', '-f', 'examples/broken']);
  assert.equal(broken.code, 1);
  assert.equal(broken.out.trimEnd().split('\n').length, 8);
  const bad = await runProcess(['get', 'nothing', '--config', 'examples/basic']);
  assert.equal(bad.code, 1);
  assert.equal(bad.err, 'error: the server doesn\'t have a resource type "nothing"\n', 'one line, no stack trace');
});

test('serve: says where it listens, answers get --server live, stops cleanly on SIGTERM', async () => {
  const { dir, cleanup } = await tempDir();
  const port = await freePort();
  try {
    await cp(join(ROOT, 'examples', 'basic'), dir, { recursive: true });
    const gateway = join(dir, '10-gateway.yaml');
    await writeFile(gateway, (await readFile(gateway, 'utf8')).replace('port: 8080', `port: ${port}`));

    const child = spawn(NODE, [BIN, 'serve', '--config', dir, '--admin-address', '127.0.0.1:0', '--bind-address', '127.0.0.1', '--log-level', 'warn'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    try {
      let adminUrl: string | undefined;
      for (let i = 0; i < 200 && adminUrl === undefined; i++) {
        adminUrl = /admin API at (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1];
        if (adminUrl === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(adminUrl, `no admin URL announced: ${err}`);
      assert.match(err, new RegExp(`listening on HTTP 127\\.0\\.0\\.1:${port}`));

      const live = await runCli(['get', 'btlspolicy', '--server', adminUrl]);
      assert.equal(live.code, 0, live.err);
      assert.match(live.out, /^api-tls +api +api\.example\.com +True +True +default\/edge /m);

      // Nothing listens behind the api Service: the gateway fails closed with a precise code.
      const response = await fetch(`http://127.0.0.1:${port}/api`);
      assert.equal(response.status, 502);
      assert.equal(response.headers.get('x-lastmile-error'), 'upstream_connect_failed');
      await response.arrayBuffer();

      child.kill('SIGTERM');
      assert.equal(await exited, 0, err);
      assert.match(err, /SIGTERM: draining and stopping/);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  } finally {
    await cleanup();
  }
});
