import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli, tempDir } from './testing.ts';

const BASIC = 'examples/basic';

test('get btlspolicy: columns with the verdict across ancestors', async () => {
  const r = await runCli(['get', 'btlspolicy', '--config', BASIC]);
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    [
      'NAME         TARGETS        HOSTNAME               ACCEPTED   RESOLVED   ANCESTORS      AGE',
      'api-tls      api            api.example.com        True       True       default/edge   0s',
      'github-tls   githubstatus   www.githubstatus.com   True       True       default/edge   0s',
      '',
    ].join('\n'),
  );
});

test('get per kind: GatewayClass, Gateway, routes (wide), Service, ConfigMap', async () => {
  const gc = await runCli(['get', 'gatewayclasses', '--config', BASIC]);
  assert.match(gc.out, /^NAME +CONTROLLER +ACCEPTED +AGE\nlastmile +lastmile\.dev\/gateway-controller +True +0s\n$/);
  const gw = await runCli(['get', 'gtw', '--config', BASIC]);
  assert.match(gw.out, /^NAME +CLASS +ADDRESS +PROGRAMMED +AGE\nedge +lastmile +\S+ +True +0s\n$/);
  const routes = await runCli(['get', 'httproute', '-o', 'wide', '--config', BASIC]);
  assert.match(routes.out, /^NAME +HOSTNAMES +AGE +PARENTS +ACCEPTED +RESOLVED\nshop +\* +0s +edge\/http +True +True\n$/);
  const svc = await runCli(['get', 'svc', '--config', BASIC]);
  assert.match(svc.out, /^NAME +TYPE +PORTS +AGE\napi +ClusterIP +443\/TCP +0s\ngithubstatus +ExternalName +443\/TCP +0s\nweb +ClusterIP +80\/TCP +0s\n$/);
  const cm = await runCli(['get', 'configmap', 'letsencrypt-root', '--config', BASIC]);
  assert.equal(cm.out, 'NAME               DATA   AGE\nletsencrypt-root   1      0s\n');
});

test('get -o yaml / json / name', async () => {
  const yaml = await runCli(['get', 'backendtlspolicy/api-tls', '-o', 'yaml', '--config', BASIC]);
  assert.equal(yaml.code, 0, yaml.err);
  const obj = parse(yaml.out) as { kind: string; metadata: { name: string }; status: { ancestors: { conditions: { type: string; status: string }[] }[] } };
  assert.equal(obj.kind, 'BackendTLSPolicy');
  assert.equal(obj.metadata.name, 'api-tls');
  assert.deepEqual(obj.status.ancestors[0]?.conditions.map((c) => `${c.type}=${c.status}`), ['Accepted=True', 'ResolvedRefs=True']);

  const json = await runCli(['get', 'svc', '-o', 'json', '--config', BASIC]);
  const list = JSON.parse(json.out) as { kind: string; items: { metadata: { name: string } }[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.map((i) => i.metadata.name), ['api', 'githubstatus', 'web']);

  const names = await runCli(['get', 'backendtlspolicies.gateway.networking.k8s.io', '-o', 'name', '--config', BASIC]);
  assert.equal(names.out, 'backendtlspolicy.gateway.networking.k8s.io/api-tls\nbackendtlspolicy.gateway.networking.k8s.io/github-tls\n');
});

test('get -A adds NAMESPACE; a failing policy shows False (reason); -n filters', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await cp(BASIC, dir, { recursive: true });
    // A second namespace whose policy names a CA ConfigMap that does not exist.
    await writeFile(
      join(dir, 'team.yaml'),
      `${await (await import('node:fs/promises')).readFile(join(BASIC, '10-gateway.yaml'), 'utf8')}`.replace('namespace: default', 'namespace: team') +
        [
          '---',
          'apiVersion: gateway.networking.k8s.io/v1',
          'kind: HTTPRoute',
          'metadata: {name: pay, namespace: team}',
          'spec:',
          '  parentRefs: [{name: edge}]',
          '  rules: [{backendRefs: [{name: pay, port: 443}]}]',
          '---',
          'apiVersion: v1',
          'kind: Service',
          'metadata: {name: pay, namespace: team}',
          'spec: {ports: [{name: https, port: 443}]}',
          '---',
          'apiVersion: gateway.networking.k8s.io/v1',
          'kind: BackendTLSPolicy',
          'metadata: {name: pay-tls, namespace: team}',
          'spec:',
          '  targetRefs: [{group: "", kind: Service, name: pay}]',
          '  validation:',
          '    caCertificateRefs: [{group: "", kind: ConfigMap, name: no-such-ca}]',
          '    hostname: pay.example.com',
          '',
        ].join('\n'),
    );
    const all = await runCli(['get', 'btlspolicy', '-A', '--config', dir]);
    assert.equal(all.code, 0, all.err);
    const lines = all.out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAMESPACE +NAME +TARGETS +HOSTNAME +ACCEPTED +RESOLVED +ANCESTORS +AGE$/);
    assert.match(lines[1] ?? '', /^default +api-tls +/);
    assert.match(lines[3] ?? '', /^team +pay-tls +pay +pay\.example\.com +False \(NoValidCACertificate\) +False \(InvalidCACertificateRef\) +team\/edge +0s$/);

    const team = await runCli(['get', 'btlspolicy', '-n', 'team', '--config', dir]);
    assert.match(team.out, /^NAME +TARGETS/);
    assert.equal(team.out.trimEnd().split('\n').length, 2);

    const describe = await runCli(['describe', 'btlspolicy', 'pay-tls', '-n', 'team', '--config', dir]);
    assert.match(describe.out, /^ {4}Gateway\/team\/edge:\n {6}Controller: +lastmile\.dev\/gateway-controller\n {6}Conditions:\n {8}Type: +Accepted\n {8}Status: +False\n {8}Reason: +NoValidCACertificate\n/m);
  } finally {
    await cleanup();
  }
});

test('get: not found, empty list, by name across namespaces', async () => {
  const missing = await runCli(['get', 'btlspolicy', 'x', '--config', BASIC]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, 'Error from server (NotFound): backendtlspolicies.gateway.networking.k8s.io "x" not found\n');
  const svc = await runCli(['get', 'svc/nope', '--config', BASIC]);
  assert.equal(svc.err, 'Error from server (NotFound): services "nope" not found\n');
  const empty = await runCli(['get', 'secrets', '--config', BASIC]);
  assert.equal(empty.code, 0);
  assert.equal(empty.out, '');
  assert.equal(empty.err, 'No resources found in default namespace.\n');
  const cross = await runCli(['get', 'svc', 'web', '-A', '--config', BASIC]);
  assert.equal(cross.code, 1);
  assert.equal(cross.err, 'error: a resource cannot be retrieved by name across all namespaces\n');
});

test('describe btlspolicy: spec, each ancestor with its conditions, diagnostics', async () => {
  const r = await runCli(['describe', 'btlspolicy', 'api-tls', '--config', BASIC]);
  assert.equal(r.code, 0, r.err);
  const expectStart = [
    'Name:         api-tls',
    'Namespace:    default',
    'Labels:       <none>',
    'Annotations:  <none>',
    'API Version:  gateway.networking.k8s.io/v1',
    'Kind:         BackendTLSPolicy',
    'Metadata:',
  ].join('\n');
  assert.ok(r.out.startsWith(expectStart), r.out);
  assert.match(r.out, /^ {2}Generation: +1$/m);
  assert.match(r.out, /^Spec:\n {2}Targets:\n {4}Service\/api\n {2}Validation:\n {4}Hostname: +api\.example\.com\n {4}CA Certificate Refs:\n {6}ConfigMap\/letsencrypt-root\n/m);
  assert.match(r.out, /^ {2}Options: +lastmile\.dev\/min-tls-version: TLSv1\.3$/m);
  assert.match(r.out, /^Status:\n {2}Ancestors:\n {4}Gateway\/default\/edge:\n {6}Controller: +lastmile\.dev\/gateway-controller\n {6}Conditions:\n/m);
  for (const field of ['Type', 'Status', 'Reason', 'Message', 'Observed Generation', 'Last Transition Time']) {
    assert.match(r.out, new RegExp(`^ {8}${field}: +\\S`, 'm'), field);
  }
  assert.match(r.out, /^ {8}Type: +ResolvedRefs$/m);
  assert.match(r.out, /^Diagnostics: +<none>$/m);
});

test('describe shows the diagnostics that concern the object', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(
      join(dir, 'p.yaml'),
      [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: BackendTLSPolicy',
        'metadata: {name: lonely, namespace: default}',
        'spec:',
        '  targetRefs: [{group: "", kind: Service, name: missing}]',
        '  validation: {wellKnownCACertificates: System, hostname: api.example.com}',
        '',
      ].join('\n'),
    );
    const r = await runCli(['describe', 'btlspolicy', 'lonely', '--config', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Diagnostics:\n {2}Warning +\S+ +.*BackendTLSPolicy\/default\/lonely.*missing/m);
  } finally {
    await cleanup();
  }
});

test('describe a Secret shows sizes, never values', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, 's.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\ndata: {token: c2VjcmV0LXZhbHVl}\n');
    const r = await runCli(['describe', 'secret', 's', '--config', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Data:\n {2}token: +12 bytes$/m);
    assert.doesNotMatch(r.out, /c2VjcmV0|secret-value/);
    const y = await runCli(['get', 'secret', 's', '-o', 'yaml', '--config', dir]);
    assert.match(y.out, /token: "\[redacted\]"/);
    assert.doesNotMatch(y.out, /c2VjcmV0/);
  } finally {
    await cleanup();
  }
});

// ---- --server: a small fake admin API ----

interface Fake {
  readonly url: string;
  readonly paths: string[];
  readonly server: Server;
}

async function fakeAdmin(): Promise<Fake> {
  const offline = await runCli(['get', 'btlspolicy', '-o', 'json', '--config', BASIC]);
  const items = (JSON.parse(offline.out) as { items: { metadata: { name: string } }[] }).items;
  const base = '/apis/gateway.networking.k8s.io/v1';
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = req.url ?? '';
    if (url === `${base}/namespaces/default/backendtlspolicies` || url === `${base}/backendtlspolicies`) {
      return send(200, { kind: 'BackendTLSPolicyList', apiVersion: 'gateway.networking.k8s.io/v1', items });
    }
    const one = /^\/apis\/gateway\.networking\.k8s\.io\/v1\/namespaces\/default\/backendtlspolicies\/([^/]+)$/.exec(url);
    const found = one ? items.find((i) => i.metadata.name === one[1]) : undefined;
    if (found) return send(200, found);
    if (url === '/api/v1/namespaces/default/services') return send(500, { message: 'boom' });
    if (url === '/debug/diagnostics') {
      return send(200, {
        diagnostics: [
          { severity: 'warning', code: 'live_finding', kind: 'BackendTLSPolicy', namespace: 'default', name: 'github-tls', message: 'seen by the live gateway' },
          { severity: 'warning', code: 'other', kind: 'BackendTLSPolicy', namespace: 'default', name: 'api-tls', message: 'not about github-tls' },
        ],
      });
    }
    return send(404, { kind: 'Status', code: 404, reason: 'NotFound' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, paths, server };
}

test('--server: get and describe read the admin API', async () => {
  const fake = await fakeAdmin();
  try {
    const list = await runCli(['get', 'btlspolicy', '--server', fake.url]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^NAME +TARGETS +HOSTNAME +ACCEPTED +RESOLVED +ANCESTORS +AGE\napi-tls +api +api\.example\.com +True +True +default\/edge +/);
    const all = await runCli(['get', 'btlspolicy', '-A', '--server', `${fake.url}/`]);
    assert.match(all.out, /^NAMESPACE +NAME/);
    const one = await runCli(['describe', 'btlspolicy', 'github-tls', '--server', fake.url]);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /^ {4}Well Known CA Certificates: +System$/m);
    assert.match(one.out, /^Diagnostics:\n {2}Warning {2}live_finding {2}BackendTLSPolicy\/default\/github-tls warning: seen by the live gateway\n$/m);
    assert.doesNotMatch(one.out, /not about github-tls/);
    const missing = await runCli(['get', 'btlspolicy', 'nope', '--server', fake.url]);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'Error from server (NotFound): backendtlspolicies.gateway.networking.k8s.io "nope" not found\n');
    const failing = await runCli(['get', 'svc', '--server', fake.url]);
    assert.equal(failing.code, 1);
    assert.match(failing.err, /^error: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/services: the server answered 500/);
    assert.deepEqual(fake.paths.slice(0, 4), [
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/backendtlspolicies',
      '/apis/gateway.networking.k8s.io/v1/backendtlspolicies',
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/backendtlspolicies/github-tls',
      '/debug/diagnostics',
    ]);
  } finally {
    fake.server.close();
  }
});

test('--server: an unreachable gateway is one clear line', async () => {
  const fake = await fakeAdmin();
  fake.server.close();
  await new Promise((resolve) => fake.server.once('close', resolve));
  const r = await runCli(['get', 'btlspolicy', '--server', fake.url]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: cannot reach the lastmile admin API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
  const bad = await runCli(['get', 'btlspolicy', '--server', 'not a url']);
  assert.equal(bad.err, 'error: --server not a url: not a URL (expected e.g. http://127.0.0.1:9901)\n');
});
