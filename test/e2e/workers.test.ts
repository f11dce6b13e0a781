/**
 * `lastmile serve --workers 2` as an operator runs it: the real process (a primary and two
 * workers), one admin API on --admin-address. Traffic spreads over both workers (SO_REUSEPORT:
 * new connections are hashed across the sockets) and the one /metrics sums it; /readyz says
 * every worker is ready, turns 503 while a killed worker is down and 200 once it is back;
 * SIGHUP reloads every worker; SIGTERM stops them all and exits 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { createCa } from '../../src/pki/generate.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { backendTlsPolicy, caConfigMap, gateway, gatewayClass, httpRoute, serviceWithEndpoints, writeManifests } from '../helpers/manifests.ts';
import { eventually, freePort, request } from '../helpers/net.ts';
import { startTlsEchoBackend, type TlsEchoBackend } from '../helpers/tls-echo-backend.ts';

/** Sum of the samples of `metric` (exact name, any labels) whose label text contains `filter`. */
function total(exposition: string, metric: string, filter = ''): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (!line.includes(filter)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** `count` requests, each on a new connection (so the kernel picks a worker for each), `parallel` at a time. */
async function burst(port: number, host: string, count: number, parallel = 8): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        statuses.push((await request({ port, host, path: '/burst', headers: { connection: 'close' }, timeoutMs: 5000 })).status);
      }
    }),
  );
  return statuses;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface WorkerInfo {
  index: number;
  pid?: number;
  state: string;
  ready: boolean;
  restarts: number;
  generation?: number;
}

describe('serve --workers 2 through the real process', () => {
  let dir: string;
  let gw: GatewayProcess;
  let port: number;
  let backend: TlsEchoBackend;
  let ca: Awaited<ReturnType<typeof createCa>>;
  const workers = async (): Promise<WorkerInfo[]> => (await gw.admin('/debug/workers')).json.workers as WorkerInfo[];
  const metrics = async (query = ''): Promise<string> => (await gw.admin(`/metrics${query}`)).text;
  const REQUESTS = 'lastmile_requests_total';
  const APP = 'route="HTTPRoute/default/app/';

  const manifests = (extra: { hostname: string } | undefined) => [
    gatewayClass(),
    gateway('gw', [{ name: 'http', port }]),
    httpRoute({ name: 'app', gateway: 'gw', hostnames: ['app.example'], service: 'app', port: 443 }),
    ...(extra !== undefined ? [httpRoute({ name: 'extra', gateway: 'gw', hostnames: [extra.hostname], service: 'app', port: 443 })] : []),
    ...serviceWithEndpoints('app', 443, backend.port),
    caConfigMap('app-ca', ca.certPem),
    backendTlsPolicy({ name: 'app-tls', service: 'app', hostname: 'app.internal', caConfigMaps: ['app-ca'] }),
  ];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lastmile-workers-'));
    ca = await createCa({ commonName: 'workers test CA' });
    const leaf = await ca.issue({ dnsNames: ['app.internal'] });
    backend = await startTlsEchoBackend({ certPem: leaf.certPem, keyPem: leaf.keyPem });
    port = await freePort();
    await writeManifests(dir, 'app.yaml', manifests(undefined));
    gw = await startGateway({ configDir: dir, extraArgs: ['--workers', '2', '--no-access-log'] });
  });

  after(async () => {
    await gw?.stop('SIGKILL');
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('one admin API: /readyz names both workers, /healthz answers', async () => {
    const ready = await gw.admin('/readyz');
    assert.equal(ready.status, 200, ready.text);
    assert.match(ready.text, /^ok\nworker 0 \(pid \d+\): ready\nworker 1 \(pid \d+\): ready\n$/);
    assert.equal((await gw.admin('/healthz')).status, 200);
    const list = await workers();
    assert.deepEqual(list.map((w) => [w.index, w.state, w.ready]), [[0, 'running', true], [1, 'running', true]]);
    assert.notEqual(list[0]!.pid, list[1]!.pid);
    // Reads answered by one worker say which; a worker's own answer is one query away.
    const r = await fetch(`${gw.adminUrl}/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/app`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-lastmile-worker'), '0');
    assert.equal((await fetch(`${gw.adminUrl}/debug/config?worker=1`)).headers.get('x-lastmile-worker'), '1');
    assert.equal((await gw.admin('/debug/config?worker=2')).status, 400);
    // Every worker's log lines say which worker wrote them.
    const writers = new Set(gw.logs.map((l) => l['worker']));
    assert.ok(writers.has(0) && writers.has(1), `log lines from both workers: ${[...writers].join(', ')}`);
  });

  test('traffic reaches both workers and the aggregated /metrics counts every request once', async () => {
    const sent = 60;
    const statuses = await burst(port, 'app.example', sent);
    assert.deepEqual([...new Set(statuses)], [200]);
    const perWorker = [await metrics('?worker=0'), await metrics('?worker=1')].map((text) => total(text, REQUESTS, APP));
    assert.ok(perWorker[0]! > 0 && perWorker[1]! > 0, `both workers served requests: ${perWorker.join(' + ')}`);
    assert.equal(perWorker[0]! + perWorker[1]!, sent);
    const all = await metrics();
    assert.equal(total(all, REQUESTS, APP), sent, 'counter summed across workers');
    assert.equal(total(all, 'lastmile_request_duration_seconds_count', APP), sent, 'histogram summed across workers');
    assert.equal(total(all, 'lastmile_request_duration_seconds_bucket', 'le="+Inf"'), sent);
    // One series per worker where a sum means nothing; the primary's own process metrics too.
    assert.match(all, /^lastmile_config_generation\{worker="0"\} 1$/m);
    assert.match(all, /^lastmile_config_generation\{worker="1"\} 1$/m);
    assert.match(all, /^lastmile_process_resident_memory_bytes\{worker="primary"\} \d+/m);
    assert.match(all, /^lastmile_ready 1$/m);
    assert.match(all, /^lastmile_worker_up\{worker="1"\} 1$/m);
    // Each metric family appears once (the aggregation merged them, it did not concatenate).
    assert.equal(all.split('\n').filter((l) => l === `# TYPE ${REQUESTS} counter`).length, 1);
  });

  test('a killed worker turns /readyz not ready until its replacement is ready; counts survive', async () => {
    const before = (await workers())[1]!;
    assert.ok(before.pid !== undefined);
    process.kill(before.pid, 'SIGKILL');
    // The window is the restart delay plus the new worker's start-up (a few hundred ms): poll tightly.
    const notReady = await eventually(
      async () => {
        const r = await gw.admin('/readyz');
        return r.status === 503 ? r.text : undefined;
      },
      5000,
      '/readyz 503',
    );
    assert.match(notReady, /^not ready: 1 of 2 workers not ready\n/);
    assert.match(notReady, /worker 0 \(pid \d+\): ready/);
    assert.match(notReady, /worker 1.*: (not running \(exited: signal SIGKILL; restarting\)|starting|not ready: .*)/);
    await eventually(async () => ((await gw.admin('/readyz')).status === 200 ? true : undefined), 10_000, '/readyz 200 again');
    const after = (await workers())[1]!;
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.restarts, 1);
    assert.equal(alive(before.pid), false);
    const all = await metrics();
    assert.match(all, /^lastmile_worker_restarts_total\{worker="1"\} 1$/m);
    // The dead worker's requests (scraped before it died) stay in the sum: no counter reset.
    assert.equal(total(all, REQUESTS, APP), 60);
    const statuses = await burst(port, 'app.example', 20);
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.equal(total(await metrics(), REQUESTS, APP), 80);
  });

  test('SIGHUP reloads every worker and the change serves from both', async () => {
    const generations = (await workers()).map((w) => w.generation ?? 0);
    await writeManifests(dir, 'app.yaml', manifests({ hostname: 'extra.example' }));
    const stderrBefore = gw.stderr().length;
    gw.child.kill('SIGHUP');
    const line = await eventually(async () => /lastmile: SIGHUP: worker 0 reloaded .*; worker 1 reloaded .*\n/.exec(gw.stderr().slice(stderrBefore))?.[0], 10_000, 'SIGHUP answered by both workers');
    assert.doesNotMatch(line, /did not reload/);
    for (const index of [0, 1]) {
      const config = (await gw.admin(`/debug/config?worker=${index}`)).json as { generation: number };
      assert.ok(config.generation > generations[index]!, `worker ${index} programmed a new configuration`);
      const route = await gw.admin(`/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/extra?worker=${index}`);
      assert.equal(route.status, 200, `worker ${index} has the new route`);
    }
    const statuses = await burst(port, 'extra.example', 30);
    assert.deepEqual([...new Set(statuses)], [200]);
    const perWorker = [await metrics('?worker=0'), await metrics('?worker=1')].map((text) => total(text, REQUESTS, 'route="HTTPRoute/default/extra/'));
    assert.ok(perWorker[0]! > 0 && perWorker[1]! > 0, `both workers serve the new route: ${perWorker.join(' + ')}`);
  });

  test('SIGTERM stops every worker and the primary exits 0', async () => {
    const pids = (await workers()).map((w) => w.pid!);
    const started = Date.now();
    assert.equal(await gw.stop('SIGTERM'), 0);
    assert.ok(Date.now() - started < 5000, `stopped after ${Date.now() - started} ms`);
    for (const pid of pids) assert.equal(alive(pid), false, `worker pid ${pid} is gone`);
    assert.match(gw.stderr(), /lastmile: SIGTERM: stopping 2 workers/);
    assert.match(gw.stderr(), /lastmile: stopped\n/);
    await assert.rejects(fetch(`${gw.adminUrl}/healthz`));
  });
});

test('serve --workers 2 on a busy admin port: one line, exit 1, no worker started', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lastmile-workers-busy-'));
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const busyPort = (busy.address() as net.AddressInfo).port;
    await writeManifests(dir, 'app.yaml', [gatewayClass()]);
    const gw = await startGateway({ configDir: dir, waitReady: false, extraArgs: ['--workers', '2', '--admin-address', `127.0.0.1:${busyPort}`] });
    const code = await eventually(async () => gw.child.exitCode ?? undefined, 10_000, 'exit');
    assert.equal(code, 1);
    assert.equal(gw.stderr(), `error: admin API on 127.0.0.1:${busyPort}: listen EADDRINUSE: address already in use 127.0.0.1:${busyPort}\n`);
  } finally {
    busy.close();
    await rm(dir, { recursive: true, force: true });
  }
});
