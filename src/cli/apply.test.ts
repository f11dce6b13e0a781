import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempDir } from './testing.ts';

const policy = (hostname: string): string =>
  [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: BackendTLSPolicy',
    'metadata:',
    '  name: api-tls',
    '  namespace: shop',
    'spec:',
    '  targetRefs:',
    '    - {group: "", kind: Service, name: api}',
    '  validation:',
    '    wellKnownCACertificates: System',
    `    hostname: ${hostname}`,
    '',
  ].join('\n');

const secret = ['apiVersion: v1', 'kind: Secret', 'metadata: {name: client, namespace: shop}', 'type: Opaque', 'stringData: {token: s3cr3t}', ''].join('\n');

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

test('apply creates one file per object, re-apply is unchanged without a write, a change is configured', async () => {
  const input = await tempDir();
  const config = await tempDir();
  try {
    const manifest = join(input.dir, 'in.yaml');
    await writeFile(manifest, `${policy('api.example.com')}---\n${secret}`);

    const first = await runCli(['apply', '-f', manifest, '--config', config.dir]);
    assert.equal(first.code, 0, first.err);
    assert.equal(first.out, 'backendtlspolicy.gateway.networking.k8s.io/api-tls created\nsecret/client created\n');
    assert.deepEqual(await files(config.dir), ['backendtlspolicy-shop-api-tls.yaml', 'secret-shop-client.yaml']);
    const policyFile = join(config.dir, 'backendtlspolicy-shop-api-tls.yaml');
    assert.match(await readFile(policyFile, 'utf8'), /hostname: api\.example\.com/);
    assert.equal((await stat(join(config.dir, 'secret-shop-client.yaml'))).mode & 0o777, 0o600, 'a Secret is readable by its owner only');
    assert.equal((await stat(policyFile)).mode & 0o777, 0o644);

    const before = (await stat(policyFile)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await runCli(['apply', '-f', manifest, '--config', config.dir]);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out, 'backendtlspolicy.gateway.networking.k8s.io/api-tls unchanged\nsecret/client unchanged\n');
    assert.equal((await stat(policyFile)).mtimeMs, before, 'an unchanged object is not written');

    await writeFile(manifest, policy('api2.example.com'));
    const changed = await runCli(['apply', '-f', manifest, '--config', config.dir]);
    assert.equal(changed.code, 0, changed.err);
    assert.equal(changed.out, 'backendtlspolicy.gateway.networking.k8s.io/api-tls configured\n');
    assert.match(await readFile(policyFile, 'utf8'), /hostname: api2\.example\.com/);
    assert.deepEqual(await files(config.dir), ['backendtlspolicy-shop-api-tls.yaml', 'secret-shop-client.yaml'], 'no temp file left behind');

    // What apply wrote is what a gateway serving the folder reads.
    const check = await runCli(['validate', '-f', config.dir]);
    assert.equal(check.code, 0, check.out);
  } finally {
    await input.cleanup();
    await config.cleanup();
  }
});

test('apply updates an object in the file where it already lives, leaving the other documents as written', async () => {
  const input = await tempDir();
  const config = await tempDir();
  try {
    const existing = join(config.dir, 'all.yaml');
    const other = '# keep this comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: shop}\ndata: {a: "1"}\n';
    await writeFile(existing, `${other}---\n${policy('api.example.com')}`);
    const manifest = join(input.dir, 'in.yaml');
    await writeFile(manifest, policy('api3.example.com'));

    const r = await runCli(['apply', '-f', manifest, '--config', config.dir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'backendtlspolicy.gateway.networking.k8s.io/api-tls configured\n');
    assert.deepEqual(await files(config.dir), ['all.yaml']);
    const text = await readFile(existing, 'utf8');
    assert.ok(text.startsWith(`${other}---\n`), text);
    assert.match(text, /hostname: api3\.example\.com/);
    assert.doesNotMatch(text, /api\.example\.com/);
  } finally {
    await input.cleanup();
    await config.cleanup();
  }
});

test('apply with invalid input writes nothing and says why', async () => {
  const input = await tempDir();
  const config = await tempDir();
  try {
    const manifest = join(input.dir, 'in.yaml');
    await writeFile(manifest, `${policy('api.example.com')}---\n${policy('NOT_A_HOST').replace('api-tls', 'bad')}`);
    const r = await runCli(['apply', '-f', manifest, '--config', config.dir]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /in\.yaml:23:15 BackendTLSPolicy\/shop\/bad spec\.validation\.hostname: Invalid value: "NOT_A_HOST"/);
    assert.match(r.err, /^error: nothing applied: the input has 1 error \(listed above\); fix them and apply again$/m);
    assert.deepEqual(await files(config.dir), [], 'not even the valid object is written');
  } finally {
    await input.cleanup();
    await config.cleanup();
  }
});

test('apply from stdin', async () => {
  const config = await tempDir();
  try {
    const r = await runCli(['apply', '-f', '-', '--config', config.dir], { stdin: secret });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'secret/client created\n');
    assert.deepEqual(await files(config.dir), ['secret-shop-client.yaml']);
  } finally {
    await config.cleanup();
  }
});
