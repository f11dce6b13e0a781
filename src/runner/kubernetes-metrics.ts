/**
 * Prometheus metrics of kubernetes mode, registered from the runner on the gateway's own registry
 * (GatewayMetrics.registry) and read from `mode.stats()` at scrape time, so the watch and status
 * code counts into plain numbers and knows nothing about prom-client.
 */
import { Counter, Gauge } from 'prom-client';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { KubernetesMode } from './kubernetes-mode.ts';

/** Metric names, exported so tests and dashboards agree. */
export const KubernetesMetricNames = {
  watchEvents: 'lastmile_kubernetes_watch_events_total',
  watchRelists: 'lastmile_kubernetes_watch_relists_total',
  watchFailures: 'lastmile_kubernetes_watch_failures_total',
  statusWrites: 'lastmile_kubernetes_status_writes_total',
  statusWriter: 'lastmile_kubernetes_status_writer',
  synced: 'lastmile_kubernetes_synced',
} as const;

type Stats = ReturnType<KubernetesMode['stats']>;

/** Registers the gauges and counters; `mode()` is undefined until connected (everything reads 0). */
export function registerKubernetesMetrics(metrics: GatewayMetrics, mode: () => KubernetesMode | undefined): void {
  const registers = [metrics.registry];
  const stats = (): Stats | undefined => mode()?.stats();
  // A counter per watch figure, labelled by kind. The values are cumulative in the watchers, so
  // each scrape resets the child and sets it to the current total.
  const perKind = (name: string, help: string, pick: (s: Stats['watch'][string]) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['kind'],
      registers,
      collect(this: Counter<'kind'>) {
        this.reset();
        for (const [kind, s] of Object.entries(stats()?.watch ?? {})) this.labels(kind).inc(pick(s));
      },
    });
  };
  perKind(KubernetesMetricNames.watchEvents, 'Watch events received from the API server, by kind.', (s) => s.events);
  perKind(KubernetesMetricNames.watchRelists, 'Full lists after the first one (410 Gone: the watch resumed too late), by kind.', (s) => s.relists);
  perKind(KubernetesMetricNames.watchFailures, 'Failed list or watch requests (retried with backoff), by kind.', (s) => s.failures);
  new Counter({
    name: KubernetesMetricNames.statusWrites,
    help: 'Status writes by result: written, skipped_noop (nothing but lastTransitionTime would change), conflict (409, retried), error.',
    labelNames: ['result'],
    registers,
    collect(this: Counter<'result'>) {
      const s = stats()?.status;
      this.reset();
      this.labels('written').inc(s?.writes ?? 0);
      this.labels('skipped_noop').inc(s?.skippedNoop ?? 0);
      this.labels('conflict').inc(s?.conflicts ?? 0);
      this.labels('error').inc(s?.errors ?? 0);
    },
  });
  new Gauge({
    name: KubernetesMetricNames.statusWriter,
    help: '1 while this replica holds the status Lease and writes status.',
    registers,
    collect(this: Gauge) {
      this.set(mode()?.isLeader() === true ? 1 : 0);
    },
  });
  new Gauge({
    name: KubernetesMetricNames.synced,
    help: '1 once every watched kind completed its initial list.',
    registers,
    collect(this: Gauge) {
      this.set(mode()?.isReady() === true ? 1 : 0);
    },
  });
}
