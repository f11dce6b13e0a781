/**
 * End-to-end, kubernetes mode: the real `lastmile serve --provider kubernetes` process against the
 * in-process fake API server (HTTPS with a CA generated here, bearer token, reached through a
 * kubeconfig file), in front of a real TLS echo backend. The cluster holds a Gateway, an
 * HTTPRoute, a Service with its EndpointSlice, a CA ConfigMap and a BackendTLSPolicy whose status
 * already carries another controller's ancestor entry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../src/pki/generate.ts';
import { defaulted } from '../fake-apiserver/defaulted.ts';
import { FakeApiFailure, FakeApiServer } from '../fake-apiserver/server.ts';
import { backendTlsPolicy, caConfigMap, gateway, gatewayClass, httpRoute, serviceWithEndpoints } from '../helpers/manifests.ts';
import { eventually, freePort, request } from '../helpers/net.ts';
import { startFakeCluster, spawnKubernetesServe, type ServeChild } from '../helpers/kubernetes-serve.ts';
import { startTlsEchoBackend, type TlsEchoBackend } from '../helpers/tls-echo-backend.ts';

const OURS = 'lastmile.dev/gateway-controller';
const FOREIGN = 'example.com/other-controller';
const TOKEN = 'e2e-token';

interface Ancestor {
  ancestorRef: { name: string };
  controllerName: string;
  conditions: { type: string; status: string; reason: string; observedGeneration?: number }[];
}

describe('serve --provider kubernetes, the real process against a fake API server', () => {
  let dir: string;
  let api: FakeApiServer;
  let backend: TlsEchoBackend;
  let gw: ServeChild;
  let adminUrl: string;
  let port: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lastmile-k8s-e2e-'));
    const backendCa = await createCa({ commonName: 'k8s e2e backend CA' });
    const leaf = await backendCa.issue({ dnsNames: ['backend.test'] });
    backend = await startTlsEchoBackend({ certPem: leaf.certPem, keyPem: leaf.keyPem });
    let kubeconfigPath: string;
    ({ api, kubeconfig: kubeconfigPath } = await startFakeCluster(dir, TOKEN));
    port = await freePort();
    const objects = [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }]),
      httpRoute({ name: 'echo', gateway: 'gw', service: 'echo', port: 443 }),
      ...serviceWithEndpoints('echo', 443, backend.port),
      caConfigMap('echo-ca', backendCa.certPem),
      // A ConfigMap nothing references: kubernetes mode must not keep it.
      caConfigMap('unrelated', 'not a CA'),
      backendTlsPolicy({ name: 'echo-tls', service: 'echo', hostname: 'backend.test', caConfigMaps: ['echo-ca'] }),
    ];
    for (const object of objects) api.create(defaulted(object));
    // Another controller already reports on this policy for its own Gateway.
    const policy = api.get('BackendTLSPolicy', 'default', 'echo-tls');
    const foreign: Ancestor = {
      ancestorRef: { name: 'their-gateway' },
      controllerName: FOREIGN,
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: 1 }],
    };
    api.update({ ...policy, status: { ancestors: [foreign] } }, 'status');

    // The initial list of BackendTLSPolicies fails until the test lets it through: readiness must wait.
    api.addHook((r) => (r.method === 'GET' && r.path.endsWith('/backendtlspolicies') ? new FakeApiFailure(503, 'ServiceUnavailable', 'not yet') : undefined));

    const adminPort = await freePort();
    adminUrl = `http://127.0.0.1:${adminPort}`;
    gw = spawnKubernetesServe(kubeconfigPath, ['--lease-namespace', 'lastmile-system', '--identity', 'e2e-replica', '--admin-address', `127.0.0.1:${adminPort}`, '--bind-address', '127.0.0.1', '--log-level', 'info']);
  });

  after(async () => {
    await gw.kill();
    await backend.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const alive = (): void => {
    if (gw.child.exitCode !== null) throw new Error(`gateway exited with ${gw.child.exitCode}: ${gw.stderr()}\n${gw.stdout().slice(-3000)}`);
  };

  test('not ready while an initial list fails; ready once every list is in and the snapshot is programmed', async () => {
    await eventually(async () => {
      alive();
      return api.requests.some((r) => r.path.endsWith('/backendtlspolicies') && r.query.get('watch') === null) ? true : undefined;
    }, 20_000, 'a list of BackendTLSPolicies');
    const early = await fetch(`${adminUrl}/readyz`);
    assert.equal(early.status, 503);
    assert.equal(await early.text(), 'not ready: waiting for the initial lists from the Kubernetes API\n');
    api.clearHooks();
    await eventually(async () => {
      alive();
      return (await fetch(`${adminUrl}/readyz`)).status === 200 ? true : undefined;
    }, 20_000, '/readyz 200');
    assert.ok(api.requests.every((r) => r.userAgent === 'lastmile/e2e-replica'), 'every request names the replica');
  });

  test('a request is proxied with verified TLS, SNI = the policy hostname', async () => {
    const r = await eventually(async () => {
      const res = await request({ port, path: '/hello', host: 'echo.example' });
      return res.status === 200 ? res : undefined;
    }, 10_000, 'a 200 through the gateway');
    assert.equal(r.json.sni, 'backend.test');
    assert.equal(r.json.path, '/hello');
    assert.equal(r.json.host, 'echo.example');
  });

  test('the policy status gets our ancestor entry, and the other controller keeps its own', async () => {
    const ancestors = await eventually(async () => {
      const list = (api.get('BackendTLSPolicy', 'default', 'echo-tls').status as { ancestors?: Ancestor[] } | undefined)?.ancestors ?? [];
      return list.some((a) => a.controllerName === OURS) ? list : undefined;
    }, 10_000, 'our ancestor entry');
    assert.deepEqual(ancestors.map((a) => `${a.controllerName} ${a.ancestorRef.name}`).sort(), [`${FOREIGN} their-gateway`, `${OURS} gw`]);
    const ours = ancestors.find((a) => a.controllerName === OURS);
    assert.deepEqual(ours?.conditions.map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`).sort(), ['Accepted=True/Accepted@1', 'ResolvedRefs=True/ResolvedRefs@1']);
    const writes = api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status'));
    assert.ok(writes.length > 0);
    const lease = api.get('Lease', 'lastmile-system', 'lastmile-status-writer').spec as { holderIdentity?: string };
    assert.equal(lease.holderIdentity, 'e2e-replica');
  });

  test('the admin API shows the watch and status counters; /metrics exports them', async () => {
    const debug = (await (await fetch(`${adminUrl}/debug/kubernetes`)).json()) as {
      identity: string;
      synced: boolean;
      statusWriter: boolean;
      watch: Record<string, { lists: number }>;
      status: { writes: number; errors: number };
    };
    assert.equal(debug.identity, 'e2e-replica');
    assert.equal(debug.synced, true);
    assert.equal(debug.statusWriter, true);
    assert.ok((debug.watch.BackendTLSPolicy?.lists ?? 0) >= 1);
    assert.ok(debug.status.writes > 0);
    assert.equal(debug.status.errors, 0);
    const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
    assert.match(metrics, /^lastmile_kubernetes_status_writer 1$/m);
    assert.match(metrics, /^lastmile_kubernetes_synced 1$/m);
    assert.match(metrics, /^lastmile_kubernetes_status_writes_total\{result="written"\} [1-9]/m);
    assert.match(metrics, /^lastmile_ready 1$/m);
    // The unreferenced ConfigMap was dropped: the admin API does not know it.
    assert.equal((await fetch(`${adminUrl}/api/v1/namespaces/default/configmaps/unrelated`)).status, 404);
    assert.equal((await fetch(`${adminUrl}/api/v1/namespaces/default/configmaps/echo-ca`)).status, 200);
  });

  test('a policy update through the API (a watch event) changes traffic and status', async () => {
    const policy = api.get('BackendTLSPolicy', 'default', 'echo-tls');
    const spec = policy.spec as { validation: { hostname: string } };
    api.update({ ...policy, spec: { ...spec, validation: { ...spec.validation, hostname: 'wrong.test' } } });
    const r = await eventually(async () => {
      const res = await request({ port, path: '/after-update', host: 'echo.example' });
      return res.status === 502 ? res : undefined;
    }, 10_000, 'a 502 after the policy update');
    assert.equal(r.headers['x-lastmile-error'], 'upstream_tls_hostname_mismatch');
    // The new generation is reported; the other controller's entry is still there.
    await eventually(async () => {
      const list = (api.get('BackendTLSPolicy', 'default', 'echo-tls').status as { ancestors?: Ancestor[] } | undefined)?.ancestors ?? [];
      const ours = list.find((a) => a.controllerName === OURS);
      return ours?.conditions.every((c) => c.observedGeneration === 2) === true && list.some((a) => a.controllerName === FOREIGN) ? true : undefined;
    }, 10_000, 'observedGeneration 2');
    // And back: the fixed policy serves again.
    const fixed = api.get('BackendTLSPolicy', 'default', 'echo-tls');
    api.update({ ...fixed, spec: { ...(fixed.spec as object), validation: { ...spec.validation, hostname: 'backend.test' } } });
    await eventually(async () => ((await request({ port, path: '/fixed', host: 'echo.example' })).status === 200 ? true : undefined), 10_000, 'a 200 after the fix');
  });

  test('SIGTERM: exits 0 and releases the status Lease', async () => {
    gw.child.kill('SIGTERM');
    const timer = setTimeout(() => gw.child.kill('SIGKILL'), 15_000);
    const code = await gw.exited;
    clearTimeout(timer);
    assert.equal(code, 0, gw.stderr());
    const lease = api.get('Lease', 'lastmile-system', 'lastmile-status-writer').spec as { holderIdentity?: string };
    assert.equal(lease.holderIdentity, undefined, 'released on shutdown');
    assert.match(gw.stderr(), /serving from the Kubernetes API \(all namespaces\)/);
    assert.match(gw.stderr(), /listening on HTTP/);
    const logs = gw.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string });
    assert.ok(logs.some((l) => l.msg === 'this replica now writes status'));
    assert.ok(logs.some((l) => l.msg === 'initial cluster configuration programmed; ready'));
  });
});
