import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempDir } from './testing.ts';

const cases: [argv: string[], error: string][] = [
  [['serve'], 'error: --config DIR is required with --provider file (the default); or use --provider kubernetes\n'],
  [['serve', '--provider', 'consul'], 'error: --provider consul: expected one of file, kubernetes\n'],
  [['serve', '--config', 'examples/basic', '--kubeconfig', 'x'], 'error: --kubeconfig applies only to --provider kubernetes\n'],
  [['serve', '--config', 'examples/basic', '--no-status', '--identity', 'a'], 'error: --identity, --no-status apply only to --provider kubernetes\n'],
  [['serve', '--provider', 'file', '--config', 'examples/basic', '--watch-namespace', 'a'], 'error: --watch-namespace applies only to --provider kubernetes\n'],
  [['serve', '--provider', 'kubernetes', '--config', 'examples/basic'], 'error: --config applies only to --provider file: in kubernetes mode the cluster is the configuration\n'],
  [['serve', '--provider', 'kubernetes', '--kubeconfig', '/nonexistent/kubeconfig'], 'error: --kubeconfig /nonexistent/kubeconfig: no such file or directory\n'],
  [['serve', '--provider', 'kubernetes', '--watch-namespace', 'Not_A_Namespace'], 'error: --watch-namespace Not_A_Namespace: not a valid namespace name (RFC 1123 label)\n'],
  [['serve', '--provider', 'kubernetes', '--lease-namespace', '-x'], 'error: --lease-namespace -x: not a valid namespace name (RFC 1123 label)\n'],
  [['serve', '--provider', 'kubernetes', '--lease-name', 'UPPER'], 'error: --lease-name UPPER: not a valid object name (RFC 1123 subdomain)\n'],
  [['serve', '--provider', 'kubernetes', '--identity', ' '], 'error: --identity must not be empty\n'],
  [['serve', '--provider', 'kubernetes', '--no-status', '--lease-name', 'x'], 'error: --lease-namespace and --lease-name choose the status Lease, which --no-status does not use\n'],
  [['serve', '--provider', 'kubernetes', '--admin-address', 'nope'], 'error: --admin-address nope: expected HOST:PORT, e.g. 127.0.0.1:9901\n'],
  [['serve', '--config', 'examples/basic', '--workers', '0'], 'error: --workers 0: expected a whole number from 1 to 256\n'],
  [['serve', '--config', 'examples/basic', '--workers', '1.5'], 'error: --workers 1.5: expected a whole number from 1 to 256\n'],
];

for (const [argv, error] of cases) {
  test(`serve flags: ${argv.slice(1).join(' ') || '(none)'}`, async () => {
    const r = await runCli(argv);
    assert.equal(r.code, 1);
    assert.equal(r.err, error);
    assert.equal(r.out, '');
  });
}

test('serve --provider kubernetes with an unreadable kubeconfig: one line without kubeconfig content, exit 1', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'kubeconfig');
    await writeFile(path, 'apiVersion: v1\nkind: Config\nusers: [{ name: u, user: { token: sekrit-token } }]\nclusters: [}\n');
    const r = await runCli(['serve', '--provider', 'kubernetes', '--kubeconfig', path, '--admin-address', '127.0.0.1:0', '--log-level', 'silent']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: cannot load kubeconfig .*kubeconfig: /);
    assert.equal(r.err.split('\n').length, 2, 'one line');
    assert.ok(!r.err.includes('sekrit'), 'no kubeconfig content (the parser quotes the lines around the error)');
  } finally {
    await cleanup();
  }
});

test('serve --help lists the providers and the kubernetes flags', async () => {
  const r = await runCli(['serve', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--provider', '--kubeconfig', '--context', '--watch-namespace', '--lease-namespace', '--lease-name', '--identity', '--no-status']) assert.ok(r.out.includes(flag), flag);
});
