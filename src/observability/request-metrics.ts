/**
 * Per-request metrics counted into plain numbers (see metrics.ts for why) and exposed to
 * prom-client's registry as two collectors with the exposition prom-client's own Counter and
 * Histogram produced: `lastmile_requests_total{route,backend,code,status_class}` for each
 * combination seen, and `lastmile_request_duration_seconds_bucket{le,route,backend}` (cumulative,
 * then `+Inf`), `_sum` and `_count` for each bound pair.
 */

/** Status classes by index: 1xx..5xx, then `other` (e.g. 0: the client went away). */
const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const;

function classIndex(status: number): number {
  return status >= 100 && status < 600 ? ((status / 100) | 0) - 1 : 5;
}

/** The counts of one (route, backend) pair. */
export class BoundRequestMetrics {
  readonly route: string;
  readonly backend: string;
  readonly bounds: readonly number[];
  /** Requests answered without a lastmile error code, by status class. */
  readonly plain = [0, 0, 0, 0, 0, 0];
  /** Requests answered with an error code, by code then status class (insertion order kept). */
  coded: Map<string, number[]> | undefined;
  /** Observations per bucket (not cumulative); the last slot counts values above every bound. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;
  /** How many compiled routes use this pair (GatewayMetrics.bindRequest / releaseRequest). */
  refs = 0;

  constructor(route: string, backend: string, bounds: readonly number[]) {
    this.route = route;
    this.backend = backend;
    this.bounds = bounds;
    this.buckets = new Float64Array(bounds.length + 1);
  }

  /** Counts one finished request and records its duration in seconds. */
  observe(status: number, code: string, seconds: number): void {
    const cls = classIndex(status);
    if (code === '') {
      this.plain[cls]!++;
    } else {
      const coded = (this.coded ??= new Map());
      let counts = coded.get(code);
      if (counts === undefined) {
        counts = [0, 0, 0, 0, 0, 0];
        coded.set(code, counts);
      }
      counts[cls]!++;
    }
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > b[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }

  reset(): void {
    this.plain.fill(0);
    this.coded = undefined;
    this.buckets.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** One value as prom-client's registry formats it (labels, then the shared ones). */
interface Value {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  metricName?: string;
}

interface MetricData {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Value[];
}

/** `lastmile_requests_total` read from the bound counts (a prom-client Metric by shape). */
export class RequestCountCollector {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #bound: ReadonlyMap<string, BoundRequestMetrics>;

  constructor(name: string, help: string, bound: ReadonlyMap<string, BoundRequestMetrics>) {
    this.name = name;
    this.help = help;
    this.#bound = bound;
  }

  async get(): Promise<MetricData> {
    const values: Value[] = [];
    for (const b of this.#bound.values()) {
      const push = (code: string, counts: readonly number[]): void => {
        for (let c = 0; c < counts.length; c++) {
          if (counts[c] !== 0) values.push({ value: counts[c]!, labels: { route: b.route, backend: b.backend, code, status_class: CLASSES[c]! } });
        }
      };
      push('', b.plain);
      if (b.coded !== undefined) for (const [code, counts] of b.coded) push(code, counts);
    }
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values };
  }

  reset(): void {
    for (const b of this.#bound.values()) b.reset();
  }
}

/** `lastmile_request_duration_seconds` read from the bound counts (a prom-client Metric by shape). */
export class RequestDurationCollector {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly bounds: readonly number[];
  readonly #bound: ReadonlyMap<string, BoundRequestMetrics>;

  constructor(name: string, help: string, bounds: readonly number[], bound: ReadonlyMap<string, BoundRequestMetrics>) {
    this.name = name;
    this.help = help;
    this.bounds = bounds;
    this.#bound = bound;
  }

  /** The registry's text path: `le` first, then the pair's labels (as prom-client prints them). */
  async getForPromString(): Promise<MetricData> {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const b of this.#bound.values()) {
      if (b.count === 0) continue; // prom-client showed a pair once something was observed
      const shared = { route: b.route, backend: b.backend };
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += b.buckets[i]!;
        values.push({ value: acc, labels: { le: this.bounds[i]! }, sharedLabels: shared, metricName: bucket });
      }
      values.push({ value: b.count, labels: { le: '+Inf' }, sharedLabels: shared, metricName: bucket });
      values.push({ value: b.sum, labels: {}, sharedLabels: shared, metricName: `${this.name}_sum` });
      values.push({ value: b.count, labels: {}, sharedLabels: shared, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  /** The JSON path (`getMetricsAsJSON`): shared labels merged in. */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    data.values = data.values.map((v) => ({ value: v.value, labels: { ...v.labels, ...v.sharedLabels }, ...(v.metricName ? { metricName: v.metricName } : {}) }));
    return data;
  }

  reset(): void {
    for (const b of this.#bound.values()) b.reset();
  }
}
