/**
 * End-to-end: `lastmile demo` as a newcomer runs it. The real process prints one verdict per
 * route (built from what the gateway reports), serves curl-style requests, applies a live edit of
 * a policy file, and on SIGINT exits 0 and removes its folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/testing.ts';
import { eventually, freePort, request } from '../helpers/net.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const MAIN = join(ROOT, 'src', 'main.ts');

interface Verdict {
  readonly status: string;
  readonly why: string;
}

describe('lastmile demo', () => {
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let port: number;
  let adminPort: number;
  let folder: string;
  let exited: Promise<number | null>;
  const verdicts = new Map<string, Verdict>();

  before(async () => {
    port = await freePort();
    adminPort = await freePort();
    child = spawn(NODE, [MAIN, 'demo', '--port', String(port), '--admin-address', `127.0.0.1:${adminPort}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => (stdout += c));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => (stderr += c));
    // The verdicts come before "Serving."; bounded so that a hang fails instead of blocking.
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`demo exited with ${child.exitCode}: ${stderr}`);
      return stdout.includes('\nServing.') ? true : undefined;
    }, 30_000, `the demo's verdicts (stdout so far: ${stdout}; stderr: ${stderr})`);
    folder = /^Folder\s+(\S+)$/m.exec(stdout)?.[1] ?? '';
    for (const m of stdout.matchAll(/^\s+(\d{3}|---)\s+(\/\S+)\s+(.+)$/gm)) verdicts.set(m[2] ?? '', { status: m[1] ?? '', why: m[3] ?? '' });
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  test('prints where the manifests are and which admin address it uses', async () => {
    assert.match(folder, /lastmile-demo-/);
    assert.match(stdout, /config\/51-policy-wrong-host\.yaml\s+BackendTLSPolicy\/wrong-host-tls/);
    assert.ok((await stat(join(folder, 'config', '10-gateway.yaml'))).isFile());
    assert.match(stdout, new RegExp(`Gateway  http://127\\.0\\.0\\.1:${port}, admin API http://127\\.0\\.0\\.1:${adminPort}`));
    assert.equal(stderr, '', 'nothing to complain about on stderr');
  });

  test('one verdict per route, each with the gateway reason', () => {
    assert.deepEqual([...verdicts.keys()], ['/good', '/wrong-host', '/untrusted', '/mtls']);
    assert.deepEqual(verdicts.get('/good'), { status: '200', why: 'TLS 1.3 to backend.demo (SNI backend.demo), certificate verified by lastmile demo CA (ConfigMap demo/demo-ca)' });
    assert.deepEqual(verdicts.get('/wrong-host'), { status: '502', why: 'upstream_tls_hostname_mismatch: certificate is for other.demo, policy wants backend.demo' });
    assert.deepEqual(verdicts.get('/untrusted'), { status: '502', why: 'upstream_tls_unknown_authority: certificate issued by untrusted demo CA, not trusted by policy demo/untrusted-tls' });
    assert.equal(verdicts.get('/mtls')?.status, '200');
    assert.match(verdicts.get('/mtls')?.why ?? '', /^TLS 1\.3 to backend\.demo \(SNI backend\.demo\), .*; client certificate CN=lastmile demo gateway \(Secret demo\/gateway-client\) presented$/);
  });

  test('prints the commands to try next with the real addresses', () => {
    assert.match(stdout, new RegExp(`curl -i http://127\\.0\\.0\\.1:${port}/good -H 'Host: shop\\.example'`));
    assert.match(stdout, new RegExp(`lastmile get btlspolicy -A --server http://127\\.0\\.0\\.1:${adminPort}`));
    assert.match(stdout, new RegExp(`lastmile describe btlspolicy wrong-host-tls -n demo --server http://127\\.0\\.0\\.1:${adminPort}`));
    assert.ok(stdout.includes(`edit ${join(folder, 'config', '51-policy-wrong-host.yaml')}`));
  });

  test('the suggested curl: the backend saw the client Host, and the SNI from the policy', async () => {
    const r = await request({ port, path: '/good', host: 'shop.example' });
    assert.equal(r.status, 200);
    assert.equal(r.json.host, 'shop.example');
    assert.equal(r.json.sni, 'backend.demo');
    const failing = await request({ port, path: '/untrusted' });
    assert.equal(failing.status, 502);
    assert.equal(failing.headers['x-lastmile-error'], 'upstream_tls_unknown_authority');
  });

  test('the suggested get --server lists the four policies, accepted', async () => {
    const r = await runCli(['get', 'btlspolicy', '-A', '--server', `http://127.0.0.1:${adminPort}`]);
    assert.equal(r.code, 0, r.err);
    for (const name of ['good-tls', 'wrong-host-tls', 'untrusted-tls', 'mtls-tls']) assert.match(r.out, new RegExp(`demo\\s+${name}\\s+\\S+\\s+backend\\.demo\\s+True\\s+True`));
  });

  test('a live edit of a policy file changes the next request', async () => {
    const file = join(folder, 'config', '51-policy-wrong-host.yaml');
    const before = await readFile(file, 'utf8');
    assert.match(before, /hostname: backend\.demo/);
    // As an editor saves: write a temp file, rename it over the original.
    await writeFile(`${file}.tmp`, before.replace('hostname: backend.demo', 'hostname: other.demo'));
    await rename(`${file}.tmp`, file);
    const r = await eventually(async () => {
      const res = await request({ port, path: '/wrong-host' });
      return res.status === 200 ? res : undefined;
    }, 15_000, '/wrong-host to answer 200 after the edit');
    assert.equal(r.json.backend, 'wrong-host');
    assert.equal(r.json.sni, 'other.demo');
  });

  test('SIGINT stops everything, exits 0 and removes the folder', async () => {
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /lastmile demo: SIGINT: stopping/);
    await assert.rejects(stat(folder), { code: 'ENOENT' });
  });
});

describe('lastmile demo flags', () => {
  test('a bad --port or --admin-address is one line and exit 1', async () => {
    const port = await runCli(['demo', '--port', '99999']);
    assert.equal(port.code, 1);
    assert.equal(port.err, 'error: --port 99999: expected a port number from 1 to 65535\n');
    const admin = await runCli(['demo', '--admin-address', 'nope']);
    assert.equal(admin.code, 1);
    assert.equal(admin.err, 'error: --admin-address nope: expected HOST:PORT, e.g. 127.0.0.1:9901\n');
  });
});
