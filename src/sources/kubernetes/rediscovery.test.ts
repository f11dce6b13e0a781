/**
 * CRDs that come and go while the source runs (source.ts "Discovery runs again"): a kind
 * installed after start-up, BackendTLSPolicy moving from v1alpha3 to v1, a kind removed. The fake
 * API server stands in for the cluster; "installing" a CRD puts its resource back in the list the
 * fake serves (discovery, list and watch), keeping the objects it stores.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/meta.ts';
import type { Snapshot } from '../../store/snapshot.ts';
import { FakeApiFailure, FakeApiServer, defaultResources } from '../../../test/fake-apiserver/server.ts';
import { backendTLSPolicy, configMap, connectionTo, gateway, gatewayClass, httpRoute, service, waitFor } from '../../../test/fake-apiserver/helpers.ts';
import { KubeClient } from './client.ts';
import type { KubeLogger } from './logger.ts';
import { diffResources, type ApiResource } from './resources.ts';
import { KubernetesSource } from './source.ts';

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(lines: LogLine[]): KubeLogger {
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

interface Harness {
  api: FakeApiServer;
  source: KubernetesSource;
  snapshots: Snapshot[];
  logs: LogLine[];
  stop(): Promise<void>;
}

async function harness(options: { btlsV1alpha3Only?: boolean; rediscoverMs: number; seed?: (api: FakeApiServer) => void }): Promise<Harness> {
  const resources = defaultResources().map((r) => (r.kind === 'BackendTLSPolicy' && options.btlsV1alpha3Only ? { ...r, versions: ['v1alpha3'] } : r));
  const api = await FakeApiServer.start({ resources });
  api.create(gatewayClass('lastmile'));
  api.create(gateway('default', 'gw'));
  api.create(httpRoute('default', 'route-a'));
  api.create(service('default', 'backend'));
  api.create(backendTLSPolicy('default', 'policy', 'ca-bundle'));
  api.create(configMap('default', 'ca-bundle'));
  options.seed?.(api);
  const conn = connectionTo(api.url);
  const snapshots: Snapshot[] = [];
  const logs: LogLine[] = [];
  const source = new KubernetesSource({
    client: new KubeClient(conn, { requestTimeoutMs: 2000 }),
    onSnapshot: (s) => snapshots.push(s),
    debounceMs: 10,
    logger: recordingLogger(logs),
    watch: { initialBackoffMs: 20, maxBackoffMs: 100 },
    rediscoverMs: options.rediscoverMs,
  });
  source.start();
  return {
    api,
    source,
    snapshots,
    logs,
    async stop() {
      await source.stop();
      await conn.close();
      await api.close();
    },
  };
}

/** Takes a kind out of what the fake serves (as if its CRD were deleted); returns the re-install. */
function uninstall(api: FakeApiServer, kind: string): () => void {
  const resource = api.state.resourceByKind(kind);
  api.state.resources.splice(api.state.resources.indexOf(resource), 1);
  return () => void api.state.resources.push(resource);
}

function names(snapshot: Snapshot | undefined, kind: string): string[] {
  return snapshot ? snapshot.list(kind).map((s) => `${s.object.metadata.namespace ?? ''}/${s.object.metadata.name}`) : [];
}

function tlsRoute(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'TLSRoute',
    metadata: { namespace, name },
    spec: { parentRefs: [{ name: 'gw' }], hostnames: ['tls.example'], rules: [{ backendRefs: [{ name: 'backend', port: 443 }] }] },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kubernetes source: CRDs installed, upgraded or removed while running', () => {
  test('a kind installed after start-up is listed and watched without a restart; readiness does not wait for it', async () => {
    let install!: () => void;
    const h = await harness({
      rediscoverMs: 40,
      seed: (api) => {
        api.create(tlsRoute('default', 'early'));
        install = uninstall(api, 'TLSRoute');
      },
    });
    try {
      await h.source.ready;
      assert.equal(h.source.isReady(), true);
      assert.equal(h.source.resourceFor('TLSRoute'), undefined);
      await waitFor('first snapshot', () => h.snapshots.length > 0);
      assert.deepEqual(names(h.snapshots.at(-1), 'TLSRoute'), []);
      assert.ok(h.logs.some((l) => l.level === 'warn' && l.fields.kind === 'TLSRoute' && /not served/.test(l.message)));

      install();
      await waitFor('TLSRoute listed', () => names(h.snapshots.at(-1), 'TLSRoute').includes('default/early'));
      assert.equal(h.source.resourceFor('TLSRoute')?.version, 'v1');
      assert.equal(h.snapshots.at(-1)?.get('TLSRoute', 'default', 'early')?.object.apiVersion, 'gateway.networking.k8s.io/v1');
      const appeared = h.logs.filter((l) => l.fields.kind === 'TLSRoute' && /now served/.test(l.message));
      assert.equal(appeared.length, 1);
      assert.equal(appeared[0]?.level, 'info');
      assert.equal(appeared[0]?.fields.apiVersion, 'gateway.networking.k8s.io/v1');
      // Its watch is live, and the gateway stayed ready throughout.
      h.api.create(tlsRoute('default', 'late'));
      await waitFor('TLSRoute watched', () => names(h.snapshots.at(-1), 'TLSRoute').includes('default/late'));
      assert.equal(h.source.isReady(), true);
      assert.ok((h.source.stats().TLSRoute?.lists ?? 0) >= 1);
    } finally {
      await h.stop();
    }
  });

  test('BackendTLSPolicy moving from v1alpha3 to v1 switches the watch to v1, with no gap in between', async () => {
    const h = await harness({ rediscoverMs: 40, btlsV1alpha3Only: true });
    try {
      await h.source.ready;
      assert.equal(h.source.resourceFor('BackendTLSPolicy')?.version, 'v1alpha3');
      await waitFor('first snapshot', () => h.snapshots.length > 0);
      assert.equal(h.snapshots.at(-1)?.get('BackendTLSPolicy', 'default', 'policy')?.object.apiVersion, 'gateway.networking.k8s.io/v1alpha3');

      // The Gateway API upgrade: the CRD now serves v1 as well (and prefers it).
      Object.assign(h.api.state.resourceByKind('BackendTLSPolicy'), { versions: ['v1', 'v1alpha3'] });
      await waitFor('policy at v1', () => h.snapshots.at(-1)?.get('BackendTLSPolicy', 'default', 'policy')?.object.apiVersion === 'gateway.networking.k8s.io/v1');
      assert.equal(h.source.resourceFor('BackendTLSPolicy')?.version, 'v1');
      assert.ok(h.api.requests.some((r) => r.path === '/apis/gateway.networking.k8s.io/v1/backendtlspolicies' && r.query.get('watch') !== '1'), 'listed at v1');
      const switched = h.logs.filter((l) => l.fields.kind === 'BackendTLSPolicy' && /version .*changed/.test(l.message));
      assert.equal(switched.length, 1);
      assert.deepEqual([switched[0]?.fields.from, switched[0]?.fields.to], ['gateway.networking.k8s.io/v1alpha3', 'gateway.networking.k8s.io/v1']);
      // No snapshot ever lacked the policy or its CA bundle while the watch moved.
      for (const s of h.snapshots) {
        assert.deepEqual(names(s, 'BackendTLSPolicy'), ['default/policy']);
        assert.deepEqual(names(s, 'ConfigMap'), ['default/ca-bundle']);
      }
      // The v1 watch is the live one: a change arrives, at v1, and the old watch is closed.
      const policy = h.api.get('BackendTLSPolicy', 'default', 'policy');
      const spec = structuredClone(policy.spec) as { validation: { hostname: string } };
      spec.validation.hostname = 'moved.test';
      h.api.update({ ...policy, spec });
      await waitFor('update through the v1 watch', () => (h.snapshots.at(-1)?.get('BackendTLSPolicy', 'default', 'policy')?.object.spec as { validation?: { hostname?: string } } | undefined)?.validation?.hostname === 'moved.test');
      await waitFor('one watch per kind', () => h.api.openWatches === 11);
      assert.ok((h.source.stats().BackendTLSPolicy?.lists ?? 0) >= 2, 'counters carried over to the new watcher');
      assert.equal(h.source.isReady(), true);
    } finally {
      await h.stop();
    }
  });

  for (const how of ['periodic discovery', 'a 404 on the next watch'] as const) {
    test(`a removed kind (noticed by ${how}) stops being watched, its objects leave the store, warned once; re-installing brings them back`, async () => {
      // With a long interval only the 404 can trigger the discovery in time.
      const h = await harness({ rediscoverMs: how === 'periodic discovery' ? 40 : 60_000 });
      try {
        await h.source.ready;
        await waitFor('first snapshot', () => h.snapshots.length > 0);
        assert.deepEqual(names(h.snapshots.at(-1), 'BackendTLSPolicy'), ['default/policy']);
        await waitFor('watches open', () => h.api.openWatches === 11);

        const install = uninstall(h.api, 'BackendTLSPolicy');
        // A real API server ends the watches of a deleted CRD; the next one answers 404.
        if (how === 'a 404 on the next watch') h.api.dropWatches();
        await waitFor('policy gone', () => names(h.snapshots.at(-1), 'BackendTLSPolicy').length === 0);
        // The CA bundle was kept only for the policy: it goes with it.
        await waitFor('CA bundle dropped', () => names(h.snapshots.at(-1), 'ConfigMap').length === 0);
        assert.equal(h.source.resourceFor('BackendTLSPolicy'), undefined);
        assert.equal(h.source.stats().BackendTLSPolicy, undefined, 'no watcher left');
        await sleep(150); // several intervals: still one warning
        const gone = h.logs.filter((l) => l.fields.kind === 'BackendTLSPolicy' && /no longer served/.test(l.message));
        assert.equal(gone.length, 1);
        assert.equal(gone[0]?.level, 'warn');
        assert.equal(gone[0]?.fields.apiVersion, 'gateway.networking.k8s.io/v1');
        assert.equal(gone[0]?.fields.objects, 1);
        assert.equal(h.source.isReady(), true, 'readiness unaffected');
        assert.deepEqual(names(h.snapshots.at(-1), 'HTTPRoute'), ['default/route-a'], 'other kinds untouched');

        if (how === 'periodic discovery') {
          install();
          await waitFor('policy back', () => names(h.snapshots.at(-1), 'BackendTLSPolicy').includes('default/policy'));
          await waitFor('CA bundle fetched again', () => names(h.snapshots.at(-1), 'ConfigMap').includes('default/ca-bundle'));
        }
      } finally {
        await h.stop();
      }
    });
  }

  test('a kind that goes away before its initial list completes does not hold readiness', async () => {
    const h = await harness({
      rediscoverMs: 40,
      seed: (api) => api.addHook((r) => (r.path === '/apis/gateway.networking.k8s.io/v1/tlsroutes' && r.query.get('watch') !== '1' ? new FakeApiFailure(500, 'InternalError', 'etcd hiccup') : undefined)),
    });
    try {
      await waitFor('a failed TLSRoute list', () => (h.source.stats().TLSRoute?.failures ?? 0) >= 1);
      assert.equal(h.source.isReady(), false);
      uninstall(h.api, 'TLSRoute');
      await h.source.ready;
      assert.equal(h.source.resourceFor('TLSRoute'), undefined);
    } finally {
      await h.stop();
    }
  });

  test('a failing re-discovery keeps every watch and every object', async () => {
    const h = await harness({ rediscoverMs: 30 });
    try {
      await h.source.ready;
      await waitFor('first snapshot', () => h.snapshots.length > 0);
      const discovery = (path: string) => /^\/apis\/[^/]+\/[^/]+$/.test(path);
      h.api.addHook((r) => (discovery(r.path) ? new FakeApiFailure(503, 'ServiceUnavailable', 'aggregator down') : undefined));
      await waitFor('re-discovery failed', () => h.logs.some((l) => l.level === 'warn' && /re-discovery failed/.test(l.message)));
      await sleep(100);
      assert.deepEqual(names(h.snapshots.at(-1), 'BackendTLSPolicy'), ['default/policy']);
      assert.equal(h.source.resourceFor('BackendTLSPolicy')?.version, 'v1');
      h.api.clearHooks();
      h.api.create(httpRoute('default', 'route-b'));
      await waitFor('watches still live', () => names(h.snapshots.at(-1), 'HTTPRoute').includes('default/route-b'));
    } finally {
      await h.stop();
    }
  });
});

describe('diffResources', () => {
  const r = (kind: string, version = 'v1'): ApiResource => ({ kind, group: 'gateway.networking.k8s.io', version, plural: `${kind.toLowerCase()}s`, namespaced: true });
  test('names the kinds added, removed and served at another version', () => {
    const current = new Map([r('Gateway'), r('BackendTLSPolicy', 'v1alpha3'), r('TLSRoute')].map((x) => [x.kind, x]));
    const changes = diffResources(current, [r('Gateway'), r('BackendTLSPolicy'), r('GRPCRoute')]);
    assert.deepEqual(changes.added.map((x) => x.kind), ['GRPCRoute']);
    assert.deepEqual(changes.removed.map((x) => x.kind), ['TLSRoute']);
    assert.deepEqual(changes.changed.map((c) => [c.from.version, c.to.version]), [['v1alpha3', 'v1']]);
  });
  test('no change, no work', () => {
    const current = new Map([r('Gateway')].map((x) => [x.kind, x]));
    assert.deepEqual(diffResources(current, [r('Gateway')]), { added: [], removed: [], changed: [] });
  });
});
