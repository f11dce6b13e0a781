import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectKey } from '../api/meta.ts';
import type { GatewayIR } from '../ir/types.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { createCa } from '../pki/generate.ts';
import { createSnapshot } from '../store/create-snapshot.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { REDACTED, redactIr } from './redact.ts';
import { parseResourcePath } from './resources.ts';
import { parseHostPort, startAdminServer, type AdminServer } from './server.ts';

const snapshot = createSnapshot(
  [
    { object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'lastmile' }, spec: { controllerName: 'lastmile.dev/gateway-controller' } } },
    { object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' }, spec: {} } },
    { object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'other', namespace: 'prod' }, spec: {} } },
    { object: { apiVersion: 'gateway.networking.k8s.io/v1alpha3', kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'default' }, spec: {} } },
    {
      object: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'default', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.key":"c2VjcmV0"}}' } },
        data: { 'tls.key': 'c2VjcmV0', 'tls.crt': 'Y2VydA==' },
        stringData: { password: 'hunter2' },
      },
    },
  ],
  7,
);
const gwStatus = { conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
const statuses = new Map<string, ComputedStatus>([[objectKey('Gateway', 'default', 'gw'), { kind: 'Gateway', namespace: 'default', name: 'gw', status: gwStatus }]]);

describe('resource paths', () => {
  const cases: [string, string | undefined][] = [
    ['/api/v1/namespaces/default/secrets/s', 'Secret default s'],
    ['/api/v1/secrets', 'Secret * -'],
    ['/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways', 'Gateway default -'],
    ['/apis/gateway.networking.k8s.io/v1/gateways', 'Gateway * -'],
    ['/apis/gateway.networking.k8s.io/v1/gatewayclasses/lastmile', 'GatewayClass * lastmile'],
    ['/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', 'EndpointSlice default -'],
    ['/apis/gateway.networking.k8s.io/v1/gateways/gw', undefined],
    ['/apis/gateway.networking.k8s.io/v9/gateways', undefined],
    ['/api/v1/namespaces/default/gateways', undefined],
    ['/nothing', undefined],
  ];
  for (const [path, expected] of cases) {
    test(path, () => {
      const q = parseResourcePath(path);
      const got = q === undefined || 'notFound' in q ? undefined : `${q.info.kind} ${q.namespace ?? '*'} ${q.name ?? '-'}`;
      assert.equal(got, expected);
    });
  }
});

describe('host:port', () => {
  test('forms', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:9901'), { host: '127.0.0.1', port: 9901 });
    assert.deepEqual(parseHostPort('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseHostPort(':80'), { host: '127.0.0.1', port: 80 });
    assert.throws(() => parseHostPort('nope'));
    assert.throws(() => parseHostPort('h:99999'));
  });
});

describe('IR dump', () => {
  test('keys never shown; certificates summarized', async () => {
    const ca = await createCa({ commonName: 'dump CA' });
    const leaf = await ca.issue({ dnsNames: ['a.example'] });
    const ir: GatewayIR = {
      listeners: [{ name: 'x', address: '0.0.0.0', port: 1, protocol: 'HTTPS', certificates: [{ hostnames: ['*'], certPem: leaf.certPem, keyPem: leaf.keyPem, source: 'Secret/default/s' }], virtualHosts: [] }],
    };
    const text = JSON.stringify(redactIr(ir));
    assert.equal(text.includes('PRIVATE KEY'), false);
    assert.equal(text.includes('BEGIN CERTIFICATE'), false);
    assert.match(text, /CN=a\.example/);
    assert.match(text, /notAfter/);
  });
});

describe('admin server', () => {
  let admin: AdminServer;
  let ready = false;
  before(async () => {
    admin = await startAdminServer(
      '127.0.0.1:0',
      {
        ready: () => ready,
        snapshot: () => snapshot,
        statuses: () => statuses,
        ir: () => ({ listeners: [] }),
        diagnostics: () => [{ severity: 'error', code: 'yaml_syntax', file: 'bad.yaml', line: 3, col: 1, message: 'bad indentation' }],
        generation: () => 2,
      },
      new GatewayMetrics(),
    );
  });
  after(() => admin.close());
  const get = async (path: string) => {
    const r = await fetch(admin.url + path);
    return { status: r.status, text: await r.text(), type: r.headers.get('content-type') };
  };

  test('healthz and readyz', async () => {
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/readyz')).status, 503);
    ready = true;
    assert.equal((await get('/readyz')).status, 200);
  });
  test('metrics in Prometheus text', async () => {
    const r = await get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, /lastmile_config_reloads_total\{result="success"\} 0/);
  });
  test('get one object with its computed status', async () => {
    const r = await get('/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/gw');
    assert.equal(r.status, 200);
    const o = JSON.parse(r.text);
    assert.equal(o.kind, 'Gateway');
    assert.deepEqual(o.status, gwStatus);
  });
  test('list in one namespace and across all', async () => {
    const one = JSON.parse((await get('/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways')).text);
    assert.equal(one.kind, 'GatewayList');
    assert.equal(one.apiVersion, 'gateway.networking.k8s.io/v1');
    assert.equal(one.metadata.resourceVersion, '7');
    assert.deepEqual(one.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['gw']);
    const all = JSON.parse((await get('/apis/gateway.networking.k8s.io/v1/gateways')).text);
    assert.equal(all.items.length, 2);
  });
  test('served in the requested version', async () => {
    const o = JSON.parse((await get('/apis/gateway.networking.k8s.io/v1/namespaces/default/backendtlspolicies/p')).text);
    assert.equal(o.apiVersion, 'gateway.networking.k8s.io/v1');
  });
  test('cluster-scoped GatewayClass', async () => {
    const o = JSON.parse((await get('/apis/gateway.networking.k8s.io/v1/gatewayclasses/lastmile')).text);
    assert.equal(o.metadata.name, 'lastmile');
  });
  test('Secret values redacted, keys kept', async () => {
    const r = await get('/api/v1/namespaces/default/secrets/s');
    const o = JSON.parse(r.text);
    assert.deepEqual(o.data, { 'tls.key': REDACTED, 'tls.crt': REDACTED });
    assert.deepEqual(o.stringData, { password: REDACTED });
    assert.equal(r.text.includes('c2VjcmV0'), false);
    assert.equal(r.text.includes('hunter2'), false);
    const list = await get('/api/v1/secrets');
    assert.equal(list.text.includes('c2VjcmV0'), false);
  });
  test('404 is a Kubernetes Status', async () => {
    const r = await get('/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/missing');
    assert.equal(r.status, 404);
    const s = JSON.parse(r.text);
    assert.equal(s.kind, 'Status');
    assert.equal(s.reason, 'NotFound');
    assert.equal(s.message, 'gateways.gateway.networking.k8s.io "missing" not found');
    assert.equal((await get('/apis/foo/v1/bars')).status, 404);
  });
  test('diagnostics with their text', async () => {
    const d = JSON.parse((await get('/debug/diagnostics')).text);
    assert.equal(d.diagnostics[0].text, 'bad.yaml:3:1 bad indentation');
  });
  test('read-only', async () => {
    const r = await fetch(admin.url + '/healthz', { method: 'POST' });
    assert.equal(r.status, 405);
  });
});
