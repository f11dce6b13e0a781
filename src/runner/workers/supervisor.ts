/**
 * The primary's view of its workers (`lastmile serve --workers N`): forks worker k with its index
 * in the environment, restarts a worker that dies (with backoff, so a crash loop does not spin),
 * asks workers questions over IPC with a timeout per question, and stops them all on shutdown.
 *
 * Slot k is a position, not a process: worker k's replacement is worker k again (same index,
 * hence the same kubernetes-mode role and the same `worker` label in metrics).
 */
import cluster, { type Worker } from 'node:cluster';
import { WORKER_INDEX_ENV } from '../../dataplane/workers.ts';
import { CHANNEL, isReply, isStarted, type Operation, type Operations } from './protocol.ts';

/** A slot's lifecycle: forked and booting, serving (its gateway started), or not running. */
export type SlotState = 'starting' | 'running' | 'down';

export interface SlotView {
  readonly index: number;
  readonly state: SlotState;
  readonly pid?: number;
  /** Restarts after the first start. */
  readonly restarts: number;
  /** How the last process of this slot ended, e.g. `signal SIGKILL` or `code 1`. */
  readonly lastExit?: string;
  /** When the current process started (ms since the epoch). */
  readonly since: number;
}

export interface SupervisorOptions {
  readonly count: number;
  /** One human line (stderr). */
  readonly log: (line: string) => void;
  /** A worker exited (before any restart). */
  readonly onExit?: (index: number) => void;
  /** A worker exited before its first start completed: the configuration or the flags cannot work. */
  readonly onFatal: (message: string) => void;
  /** Restart delay: the first, doubled per quick failure up to the maximum (default 250 ms .. 30 s). */
  readonly restartDelayMs?: { readonly min: number; readonly max: number };
}

/** A worker that stayed up this long is healthy again: its next restart is quick. */
const STABLE_MS = 30_000;

interface Slot {
  index: number;
  worker: Worker | undefined;
  state: SlotState;
  started: boolean;
  everStarted: boolean;
  restarts: number;
  quickFailures: number;
  lastExit: string | undefined;
  since: number;
  timer: NodeJS.Timeout | undefined;
}

interface Pending {
  readonly index: number;
  readonly resolve: (body: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #slots: Slot[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #env: Readonly<Record<string, string>> = {};
  #stopping: Promise<void> | undefined;
  #allDown: (() => void) | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#slots = Array.from({ length: options.count }, (_, index) => ({
      index,
      worker: undefined,
      state: 'down',
      started: false,
      everStarted: false,
      restarts: 0,
      quickFailures: 0,
      lastExit: undefined,
      since: Date.now(),
      timer: undefined,
    }));
  }

  get count(): number {
    return this.#slots.length;
  }

  /** Forks every worker, each with `env` added to the primary's environment. */
  start(env: Readonly<Record<string, string>> = {}): void {
    this.#env = env;
    for (const slot of this.#slots) this.#fork(slot);
  }

  /** Whether shutdown began. */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  slots(): SlotView[] {
    return this.#slots.map((s) => ({
      index: s.index,
      state: s.state,
      ...(s.worker?.process.pid !== undefined && s.state !== 'down' ? { pid: s.worker.process.pid } : {}),
      restarts: s.restarts,
      ...(s.lastExit !== undefined ? { lastExit: s.lastExit } : {}),
      since: s.since,
    }));
  }

  /** Asks worker `index`; rejects when it is not running, exits, or does not answer within `timeoutMs`. */
  request<O extends Operation>(index: number, op: O, args: Operations[O]['request'], timeoutMs: number): Promise<Operations[O]['reply']> {
    const slot = this.#slots[index];
    const worker = slot?.worker;
    if (slot === undefined || worker === undefined || slot.state === 'down' || !worker.isConnected()) {
      return Promise.reject(new Error('not running'));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { index, resolve: resolve as (body: unknown) => void, reject, timer });
      worker.send({ channel: CHANNEL, id, op, args }, (err: Error | null) => {
        if (err === null) return;
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(err);
      });
    });
  }

  /**
   * SIGTERM to every worker (each drains its in-flight requests), SIGKILL to those still running
   * after `deadlineMs`; resolves once all exited.
   */
  stop(deadlineMs: number): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      for (const slot of this.#slots) {
        clearTimeout(slot.timer);
        slot.timer = undefined;
      }
      const running = this.#slots.filter((s) => s.worker !== undefined);
      if (running.length === 0) {
        resolve();
        return;
      }
      const kill = setTimeout(() => {
        for (const s of this.#slots) {
          if (s.worker === undefined) continue;
          this.#options.log(`lastmile: worker ${s.index} (pid ${s.worker.process.pid ?? '?'}) did not stop within ${deadlineMs} ms; killing it`);
          s.worker.process.kill('SIGKILL');
        }
      }, deadlineMs);
      this.#allDown = () => {
        clearTimeout(kill);
        resolve();
      };
      for (const s of running) s.worker?.process.kill('SIGTERM');
    });
    return this.#stopping;
  }

  #fork(slot: Slot): void {
    slot.timer = undefined;
    const worker = cluster.fork({ ...this.#env, [WORKER_INDEX_ENV]: String(slot.index) });
    slot.worker = worker;
    slot.state = 'starting';
    slot.started = false;
    slot.since = Date.now();
    worker.on('message', (message: unknown) => {
      if (isReply(message)) {
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.body);
        else pending.reject(new Error(message.error));
      } else if (isStarted(message) && slot.worker === worker) {
        slot.state = 'running';
        slot.started = true;
        if (slot.everStarted) this.#options.log(`lastmile: worker ${slot.index} (pid ${worker.process.pid ?? '?'}) is back`);
        slot.everStarted = true;
      }
    });
    // 'error' on the IPC channel (e.g. a send racing the exit) must not crash the primary.
    worker.on('error', () => undefined);
    worker.once('exit', (code: number | null, signal: string | null) => this.#exited(slot, worker, code, signal));
  }

  #exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    const how = signal !== null ? `signal ${signal}` : `code ${code ?? '?'}`;
    const upMs = Date.now() - slot.since;
    const wasStarted = slot.started;
    slot.worker = undefined;
    slot.state = 'down';
    slot.started = false;
    slot.lastExit = how;
    slot.since = Date.now();
    for (const [id, p] of this.#pending) {
      if (p.index !== slot.index) continue;
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new Error(`exited (${how})`));
    }
    this.#options.onExit?.(slot.index);
    if (this.#stopping !== undefined) {
      if (this.#slots.every((s) => s.worker === undefined)) this.#allDown?.();
      return;
    }
    if (!slot.everStarted) {
      this.#options.onFatal(`worker ${slot.index} exited (${how}) before it started`);
      return;
    }
    slot.quickFailures = upMs >= STABLE_MS && wasStarted ? 0 : slot.quickFailures + 1;
    const { min, max } = this.#options.restartDelayMs ?? { min: 250, max: 30_000 };
    const delay = Math.min(max, min * 2 ** Math.max(0, slot.quickFailures - 1));
    slot.restarts++;
    this.#options.log(`lastmile: worker ${slot.index} (pid ${worker.process.pid ?? '?'}) exited (${how}); restarting it in ${delay} ms`);
    slot.timer = setTimeout(() => this.#fork(slot), delay);
  }
}
