/**
 * What the primary's admin API (admin/primary.ts) answers, computed by asking the workers over
 * IPC (supervisor.ts): readiness of every worker, aggregated metrics, merged handshakes and
 * diagnostics, and any other read relayed to one worker.
 *
 * Every question has a timeout and a worker that does not answer is reported, never waited on:
 * a stuck worker makes /readyz say so (503) instead of hanging the probe.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClusterAdminSource } from '../../admin/primary.ts';
import { jsonAnswer, type AdminAnswer } from '../../admin/server.ts';
import { ClusterMetrics, isProcessMetric, labelWorker } from './metrics.ts';
import type { MetricFamily, WorkerStatus } from './protocol.ts';
import type { SlotView, Supervisor } from './supervisor.ts';

/** Per question: readiness must answer well inside a probe's timeout (Kubernetes' default is 1 s). */
const STATUS_TIMEOUT_MS = 800;
const SCRAPE_TIMEOUT_MS = 3000;
const READ_TIMEOUT_MS = 5000;
/** `/debug/handshakes` keeps as many records merged as one worker keeps (observability/handshakes.ts). */
const MERGED_HANDSHAKES = 100;


/** One worker as /readyz and /debug/workers describe it. */
export interface WorkerReport {
  readonly slot: SlotView;
  readonly status?: WorkerStatus;
  /** Why there is no status (not running, no answer). */
  readonly error?: string;
}

function label(slot: SlotView): string {
  return slot.pid !== undefined ? `worker ${slot.index} (pid ${slot.pid})` : `worker ${slot.index}`;
}

function describe(report: WorkerReport): string {
  if (report.status?.ready === true) return 'ready';
  if (report.status !== undefined) return `not ready: ${report.status.reason ?? 'not ready'}`;
  return report.error ?? 'unknown';
}

/** The cluster's admin source plus the primary's own metrics. */
export class ClusterAdmin implements ClusterAdminSource {
  readonly #supervisor: Supervisor;
  readonly #metrics = new ClusterMetrics();
  readonly #registry = new Registry();
  readonly #up: Gauge<'worker'>;
  readonly #workerReady: Gauge<'worker'>;
  readonly #ready: Gauge;
  readonly #restarts: Counter<'worker'>;

  constructor(supervisor: Supervisor) {
    this.#supervisor = supervisor;
    const registers = [this.#registry];
    collectDefaultMetrics({ register: this.#registry, prefix: 'lastmile_' });
    new Gauge({ name: 'lastmile_workers', help: 'Worker processes configured (serve --workers).', registers }).set(supervisor.count);
    this.#up = new Gauge({ name: 'lastmile_worker_up', help: '1 when the worker process runs and answered this scrape (0: its series are its last scrape, or absent).', labelNames: ['worker'], registers });
    this.#workerReady = new Gauge({ name: 'lastmile_worker_ready', help: '1 when the worker is ready (its own /readyz would answer 200).', labelNames: ['worker'], registers });
    this.#ready = new Gauge({ name: 'lastmile_ready', help: '1 when every worker is ready (what /readyz answers).', registers });
    this.#restarts = new Counter({ name: 'lastmile_worker_restarts_total', help: 'Worker processes restarted after they exited, by worker.', labelNames: ['worker'], registers });
    for (let i = 0; i < supervisor.count; i++) this.#restarts.labels(String(i)).inc(0);
  }

  get count(): number {
    return this.#supervisor.count;
  }

  /** Worker `index` exited: keep its counts, count the restart (unless the primary is stopping). */
  workerExited(index: number): void {
    if (!this.#supervisor.stopping) this.#restarts.labels(String(index)).inc();
    void this.#metrics.retire(index);
  }

  #down(slot: SlotView): WorkerReport {
    return { slot, error: `not running (exited: ${slot.lastExit ?? 'never started'}${this.#supervisor.stopping ? '' : '; restarting'})` };
  }

  /** Every worker's readiness, asked in parallel. */
  async reports(): Promise<WorkerReport[]> {
    return Promise.all(
      this.#supervisor.slots().map(async (slot): Promise<WorkerReport> => {
        if (slot.state === 'down') return this.#down(slot);
        try {
          return { slot, status: await this.#supervisor.request(slot.index, 'status', {}, STATUS_TIMEOUT_MS) };
        } catch (err) {
          // It may have exited while we asked.
          const now = this.#supervisor.slots()[slot.index];
          if (now !== undefined && now.state === 'down') return this.#down(now);
          return { slot, error: slot.state === 'starting' ? 'starting' : err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  async readiness(): Promise<AdminAnswer> {
    const reports = await this.reports();
    const lines = reports.map((r) => `${label(r.slot)}: ${describe(r)}`);
    const notReady = reports.filter((r) => r.status?.ready !== true).length;
    if (this.#supervisor.stopping) return { status: 503, contentType: 'text/plain', body: ['not ready: shutting down', ...lines].join('\n') + '\n' };
    if (notReady === 0) return { status: 200, contentType: 'text/plain', body: ['ok', ...lines].join('\n') + '\n' };
    return { status: 503, contentType: 'text/plain', body: [`not ready: ${notReady} of ${reports.length} workers not ready`, ...lines].join('\n') + '\n' };
  }

  async workers(): Promise<AdminAnswer> {
    const reports = await this.reports();
    return jsonAnswer(200, {
      stopping: this.#supervisor.stopping,
      workers: reports.map((r) => ({
        ...r.slot,
        since: new Date(r.slot.since).toISOString(),
        ready: r.status?.ready === true,
        ...(r.status?.ready === true ? {} : { reason: describe(r) }),
        ...(r.status !== undefined ? { generation: r.status.generation } : {}),
      })),
    });
  }

  async metrics(): Promise<AdminAnswer> {
    const fresh = new Map<number, readonly MetricFamily[]>();
    let allReady = !this.#supervisor.stopping;
    await Promise.all(
      this.#supervisor.slots().map(async (slot) => {
        const worker = String(slot.index);
        try {
          if (slot.state === 'down') throw new Error('down');
          const r = await this.#supervisor.request(slot.index, 'scrape', {}, SCRAPE_TIMEOUT_MS);
          this.#metrics.seen(slot.index, r.metrics);
          fresh.set(slot.index, r.metrics);
          this.#up.labels(worker).set(1);
          this.#workerReady.labels(worker).set(r.status.ready ? 1 : 0);
          if (!r.status.ready) allReady = false;
        } catch {
          // A running worker that did not answer in time counts with its last scrape (its
          // counters must not vanish from the sums for one scrape); a dead one is retired.
          const last = slot.state === 'down' ? undefined : this.#metrics.lastSeen(slot.index);
          if (last !== undefined) fresh.set(slot.index, last);
          this.#up.labels(worker).set(0);
          this.#workerReady.labels(worker).set(0);
          allReady = false;
        }
      }),
    );
    this.#ready.set(allReady ? 1 : 0);
    const own = ((await this.#registry.getMetricsAsJSON()) as unknown as MetricFamily[]).map((f) => (isProcessMetric(f.name) ? labelWorker(f, 'primary') : { ...f, aggregator: 'sum' }));
    return { status: 200, contentType: this.#registry.contentType, body: await this.#metrics.render(fresh, own) };
  }

  /** Asks every running worker the same admin read; failures are left out. */
  async #fromEach(target: string): Promise<{ worker: number; body: unknown }[]> {
    const slots = this.#supervisor.slots().filter((s) => s.state !== 'down');
    const answers = await Promise.all(
      slots.map(async (s) => {
        try {
          const a = await this.#supervisor.request(s.index, 'admin', { method: 'GET', target }, READ_TIMEOUT_MS);
          return a.status === 200 ? { worker: s.index, body: JSON.parse(a.body) as unknown } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return answers.filter((a) => a !== undefined);
  }

  /** The last handshakes of all workers, oldest first, each with the worker that made it. */
  async handshakes(): Promise<AdminAnswer> {
    const merged: Record<string, unknown>[] = [];
    for (const { worker, body } of await this.#fromEach('/debug/handshakes')) {
      for (const h of (body as { handshakes?: Record<string, unknown>[] }).handshakes ?? []) merged.push({ ...h, worker });
    }
    merged.sort((a, b) => String(a.time).localeCompare(String(b.time)));
    return jsonAnswer(200, { handshakes: merged.slice(-MERGED_HANDSHAKES) });
  }

  /**
   * The diagnostics of all workers, once each: they agree on what comes from the configuration,
   * but not always on listeners (one worker may fail to bind a port the others hold). A
   * diagnostic that only some workers report names them in `workers`.
   */
  async diagnostics(): Promise<AdminAnswer> {
    const answers = await this.#fromEach('/debug/diagnostics');
    const byText = new Map<string, { d: Record<string, unknown>; workers: number[] }>();
    for (const { worker, body } of answers) {
      for (const d of (body as { diagnostics?: Record<string, unknown>[] }).diagnostics ?? []) {
        const key = String(d.text);
        const seen = byText.get(key);
        if (seen === undefined) byText.set(key, { d, workers: [worker] });
        else if (!seen.workers.includes(worker)) seen.workers.push(worker);
      }
    }
    const all = answers.length;
    return jsonAnswer(200, { diagnostics: [...byText.values()].map(({ d, workers }) => (workers.length === all ? d : { ...d, workers: workers.sort((a, b) => a - b) })) });
  }

  async forward(method: string, target: string, worker: number | undefined): Promise<{ answer: AdminAnswer; worker: number }> {
    const slots = this.#supervisor.slots();
    const chosen = worker ?? (slots.find((s) => s.state === 'running') ?? slots.find((s) => s.state === 'starting'))?.index;
    if (chosen === undefined) throw new Error('no worker is running');
    try {
      return { answer: await this.#supervisor.request(chosen, 'admin', { method, target }, READ_TIMEOUT_MS), worker: chosen };
    } catch (err) {
      throw new Error(`worker ${chosen}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}
