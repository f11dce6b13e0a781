/**
 * The part of `lastmile serve` that does not care where the configuration comes from: logger,
 * metrics, upstream engine, data plane, admin API, the live state the admin API reads, and
 * `applySnapshot` (translate with one long-lived translator -> DataPlane.apply -> statuses).
 *
 * A config source (serve.ts for files, kubernetes-source.ts for a cluster) produces snapshots
 * and calls `applySnapshot`, one at a time (serial.ts). The source decides what "ready" means
 * beyond "a configuration is programmed" through the `ready` hook.
 */
import { performance } from 'node:perf_hooks';
import type { DestinationStream } from 'pino';
import { startAdminServer, type AdminServer } from '../admin/server.ts';
import { DataPlane } from '../dataplane/gateway.ts';
import { rehearseCompile } from '../dataplane/router/rehearsal.ts';
import type { ReconcileResult } from '../dataplane/server/listener-set.ts';
import { createUpstreamEngine } from '../dataplane/upstream/select.ts';
import type { GatewayIR } from '../ir/types.ts';
import { RecentHandshakes } from '../observability/handshakes.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { contentChanged, generationChanged } from '../store/metadata.ts';
import type { Snapshot } from '../store/snapshot.ts';
import { createTranslator } from '../translate/translator.ts';
import type { ComputedStatus, TranslateResult } from '../translate/types.ts';
import { formatDiagnostic, type Diagnostic } from '../validation/diagnostic.ts';

/** What every config source shares: where the admin API listens, logging, draining. */
export interface CoreOptions {
  /** Admin API address, HOST:PORT (default 127.0.0.1:9901; port 0 picks one). */
  readonly adminAddress?: string;
  /** Address Gateway listeners bind to when a Gateway names none (default 0.0.0.0). */
  readonly bindAddress?: string;
  /** pino level (default info). */
  readonly logLevel?: string;
  /** Where log lines go (default stdout); `lastmile demo` keeps them in its folder. */
  readonly logDestination?: DestinationStream;
  /** One log line per request (default true). */
  readonly accessLog?: boolean;
  /** How long in-flight requests may take to finish on shutdown or listener removal (default 10 s). */
  readonly shutdownTimeoutMs?: number;
}

/** Hooks a config source adds to the admin API. Read per admin request, so they may close over state set later. */
export interface CoreHooks {
  /** Extra readiness condition (e.g. the initial lists are in); undefined: ready once programmed. */
  readonly ready?: () => boolean;
  /** Why the source is not ready yet (shown by /readyz); undefined when the source itself is ready. */
  readonly notReadyReason?: () => string | undefined;
  /** `GET /debug/kubernetes`. */
  readonly kubernetes?: () => unknown;
}

/** How one snapshot came to be, for the "configuration programmed" log line. */
export interface ApplyInfo {
  /** `performance.now()` when the source started producing this snapshot (default: now). */
  readonly started?: number;
  /** The source reported errors (file mode: objects kept at their last good version). */
  readonly loadErrors?: boolean;
  /** Extra fields for the log line (file count, object count...). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What one GatewayCore.rehearseEdit ran (false: nothing to rehearse on, declined, or failed). */
export interface EditRehearsal {
  /** The translator's incremental path ran (translator.ts `rehearse`). */
  readonly incremental: boolean;
  /** The data plane's incremental compile ran (dataplane/router/rehearsal.ts). */
  readonly compiled: boolean;
}

export interface GatewayCore {
  /** The root pino logger (sources take children of it). */
  readonly logger: Logger;
  /** `{ component: 'runner' }`. */
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  /** e.g. `http://127.0.0.1:9901` */
  readonly adminUrl: string;
  /** Whether a configuration was programmed at least once. */
  isProgrammed(): boolean;
  /** The listener sockets of the programmed IR, e.g. `HTTP 0.0.0.0:8080` (for the start-up line). */
  listeners(): string[];
  /** Records the source's diagnostics (shown by the admin API), logging the new ones; true when the set changed. */
  noteLoadDiagnostics(diagnostics: readonly Diagnostic[]): boolean;
  /**
   * Translates `snapshot` and programs the data plane with it; undefined when translation threw
   * (logged and counted; the last good configuration keeps serving). Callers serialize calls.
   */
  applySnapshot(snapshot: Snapshot, info?: ApplyInfo): Promise<TranslateResult | undefined>;
  /**
   * Rehearses an edit (translator.ts `rehearse`: the incremental translation of a policy edit
   * that changes nothing, result discarded) so the first real edit after start-up does not pay
   * for compiling that path; with it the store's object comparison (store/metadata.ts) and the
   * data plane's incremental compile (dataplane/router/rehearsal.ts rehearseCompile, a router
   * never swapped in). No observable effect: no generation, status, log line, metric or
   * data-plane change. Synchronous; call it when idle, after a configuration was programmed.
   */
  rehearseEdit(): EditRehearsal;
  /**
   * Graceful stop: readiness off, `stopSource` (the source stops feeding and finishes what it
   * was doing), then listeners stop accepting, in-flight requests finish, pools and admin close.
   */
  close(stopSource: () => Promise<void>): Promise<void>;
}

export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:9901';

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Live state the admin API reads. */
class ServeState {
  ready = false;
  generation = 0;
  snapshot: Snapshot | undefined;
  statuses: ReadonlyMap<string, ComputedStatus> = new Map();
  ir: GatewayIR = { listeners: [] };
  loadDiagnostics: readonly Diagnostic[] = [];
  translateDiagnostics: readonly Diagnostic[] = [];
  listenerDiagnostics: readonly Diagnostic[] = [];

  all(): readonly Diagnostic[] {
    return [...this.loadDiagnostics, ...this.translateDiagnostics, ...this.listenerDiagnostics];
  }
}

/** Diagnostics for listeners that could not bind or certificates that could not load. */
function listenerDiagnostics(r: ReconcileResult): Diagnostic[] {
  return [
    ...r.failed.map((f): Diagnostic => ({ severity: 'error', code: 'listener_bind_failed', message: f.message, field: `listener ${f.listener}` })),
    ...r.certificateErrors.map((e): Diagnostic => ({ severity: 'error', code: 'listener_certificate_invalid', message: `listener ${e.listener}: certificate ${e.source} could not be loaded: ${e.message}` })),
  ];
}

/** Logs the diagnostics that were not in the previous set (so an unchanged problem is logged once). */
function logNew(log: Logger, previous: readonly Diagnostic[], current: readonly Diagnostic[], what: string): boolean {
  const before = new Set(previous.map(formatDiagnostic));
  let any = false;
  for (const d of current) {
    const text = formatDiagnostic(d);
    if (before.has(text)) continue;
    any = true;
    const fields = { code: d.code, file: d.file, line: d.line, kind: d.kind, namespace: d.namespace, name: d.name, field: d.field, stage: what };
    if (d.severity === 'error') log.error(fields, text);
    else log.warn(fields, text);
  }
  return any || before.size !== new Set(current.map(formatDiagnostic)).size;
}

/**
 * The store's part of an edit (store.ts: contentChanged, generationChanged, which compare two
 * versions of an object), run on the first BackendTLSPolicy and a copy of it; the answers are
 * thrown away. Their first call also loads the Node built-in behind util.isDeepStrictEqual.
 */
function rehearseStore(snapshot: Snapshot | undefined): void {
  const policy = snapshot?.list('BackendTLSPolicy')[0]?.object;
  if (policy === undefined) return;
  const copy = structuredClone(policy);
  contentChanged(policy, copy);
  generationChanged(policy, copy);
}

/** Starts logger, metrics, engine, data plane and admin API; nothing is programmed yet. */
export async function startGatewayCore(options: CoreOptions, hooks: CoreHooks = {}): Promise<GatewayCore> {
  const root = createLogger({
    ...(options.logLevel !== undefined ? { level: options.logLevel } : {}),
    ...(options.logDestination !== undefined ? { destination: options.logDestination } : {}),
  });
  const log = root.logger.child({ component: 'runner' });
  const tlsLog = root.logger.child({ component: 'upstream' });
  const metrics = new GatewayMetrics({ processMetrics: true });
  const shutdownMs = options.shutdownTimeoutMs ?? 10_000;
  const handshakes = new RecentHandshakes();
  const engine = createUpstreamEngine({
    events: {
      handshake(e): void {
        const resumed = e.resumed ? 'true' : 'false';
        metrics.handshakes.labels(e.backend, e.outcome, e.reason ?? '', resumed).inc();
        metrics.handshakeDuration.labels(e.backend, e.outcome).observe(e.ms / 1000);
        handshakes.record(e);
        if (e.outcome === 'failed') {
          // The whole story (design.md "Error codes"): endpoint, policy, what the backend presented.
          // A failed pre-connect (upstream/preconnect.ts) answered no request, but it is the
          // earliest sign that an edited policy does not fit the backend: warned too, marked.
          tlsLog.warn({ backend: e.backend, endpoint: e.endpoint, policy: e.policy, reason: e.reason, ms: e.ms, ...(e.preconnect ? { preconnect: true } : {}), peerCertificate: e.peerCertificate }, e.detail ?? `TLS handshake to ${e.endpoint} failed`);
        }
      },
      poolChange(e): void {
        metrics.poolConnections.labels(e.backend, e.endpoint).set(e.open);
      },
    },
  });
  const dataplane = new DataPlane({ engine, logger: root.logger, metrics, accessLog: options.accessLog ?? true, drainMs: shutdownMs });
  const state = new ServeState();
  // One long-lived translator: a policy or CA edit re-translates only what it reaches (translate/translator.ts).
  const translator = createTranslator();
  let closing: Promise<void> | undefined;

  let admin: AdminServer;
  try {
    admin = await startAdminServer(
      options.adminAddress ?? DEFAULT_ADMIN_ADDRESS,
      {
        ready: () => state.ready && (hooks.ready?.() ?? true),
        notReadyReason: () => (closing !== undefined ? 'shutting down' : (hooks.notReadyReason?.() ?? 'no configuration programmed yet')),
        snapshot: () => state.snapshot,
        statuses: () => state.statuses,
        ir: () => state.ir,
        diagnostics: () => state.all(),
        generation: () => state.generation,
        handshakes: () => handshakes.list(),
        ...(hooks.kubernetes !== undefined ? { kubernetes: hooks.kubernetes } : {}),
      },
      metrics,
      (err) => log.error({ err }, 'admin request failed'),
    );
  } catch (err) {
    await dataplane.close(0);
    root.flush();
    throw err;
  }

  const applySnapshot = async (snapshot: Snapshot, info: ApplyInfo = {}): Promise<TranslateResult | undefined> => {
    const started = info.started ?? performance.now();
    const translating = performance.now();
    let result: TranslateResult;
    try {
      result = translator.translate({ snapshot, now: new Date(), previousStatuses: state.statuses, ...(options.bindAddress !== undefined ? { defaultAddress: options.bindAddress } : {}) });
    } catch (err) {
      metrics.reloads.labels('failure').inc();
      log.error({ err: err instanceof Error ? err.stack : String(err) }, 'translation failed; the last good configuration keeps serving');
      return undefined;
    }
    // Program the data plane first: what follows (diagnostics, admin state, the log line) is not
    // needed by traffic and must not delay the swap (issue "Performance": edit -> traffic).
    const applying = performance.now();
    const reconciled = await dataplane.apply(result.ir);
    const applied = performance.now();
    // The incremental translator hands back the same diagnostics array when none changed.
    if (result.diagnostics !== state.translateDiagnostics) logNew(log, state.translateDiagnostics, result.diagnostics, 'translate');
    state.translateDiagnostics = result.diagnostics;
    state.listenerDiagnostics = listenerDiagnostics(reconciled);
    state.snapshot = snapshot;
    state.statuses = result.statuses;
    state.ir = result.ir;
    state.generation++;
    if (closing === undefined) {
      state.ready = true;
      metrics.ready.set(1);
    }
    metrics.configGeneration.set(state.generation);
    const loadErrors = info.loadErrors ?? false;
    metrics.reloads.labels(loadErrors ? 'failure' : 'success').inc();
    log.info(
      {
        generation: state.generation,
        snapshot: snapshot.version,
        ...info.fields,
        listeners: result.ir.listeners.map((l) => `${l.protocol} ${l.name}`),
        opened: reconciled.opened,
        closed: reconciled.closed,
        failedListeners: reconciled.failed.map((f) => `${f.listener} ${f.code}`),
        ms: Math.round(performance.now() - started),
        // Where a slow reload went: reading the sources, translating, programming the data plane.
        loadMs: round1(translating - started),
        translateMs: round1(applying - translating),
        applyMs: round1(applied - applying),
      },
      loadErrors ? 'configuration programmed without the objects that have errors (their last good versions keep serving)' : 'configuration programmed',
    );
    return result;
  };

  return {
    logger: root.logger,
    log,
    metrics,
    adminUrl: admin.url,
    isProgrammed: () => state.generation > 0,
    listeners: () => dataplane.ir.listeners.map((l) => `${l.protocol} ${l.name}`),
    noteLoadDiagnostics(diagnostics): boolean {
      const changed = logNew(log, state.loadDiagnostics, diagnostics, 'load');
      state.loadDiagnostics = diagnostics;
      return changed;
    },
    applySnapshot,
    rehearseEdit(): EditRehearsal {
      let incremental = false;
      if (closing !== undefined || state.generation === 0) return { incremental, compiled: false };
      try {
        rehearseStore(state.snapshot);
        incremental = translator.rehearse();
        // The data plane's part: an incremental compile next to the live router, never swapped
        // in. Its routes bind their metric pairs and give them back at once (no count changes).
        const compiled = rehearseCompile(dataplane.ir, (route, backend) => {
          const bound = metrics.bindRequest(route, backend);
          metrics.releaseRequest(route, backend);
          return bound;
        });
        return { incremental, compiled };
      } catch (err) {
        // A rehearsal is an optimization: a failure here is the next real edit's to report.
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'edit rehearsal failed');
        return { incremental, compiled: false };
      }
    },
    close(stopSource): Promise<void> {
      closing ??= (async () => {
        state.ready = false;
        metrics.ready.set(0);
        log.info({ deadlineMs: shutdownMs }, 'shutting down: no new connections, draining in-flight requests');
        await stopSource().catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'stopping the configuration source failed'));
        await dataplane.close(shutdownMs);
        await admin.close();
        log.info('stopped');
        root.flush();
      })();
      return closing;
    },
  };
}
