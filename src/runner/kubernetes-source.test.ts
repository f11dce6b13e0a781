import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiFailure, FakeApiServer } from '../../test/fake-apiserver/server.ts';
import { connectionTo, waitFor } from '../../test/fake-apiserver/helpers.ts';
import { defaulted } from '../../test/fake-apiserver/defaulted.ts';
import { eventually, freePort } from '../../test/helpers/net.ts';
import { gateway, gatewayClass, httpRoute, serviceWithEndpoints } from '../../test/helpers/manifests.ts';
import { startKubernetesServe, type KubernetesServeOptions } from './kubernetes-source.ts';

const TUNING: KubernetesServeOptions['tuning'] = {
  debounceMs: 10,
  watch: { initialBackoffMs: 20, maxBackoffMs: 100 },
  lease: { leaseDurationSeconds: 1, retryPeriodMs: 100, renewDeadlineMs: 600 },
  status: { initialBackoffMs: 20, maxBackoffMs: 100 },
};

interface Condition {
  type: string;
  status: string;
}

function conditionsOf(api: FakeApiServer, kind: string, namespace: string | undefined, name: string): Condition[] {
  return (api.get(kind, namespace, name).status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
}

describe('startKubernetesServe (in process, fake API server)', () => {
  let api: FakeApiServer;
  before(async () => {
    api = await FakeApiServer.start();
    api.create(defaulted(gatewayClass()));
    api.create(defaulted(gateway('gw', [{ name: 'http', port: await freePort() }])));
  });
  after(async () => {
    await api.close();
  });

  const start = (extra: Partial<KubernetesServeOptions>) =>
    startKubernetesServe({ connection: connectionTo(api.url), adminAddress: '127.0.0.1:0', bindAddress: '127.0.0.1', logLevel: 'silent', accessLog: false, leaseNamespace: 'lastmile-system', tuning: TUNING, ...extra });

  test('ready only after the initial lists and the first programmed snapshot; status written; close releases the Lease', async () => {
    api.addHook((r) => (r.method === 'GET' && r.path.endsWith('/gateways') ? new FakeApiFailure(500, 'InternalError', 'not yet') : undefined));
    const gw = await start({ identity: 'writer' });
    try {
      await waitFor('a failed list', () => api.requests.some((r) => r.path.endsWith('/gateways')));
      const early = await fetch(`${gw.adminUrl}/readyz`);
      assert.equal(early.status, 503);
      assert.equal(await early.text(), 'not ready: waiting for the initial lists from the Kubernetes API\n');
      const debugEarly = (await (await fetch(`${gw.adminUrl}/debug/kubernetes`)).json()) as { synced: boolean };
      assert.equal(debugEarly.synced, false);
      api.clearHooks();
      await gw.programmed;
      assert.equal((await fetch(`${gw.adminUrl}/readyz`)).status, 200);
      // The computed status is on the admin API and, through the Lease holder, in the cluster.
      const adminGw = (await (await fetch(`${gw.adminUrl}/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/gw`)).json()) as { status?: { conditions?: Condition[] } };
      assert.ok(adminGw.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True'));
      await waitFor('GatewayClass Accepted in the cluster', () => conditionsOf(api, 'GatewayClass', undefined, 'lastmile').some((c) => c.type === 'Accepted' && c.status === 'True'));
      await waitFor('Gateway Programmed in the cluster', () => conditionsOf(api, 'Gateway', 'default', 'gw').some((c) => c.type === 'Programmed' && c.status === 'True'));
      const debug = (await (await fetch(`${gw.adminUrl}/debug/kubernetes`)).json()) as { identity: string; statusWriter: boolean; synced: boolean; watch: Record<string, { failures: number }> };
      assert.equal(debug.identity, 'writer');
      assert.equal(debug.statusWriter, true);
      assert.equal(debug.synced, true);
      assert.ok((debug.watch.Gateway?.failures ?? 0) >= 1, 'the failed list is counted');
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      assert.match(metrics, /^lastmile_kubernetes_watch_failures_total\{kind="Gateway"\} [1-9]/m);
      // SIGHUP in this mode programs the newest snapshot again.
      const before = (await (await fetch(`${gw.adminUrl}/debug/config`)).json()) as { generation: number };
      await gw.reload();
      const afterReload = (await (await fetch(`${gw.adminUrl}/debug/config`)).json()) as { generation: number };
      assert.equal(afterReload.generation, before.generation + 1);
    } finally {
      await gw.close();
    }
    const lease = api.get('Lease', 'lastmile-system', 'lastmile-status-writer').spec as { holderIdentity?: string };
    assert.equal(lease.holderIdentity, undefined, 'released on close');
    await assert.rejects(fetch(`${gw.adminUrl}/healthz`), 'the admin API is closed');
  });

  test('writeStatus false: serves and computes status, but never writes it nor touches the Lease', async () => {
    const from = api.requests.length;
    const gw = await start({ identity: 'reader', writeStatus: false });
    try {
      await gw.programmed;
      assert.equal((await fetch(`${gw.adminUrl}/readyz`)).status, 200);
      await new Promise((r) => setTimeout(r, 200));
      const mine = api.requests.slice(from).filter((r) => r.userAgent === 'lastmile/reader');
      assert.ok(mine.length > 0);
      assert.deepEqual(mine.filter((r) => r.method !== 'GET'), [], 'no writes');
      assert.deepEqual(mine.filter((r) => r.path.includes('/leases')), [], 'no Lease reads');
      const debug = (await (await fetch(`${gw.adminUrl}/debug/kubernetes`)).json()) as { writeStatus: boolean; statusWriter: boolean };
      assert.deepEqual([debug.writeStatus, debug.statusWriter], [false, false]);
    } finally {
      await gw.close();
    }
  });
});

describe('startKubernetesServe: a CRD installed or removed while the gateway runs', () => {
  /** Takes a kind out of what the fake serves (as if its CRD were deleted); returns the re-install. */
  function uninstall(api: FakeApiServer, kind: string): () => void {
    const resource = api.state.resourceByKind(kind);
    api.state.resources.splice(api.state.resources.indexOf(resource), 1);
    return () => void api.state.resources.push(resource);
  }
  const routeUrl = (adminUrl: string) => `${adminUrl}/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/late`;
  const accepted = (conditions: Condition[] | undefined) => conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') === true;

  test('HTTPRoute installed after start-up is translated and gets status; removed again, it leaves; /readyz stays 200', async () => {
    const api = await FakeApiServer.start();
    api.create(defaulted(gatewayClass()));
    api.create(defaulted(gateway('gw', [{ name: 'http', port: await freePort() }])));
    for (const object of serviceWithEndpoints('echo', 80, undefined)) api.create(defaulted(object));
    api.create(defaulted(httpRoute({ name: 'late', gateway: 'gw', service: 'echo', port: 80 })));
    // The HTTPRoute CRD is not installed when the gateway starts (its object waits in storage).
    const install = uninstall(api, 'HTTPRoute');
    const gw = await startKubernetesServe({
      connection: connectionTo(api.url),
      adminAddress: '127.0.0.1:0',
      bindAddress: '127.0.0.1',
      logLevel: 'silent',
      accessLog: false,
      leaseNamespace: 'lastmile-system',
      identity: 'late-crds',
      tuning: { ...TUNING, rediscoverMs: 40 },
    });
    try {
      await gw.programmed;
      assert.equal((await fetch(`${gw.adminUrl}/readyz`)).status, 200, 'ready without HTTPRoutes');
      assert.equal((await fetch(routeUrl(gw.adminUrl))).status, 404);

      install();
      const route = await eventually(async () => {
        const res = await fetch(routeUrl(gw.adminUrl));
        const body = res.status === 200 ? ((await res.json()) as RouteView) : undefined;
        return accepted(body?.status?.parents?.[0]?.conditions) ? body : undefined;
      }, 5000, 'the route translated and Accepted');
      assert.equal((route as { apiVersion?: string }).apiVersion, 'gateway.networking.k8s.io/v1');
      assert.equal((await fetch(`${gw.adminUrl}/readyz`)).status, 200);
      const inCluster = () => (api.get('HTTPRoute', 'default', 'late').status as RouteView['status'])?.parents?.[0]?.conditions;
      await waitFor('route status written to the cluster', () => accepted(inCluster()));

      uninstall(api, 'HTTPRoute');
      api.dropWatches();
      await eventually(async () => ((await fetch(routeUrl(gw.adminUrl))).status === 404 ? true : undefined), 5000, 'the route gone from the admin API');
      assert.equal((await fetch(`${gw.adminUrl}/readyz`)).status, 200, 'still ready');
    } finally {
      await gw.close();
      await api.close();
    }
  });
});

interface RouteView {
  status?: { parents?: { conditions?: Condition[] }[] };
}
