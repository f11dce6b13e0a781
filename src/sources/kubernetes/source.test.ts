import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../../store/snapshot.ts';
import { FakeApiFailure, FakeApiServer, defaultResources } from '../../../test/fake-apiserver/server.ts';
import { backendTLSPolicy, configMap, connectionTo, gateway, gatewayClass, httpRoute, secret, service, waitFor } from '../../../test/fake-apiserver/helpers.ts';
import { createCa } from '../../pki/generate.ts';
import { KubeClient, type ApiConnection } from './client.ts';
import { connectWithKubeconfig } from './kubeconfig.ts';
import { KubernetesSource } from './source.ts';

interface Harness {
  api: FakeApiServer;
  source: KubernetesSource;
  snapshots: Snapshot[];
  latest(): Snapshot;
  stop(): Promise<void>;
}

async function harness(seed: (api: FakeApiServer) => void, options: { goneAs?: 'event' | 'http'; btlsV1alpha3Only?: boolean; pageSize?: number } = {}): Promise<Harness> {
  const resources = defaultResources().map((r) => (r.kind === 'BackendTLSPolicy' && options.btlsV1alpha3Only ? { ...r, versions: ['v1alpha3'] } : r));
  const api = await FakeApiServer.start({ goneAs: options.goneAs, resources });
  seed(api);
  const conn = connectionTo(api.url);
  const snapshots: Snapshot[] = [];
  const source = new KubernetesSource({
    client: new KubeClient(conn, { requestTimeoutMs: 2000 }),
    onSnapshot: (s) => snapshots.push(s),
    debounceMs: 20,
    watch: { initialBackoffMs: 20, maxBackoffMs: 100, pageSize: options.pageSize },
  });
  source.start();
  return {
    api,
    source,
    snapshots,
    latest() {
      const last = snapshots.at(-1);
      assert.ok(last, 'no snapshot published yet');
      return last;
    },
    async stop() {
      await source.stop();
      await conn.close();
      await api.close();
    },
  };
}

function seedBasics(api: FakeApiServer): void {
  api.create(gatewayClass('lastmile'));
  api.create(gateway('default', 'gw', { certificateSecret: 'gw-cert' }));
  api.create(httpRoute('default', 'route-a'));
  api.create(service('default', 'backend'));
  api.create(backendTLSPolicy('default', 'policy', 'ca-bundle'));
  api.create(configMap('default', 'ca-bundle'));
  api.create(configMap('default', 'unrelated'));
  api.create(configMap('default', 'labelled', { x: 'y' }, { 'lastmile.dev/watch': 'true' }));
  api.create(secret('default', 'gw-cert'));
  api.create(secret('default', 'someone-elses-secret'));
}

function names(snapshot: Snapshot | undefined, kind: string): string[] {
  if (!snapshot) return [];
  return snapshot.list(kind).map((s) => `${s.object.metadata.namespace ?? ''}/${s.object.metadata.name}`);
}

function countRequests(api: FakeApiServer, kind: string, watch: boolean): number {
  const plural = defaultResources().find((r) => r.kind === kind)?.plural ?? '';
  return api.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/${plural}`) && (r.query.get('watch') === '1') === watch).length;
}

describe('kubernetes source', () => {
  test('initial sync publishes one snapshot, then ready; unreferenced ConfigMaps and Secrets are dropped', async () => {
    const h = await harness(seedBasics, { pageSize: 2 });
    try {
      assert.equal(h.source.isReady(), false);
      await h.source.ready;
      await waitFor('first snapshot', () => h.snapshots.length > 0);
      const s = h.latest();
      assert.deepEqual(names(s, 'GatewayClass'), ['/lastmile']);
      assert.deepEqual(names(s, 'Gateway'), ['default/gw']);
      assert.deepEqual(names(s, 'HTTPRoute'), ['default/route-a']);
      assert.deepEqual(names(s, 'BackendTLSPolicy'), ['default/policy']);
      assert.deepEqual(names(s, 'ConfigMap'), ['default/ca-bundle', 'default/labelled']);
      assert.deepEqual(names(s, 'Secret'), ['default/gw-cert']);
      // Typed-list items come without kind/apiVersion; the source fills them in.
      const svc = s.get('Service', 'default', 'backend');
      assert.equal(svc?.object.kind, 'Service');
      assert.equal(svc?.object.apiVersion, 'v1');
      assert.ok(svc?.object.metadata.uid, 'real metadata kept');
      assert.equal(h.snapshots.length, 1, 'the initial lists are debounced into one snapshot');
      assert.ok(h.source.store.droppedUnreferenced >= 2);
      // Paginated: 2 ConfigMaps per page.
      assert.ok(h.api.requests.some((r) => r.path.endsWith('/configmaps') && r.query.get('continue')));
    } finally {
      await h.stop();
    }
  });

  test('updates and deletes reach the snapshot', async () => {
    const h = await harness(seedBasics);
    try {
      await h.source.ready;
      await waitFor('first snapshot', () => h.snapshots.length > 0);
      const route = h.api.get('HTTPRoute', 'default', 'route-a');
      h.api.update({ ...route, spec: { ...(route.spec as object), hostnames: ['a.example'] } });
      h.api.create(httpRoute('default', 'route-b'));
      h.api.delete('Service', 'default', 'backend');
      const cm = h.api.get('ConfigMap', 'default', 'ca-bundle');
      h.api.update({ ...cm, data: { 'ca.crt': 'NEW' } });
      await waitFor('changes', () => {
        const s = h.snapshots.at(-1);
        return !!s && s.list('HTTPRoute').length === 2 && s.list('Service').length === 0;
      });
      const s = h.latest();
      assert.deepEqual((s.get('HTTPRoute', 'default', 'route-a')?.object.spec as { hostnames: string[] }).hostnames, ['a.example']);
      assert.deepEqual((s.get('ConfigMap', 'default', 'ca-bundle')?.object as unknown as { data: object }).data, { 'ca.crt': 'NEW' });
      // A change to an unreferenced Secret publishes nothing.
      const count = h.snapshots.length;
      const other = h.api.get('Secret', 'default', 'someone-elses-secret');
      h.api.update({ ...other, data: { changed: 'eA==' } });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(h.snapshots.length, count);
    } finally {
      await h.stop();
    }
  });

  test('a ConfigMap referenced later is fetched; one no longer referenced is dropped', async () => {
    const h = await harness(seedBasics);
    try {
      await h.source.ready;
      await waitFor('first snapshot', () => h.snapshots.length > 0);
      const policy = h.api.get('BackendTLSPolicy', 'default', 'policy');
      const spec = structuredClone(policy.spec) as { validation: { caCertificateRefs: { name: string }[] } };
      spec.validation.caCertificateRefs[0]!.name = 'unrelated';
      h.api.update({ ...policy, spec });
      await waitFor('referenced ConfigMap fetched', () => names(h.snapshots.at(-1), 'ConfigMap').includes('default/unrelated'));
      assert.deepEqual(names(h.latest(), 'ConfigMap'), ['default/labelled', 'default/unrelated']);
      assert.ok(h.api.requests.some((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/default/configmaps/unrelated'));
    } finally {
      await h.stop();
    }
  });

  test('a dropped watch connection resumes from its resourceVersion without losing events', async () => {
    const h = await harness(seedBasics);
    try {
      await h.source.ready;
      await waitFor('watches open', () => h.api.openWatches === 11);
      const listsBefore = countRequests(h.api, 'HTTPRoute', false);
      h.api.dropWatches();
      // Changes while no watch is open must still arrive: the next watch replays them.
      h.api.create(httpRoute('default', 'while-down'));
      h.api.delete('HTTPRoute', 'default', 'route-a');
      await waitFor('replayed events', () => {
        const s = h.snapshots.at(-1);
        return !!s && names(s, 'HTTPRoute').join() === 'default/while-down';
      });
      assert.equal(countRequests(h.api, 'HTTPRoute', false), listsBefore, 'no relist: the watch resumed');
      const resumed = h.api.requests.filter((r) => r.path.endsWith('/httproutes') && r.query.get('watch') === '1');
      assert.ok(resumed.length >= 2);
      assert.notEqual(resumed.at(-1)?.query.get('resourceVersion'), '');
      assert.equal(resumed.at(-1)?.query.get('allowWatchBookmarks'), 'true');
    } finally {
      await h.stop();
    }
  });

  for (const goneAs of ['event', 'http'] as const) {
    test(`410 Gone (${goneAs === 'event' ? 'ERROR event' : 'HTTP 410'}) triggers a relist`, async () => {
      const h = await harness(seedBasics, { goneAs });
      try {
        await h.source.ready;
        await waitFor('watches open', () => h.api.openWatches === 11);
        const listsBefore = countRequests(h.api, 'HTTPRoute', false);
        h.api.dropWatches();
        h.api.create(httpRoute('default', 'after-compaction'));
        h.api.delete('HTTPRoute', 'default', 'route-a');
        h.api.state.compact();
        await waitFor('relisted', () => {
          const s = h.snapshots.at(-1);
          return !!s && names(s, 'HTTPRoute').join() === 'default/after-compaction';
        });
        assert.ok(countRequests(h.api, 'HTTPRoute', false) > listsBefore, 'relisted');
        assert.ok((h.source.stats().HTTPRoute?.relists ?? 0) >= 1);
      } finally {
        await h.stop();
      }
    });
  }

  test('a bookmark moves the resume point, so a later compaction needs no relist', async () => {
    const h = await harness(seedBasics);
    try {
      await h.source.ready;
      await waitFor('watches open', () => h.api.openWatches === 11);
      h.api.create(configMap('other', 'noise')); // advances the global resourceVersion
      h.api.sendBookmarks();
      await waitFor('bookmark seen', () => (h.source.stats().HTTPRoute?.bookmarks ?? 0) >= 1);
      h.api.state.compact();
      const listsBefore = countRequests(h.api, 'HTTPRoute', false);
      h.api.dropWatches();
      await waitFor('watches reopened', () => h.api.openWatches === 11);
      h.api.create(httpRoute('default', 'post-bookmark'));
      await waitFor('event after resume', () => names(h.snapshots.at(-1), 'HTTPRoute').includes('default/post-bookmark'));
      assert.equal(countRequests(h.api, 'HTTPRoute', false), listsBefore);
    } finally {
      await h.stop();
    }
  });

  test('unparseable and unusable watch lines are counted and skipped', async () => {
    const h = await harness(seedBasics);
    try {
      await h.source.ready;
      await waitFor('watches open', () => h.api.openWatches === 11);
      h.api.injectLine('{not json');
      h.api.injectLine('{"type":"WHAT","object":{}}');
      h.api.create(httpRoute('default', 'still-works'));
      await waitFor('event after garbage', () => names(h.snapshots.at(-1), 'HTTPRoute').includes('default/still-works'));
      const stats = h.source.stats().HTTPRoute;
      assert.equal(stats?.unparseable, 1);
      assert.equal(stats?.dropped, 1);
    } finally {
      await h.stop();
    }
  });

  test('BackendTLSPolicy is watched at v1alpha3 when v1 is not served', async () => {
    const h = await harness((api) => {
      seedBasics(api);
    }, { btlsV1alpha3Only: true });
    try {
      await h.source.ready;
      assert.equal(h.source.resourceFor('BackendTLSPolicy')?.version, 'v1alpha3');
      await waitFor('first snapshot', () => h.snapshots.length > 0);
      const policy = h.latest().get('BackendTLSPolicy', 'default', 'policy');
      assert.equal(policy?.object.kind, 'BackendTLSPolicy');
      assert.equal(policy?.object.apiVersion, 'gateway.networking.k8s.io/v1alpha3');
      assert.ok(h.api.requests.some((r) => r.path === '/apis/gateway.networking.k8s.io/v1alpha3/backendtlspolicies'));
    } finally {
      await h.stop();
    }
  });

  test('a kind the cluster does not serve is skipped; readiness waits for failing lists to succeed', async () => {
    const resources = defaultResources().filter((r) => r.kind !== 'TLSRoute');
    const api = await FakeApiServer.start({ resources });
    seedBasics(api);
    let failSecrets = 3;
    api.addHook((req) => {
      if (req.path === '/api/v1/secrets' && req.query.get('watch') !== '1' && failSecrets-- > 0) {
        return new FakeApiFailure(403, 'Forbidden', 'secrets is forbidden');
      }
    });
    const conn = connectionTo(api.url);
    const snapshots: Snapshot[] = [];
    const source = new KubernetesSource({ client: new KubeClient(conn), onSnapshot: (s) => snapshots.push(s), debounceMs: 10, watch: { initialBackoffMs: 10, maxBackoffMs: 50 } });
    source.start();
    try {
      await source.ready;
      assert.equal(source.resourceFor('TLSRoute'), undefined);
      assert.ok((source.stats().Secret?.failures ?? 0) >= 1);
      await waitFor('snapshot', () => snapshots.length > 0);
      assert.deepEqual(names(snapshots.at(-1), 'Secret'), ['default/gw-cert']);
    } finally {
      await source.stop();
      await conn.close();
      await api.close();
    }
  });
});

describe('kubeconfig', () => {
  let dir: string;
  let api: FakeApiServer;
  let caPem: string;
  let otherCaPem: string;
  const conns: ApiConnection[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lastmile-kubeconfig-'));
    const ca = await createCa({ commonName: 'fake apiserver CA' });
    const leaf = await ca.issue({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    caPem = ca.certPem;
    otherCaPem = (await createCa({ commonName: 'some other CA' })).certPem;
    api = await FakeApiServer.start({ token: 's3cret-token', tls: { cert: leaf.certPem, key: leaf.keyPem } });
  });
  after(async () => {
    for (const conn of conns) await conn.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeKubeconfig(name: string, ca: string, token: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${api.url}/\n    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`,
        '- name: other\n  cluster:\n    server: https://127.0.0.1:1',
        'users:',
        `- name: bot\n  user:\n    token: ${token}`,
        'contexts:',
        '- name: fake\n  context:\n    cluster: fake\n    user: bot',
        '- name: other\n  context:\n    cluster: other\n    user: bot',
        'current-context: other',
        '',
      ].join('\n'),
    );
    return file;
  }

  test('a kubeconfig with a CA, a token and a named context connects over verified TLS', async () => {
    const conn = await connectWithKubeconfig({ kubeconfig: await writeKubeconfig('good', caPem, 's3cret-token'), context: 'fake' });
    conns.push(conn);
    assert.equal(conn.server, api.url);
    const list = await new KubeClient(conn).get<{ kind: string }>('/api/v1/services');
    assert.equal(list.kind, 'ServiceList');
  });

  test('a server certificate from another CA is refused (TLS verification is never skipped)', async () => {
    const conn = await connectWithKubeconfig({ kubeconfig: await writeKubeconfig('wrong-ca', otherCaPem, 's3cret-token'), context: 'fake' });
    conns.push(conn);
    await assert.rejects(new KubeClient(conn, { requestTimeoutMs: 2000 }).get('/api/v1/services'));
  });

  test('a wrong token is an ApiError 401', async () => {
    const conn = await connectWithKubeconfig({ kubeconfig: await writeKubeconfig('bad-token', caPem, 'nope'), context: 'fake' });
    conns.push(conn);
    await assert.rejects(new KubeClient(conn).get('/api/v1/services'), (error: Error & { status?: number }) => error.status === 401);
  });

  test('a missing kubeconfig file is a LastmileError, not a crash', async () => {
    await assert.rejects(connectWithKubeconfig({ kubeconfig: join(dir, 'nope') }), (error: Error & { code?: string }) => error.code === 'kubeconfig_invalid');
  });

  test('a malformed kubeconfig error carries neither its token nor the parser error as cause', async () => {
    const file = join(dir, 'broken');
    await writeFile(file, 'apiVersion: v1\nkind: Config\nusers: [{ name: u, user: { token: sekrit-token } }]\nclusters: [}\n');
    await assert.rejects(connectWithKubeconfig({ kubeconfig: file }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'kubeconfig_invalid');
      assert.doesNotMatch(error.message, /sekrit-token/);
      assert.equal(error.cause, undefined);
      return true;
    });
  });
});
