/**
 * One /metrics for `lastmile serve --workers N`: the primary collects every worker's registry as
 * JSON (prom-client `getMetricsAsJSON`, over IPC) and folds them with prom-client's own
 * `AggregatorRegistry.aggregate` (sums series with equal labels, bucket by bucket for histograms).
 *
 * We do not use AggregatorRegistry's transport (`clusterMetrics()`): it reads the global registry
 * unless each worker calls `setRegistries`, it answers nothing until every connected worker
 * answered, and one worker that is starting or stuck fails the whole scrape after a fixed 5 s.
 * Our primary asks each worker with its own timeout and keeps serving the others.
 *
 * What each metric becomes (README "serve", "--workers"):
 * - counters and histograms: summed across workers (requests, durations, handshakes, reloads,
 *   bind failures, kubernetes watch/status counters). A worker that exits leaves its last scraped
 *   counts behind (`retire`), so the sums do not go backwards when it is restarted.
 * - gauges where a sum means something: summed (pooled upstream connections; the status-writer
 *   flag, which is then the number of workers writing, 0 or 1).
 * - gauges where the cluster answer is the worst worker's: minimum (certificate expiry: the
 *   earliest notAfter any worker serves; kubernetes synced: 1 only when every worker synced).
 * - `lastmile_ready`: recomputed by the primary (1 only when every worker is ready).
 * - every other gauge (config generation, and any gauge added later) and the process metrics
 *   (`lastmile_process_*`, `lastmile_nodejs_*`): one series per worker, labelled `worker`; the
 *   primary's own process metrics carry `worker="primary"`.
 */
import { AggregatorRegistry } from 'prom-client';
import { MetricNames } from '../../observability/metrics.ts';
import { KubernetesMetricNames } from '../kubernetes-metrics.ts';
import type { MetricFamily } from './protocol.ts';

/** How one metric family is combined across workers. */
export type Policy = 'sum' | 'min' | 'per-worker' | 'omit';

/** The label that tells workers apart in per-worker series. */
export const WORKER_LABEL = 'worker';

const SUMMED_GAUGES: ReadonlySet<string> = new Set([MetricNames.poolConnections, KubernetesMetricNames.statusWriter]);
const MIN_GAUGES: ReadonlySet<string> = new Set([MetricNames.certificateExpiry, KubernetesMetricNames.synced]);
/** Computed by the primary from every worker's readiness. */
const PRIMARY_OWNED: ReadonlySet<string> = new Set([MetricNames.ready]);

/** Whether a family is one of prom-client's default process metrics (registered with our prefix). */
export function isProcessMetric(name: string): boolean {
  return name.startsWith('lastmile_process_') || name.startsWith('lastmile_nodejs_');
}

/** The aggregation of a family (see the file comment). */
export function policyFor(family: Pick<MetricFamily, 'name' | 'type'>): Policy {
  if (PRIMARY_OWNED.has(family.name)) return 'omit';
  if (isProcessMetric(family.name)) return 'per-worker';
  if (family.type === 'counter' || family.type === 'histogram') return 'sum';
  if (SUMMED_GAUGES.has(family.name)) return 'sum';
  if (MIN_GAUGES.has(family.name)) return 'min';
  // Gauges not listed (and summaries, whose quantiles cannot be summed): one series per worker.
  return 'per-worker';
}

/** Adds `worker="<who>"` to every sample (summed later, each label set is its own series). */
export function labelWorker(family: MetricFamily, who: string): MetricFamily {
  return { ...family, aggregator: 'sum', values: family.values.map((v) => ({ ...v, labels: { ...v.labels, [WORKER_LABEL]: who } })) };
}

/** A worker's families shaped for aggregation by their policy (numbers only: JSON turns NaN into null). */
export function shapeForAggregation(families: readonly MetricFamily[], worker: number): MetricFamily[] {
  const out: MetricFamily[] = [];
  for (const f of families) {
    const policy = policyFor(f);
    if (policy === 'omit') continue;
    const clean = { ...f, values: f.values.filter((v) => typeof v.value === 'number') };
    if (policy === 'per-worker') out.push(labelWorker(clean, String(worker)));
    else out.push({ ...clean, aggregator: policy });
  }
  return out;
}

/** Families that are cumulative (what a worker that exited leaves behind). */
function cumulative(families: readonly MetricFamily[]): MetricFamily[] {
  return families.filter((f) => policyFor(f) === 'sum' && (f.type === 'counter' || f.type === 'histogram')).map((f) => ({ ...f, aggregator: 'sum' }));
}

/** Folds families with prom-client's aggregator into one registry. */
function aggregate(sets: readonly (readonly MetricFamily[])[]): ReturnType<typeof AggregatorRegistry.aggregate> {
  return AggregatorRegistry.aggregate(sets as unknown as object[]);
}

/**
 * The primary's memory of what the workers reported: the last scrape of each (a stand-in when a
 * worker does not answer in time) and the counts of workers that exited.
 */
export class ClusterMetrics {
  readonly #lastSeen = new Map<number, MetricFamily[]>();
  #retired: MetricFamily[] = [];

  /** Records a worker's fresh scrape. */
  seen(worker: number, families: MetricFamily[]): void {
    this.#lastSeen.set(worker, families);
  }

  /** The last scrape of a worker, if any. */
  lastSeen(worker: number): MetricFamily[] | undefined {
    return this.#lastSeen.get(worker);
  }

  /**
   * A worker exited: its counters and histograms as last scraped join the retired totals, so the
   * cluster's sums stay monotonic across the restart (what it counted after that scrape is lost).
   */
  async retire(worker: number): Promise<void> {
    const last = this.#lastSeen.get(worker);
    this.#lastSeen.delete(worker);
    if (last === undefined) return;
    const folded = aggregate([this.#retired, cumulative(shapeForAggregation(last, worker))]);
    this.#retired = (await folded.getMetricsAsJSON()) as unknown as MetricFamily[];
  }

  /**
   * The text exposition: `workers` maps each worker to its families (fresh, else last seen; absent
   * when never seen), `primary` holds the primary's own families, already labelled.
   */
  async render(workers: ReadonlyMap<number, readonly MetricFamily[]>, primary: readonly MetricFamily[]): Promise<string> {
    const sets: MetricFamily[][] = [];
    for (const [worker, families] of workers) sets.push(shapeForAggregation(families, worker));
    if (this.#retired.length > 0) sets.push(this.#retired);
    sets.push([...primary]);
    return aggregate(sets).metrics();
  }
}
