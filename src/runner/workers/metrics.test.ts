import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayMetrics, MetricNames } from '../../observability/metrics.ts';
import { ClusterMetrics, policyFor } from './metrics.ts';
import type { MetricFamily } from './protocol.ts';

/** One worker's registry as the primary receives it (JSON over IPC). */
async function workerJson(requests: number, generation: number, expiry: number, pool: number): Promise<MetricFamily[]> {
  const m = new GatewayMetrics({ processMetrics: true });
  const bound = m.bindRequest('HTTPRoute/default/app/rule/0/match/0', 'Service/default/app:443');
  for (let i = 0; i < requests; i++) bound.observe(200, '', 0.002);
  m.configGeneration.set(generation);
  m.ready.set(1);
  m.certificateExpiry.labels('listener', 'Secret/default/tls', 'CN=x').set(expiry);
  m.poolConnections.labels('Service/default/app:443', '127.0.0.1:1').set(pool);
  m.handshakes.labels('Service/default/app:443', 'ok', '', 'false').inc(requests);
  return JSON.parse(JSON.stringify(await m.registry.getMetricsAsJSON())) as MetricFamily[];
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const REQ = 'lastmile_requests_total{route="HTTPRoute/default/app/rule/0/match/0",backend="Service/default/app:443",code="",status_class="2xx"}';
const COUNT = 'lastmile_request_duration_seconds_count{route="HTTPRoute/default/app/rule/0/match/0",backend="Service/default/app:443"}';
const BUCKET = 'lastmile_request_duration_seconds_bucket{le="0.0025",route="HTTPRoute/default/app/rule/0/match/0",backend="Service/default/app:443"}';

test('policyFor: counters and histograms summed, listed gauges summed or min, other gauges and process metrics per worker', () => {
  assert.equal(policyFor({ name: MetricNames.requests, type: 'counter' }), 'sum');
  assert.equal(policyFor({ name: MetricNames.requestDuration, type: 'histogram' }), 'sum');
  assert.equal(policyFor({ name: MetricNames.poolConnections, type: 'gauge' }), 'sum');
  assert.equal(policyFor({ name: MetricNames.certificateExpiry, type: 'gauge' }), 'min');
  assert.equal(policyFor({ name: MetricNames.configGeneration, type: 'gauge' }), 'per-worker');
  assert.equal(policyFor({ name: MetricNames.ready, type: 'gauge' }), 'omit');
  assert.equal(policyFor({ name: 'lastmile_process_cpu_seconds_total', type: 'counter' }), 'per-worker');
  assert.equal(policyFor({ name: 'lastmile_nodejs_heap_size_total_bytes', type: 'gauge' }), 'per-worker');
  assert.equal(policyFor({ name: 'lastmile_some_future_gauge', type: 'gauge' }), 'per-worker');
  assert.equal(policyFor({ name: 'lastmile_some_summary', type: 'summary' }), 'per-worker');
});

test('ClusterMetrics.render: sums, minimum, per-worker series, the primary families, one family each', async () => {
  const cm = new ClusterMetrics();
  const workers = new Map([
    [0, await workerJson(3, 2, 2000, 1)],
    [1, await workerJson(5, 1, 1000, 2)],
  ]);
  const primary: MetricFamily[] = [{ name: 'lastmile_ready', help: 'all ready', type: 'gauge', aggregator: 'sum', values: [{ value: 1, labels: {} }] }];
  const text = await cm.render(workers, primary);
  assert.equal(sample(text, REQ), 8);
  assert.equal(sample(text, COUNT), 8);
  assert.equal(sample(text, BUCKET), 8);
  assert.equal(sample(text, 'lastmile_upstream_tls_handshakes_total{backend="Service/default/app:443",outcome="ok",reason="",resumed="false"}'), 8);
  assert.equal(sample(text, 'lastmile_upstream_pool_connections{backend="Service/default/app:443",endpoint="127.0.0.1:1"}'), 3);
  assert.equal(sample(text, 'lastmile_certificate_expiry_timestamp_seconds{use="listener",source="Secret/default/tls",subject="CN=x"}'), 1000);
  assert.equal(sample(text, 'lastmile_config_generation{worker="0"}'), 2);
  assert.equal(sample(text, 'lastmile_config_generation{worker="1"}'), 1);
  assert.equal(sample(text, 'lastmile_ready'), 1, "the primary's value, not the workers' sum");
  assert.match(text, /^lastmile_process_resident_memory_bytes\{worker="1"\} \d+$/m);
  assert.match(text, /^lastmile_nodejs_version_info\{version="[^"]+",major="\d+",minor="\d+",patch="\d+",worker="0"\} 1$/m);
  for (const name of [MetricNames.requests, MetricNames.requestDuration, MetricNames.configGeneration, 'lastmile_process_resident_memory_bytes']) {
    assert.equal(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `)).length, 1, name);
  }
});

test('ClusterMetrics.retire: a dead worker leaves its last scraped counts in the sums; gauges go with it', async () => {
  const cm = new ClusterMetrics();
  cm.seen(0, await workerJson(3, 1, 1000, 1));
  cm.seen(1, await workerJson(5, 1, 1000, 1));
  await cm.retire(1);
  assert.equal(cm.lastSeen(1), undefined);
  // Worker 1 came back with fresh counters.
  const text = await cm.render(new Map([[0, cm.lastSeen(0)!], [1, await workerJson(2, 1, 1000, 1)]]), []);
  assert.equal(sample(text, REQ), 3 + 5 + 2);
  assert.equal(sample(text, COUNT), 10);
  assert.equal(sample(text, 'lastmile_upstream_pool_connections{backend="Service/default/app:443",endpoint="127.0.0.1:1"}'), 2, 'gauges are not carried over');
  // A second death of the same worker adds up again.
  cm.seen(1, await workerJson(2, 1, 1000, 1));
  await cm.retire(1);
  const again = await cm.render(new Map([[0, cm.lastSeen(0)!]]), []);
  assert.equal(sample(again, REQ), 3 + 5 + 2);
});

test('ClusterMetrics.render: a sample that JSON turned into null (NaN) is dropped, not summed', async () => {
  const cm = new ClusterMetrics();
  const gauge = (value: number | null): MetricFamily[] => [
    { name: MetricNames.poolConnections, help: 'h', type: 'gauge', aggregator: 'sum', values: [{ value: value as number, labels: { backend: 'b', endpoint: 'e' } }] },
  ];
  const text = await cm.render(new Map([[0, gauge(2)], [1, gauge(null)]]), []);
  assert.equal(sample(text, 'lastmile_upstream_pool_connections{backend="b",endpoint="e"}'), 2);
});
