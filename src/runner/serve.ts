/**
 * `lastmile serve`: the gateway process. Config files -> ConfigLoader (read, validate, store; an
 * invalid object or file keeps its last good version) -> translate -> DataPlane.apply, again on
 * every change the watcher reports, one reload at a time. The admin API shows the live state.
 *
 * A reload with errors is logged diagnostic by diagnostic and counted as a failure, while the
 * last good configuration keeps serving; readiness turns on after the first config is programmed.
 */
import { performance } from 'node:perf_hooks';
import { startAdminServer, type AdminServer } from '../admin/server.ts';
import { DataPlane } from '../dataplane/gateway.ts';
import type { ReconcileResult } from '../dataplane/server/listener-set.ts';
import { createUpstreamEngine } from '../dataplane/upstream/select.ts';
import type { GatewayIR } from '../ir/types.ts';
import type { DestinationStream } from 'pino';
import { RecentHandshakes } from '../observability/handshakes.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { GatewayMetrics } from '../observability/metrics.ts';
import { watchPaths, type Watcher } from '../sources/file/watch.ts';
import type { Snapshot } from '../store/snapshot.ts';
import { createTranslator } from '../translate/translator.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../validation/diagnostic.ts';
import { ConfigLoader } from './config-loader.ts';

export interface ServeOptions {
  /** Folders or files of manifests. */
  readonly configPaths: readonly string[];
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
  /** Watcher timings (tests shorten them). */
  readonly watch?: { readonly debounceMs?: number; readonly pollMs?: number };
}

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:9901` */
  readonly adminUrl: string;
  /** Graceful stop: listeners stop accepting, in-flight requests finish (within the deadline), pools close. */
  close(): Promise<void>;
  /** Re-reads the config now (also what the watcher triggers). */
  reload(): Promise<void>;
}

export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:9901';

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

/** Starts the gateway; resolves once the admin API is up and the first config was tried. */
export async function startServe(options: ServeOptions): Promise<RunningGateway> {
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
          tlsLog.warn({ backend: e.backend, endpoint: e.endpoint, policy: e.policy, reason: e.reason, ms: e.ms, peerCertificate: e.peerCertificate }, e.detail ?? `TLS handshake to ${e.endpoint} failed`);
        }
      },
      poolChange(e): void {
        metrics.poolConnections.labels(e.backend, e.endpoint).set(e.open);
      },
    },
  });
  const dataplane = new DataPlane({ engine, logger: root.logger, metrics, accessLog: options.accessLog ?? true, drainMs: shutdownMs });
  const state = new ServeState();
  const loader = new ConfigLoader({ paths: options.configPaths });
  // One long-lived translator: a policy or CA edit re-translates only what it reaches (translate/translator.ts).
  const translator = createTranslator();

  let admin: AdminServer;
  try {
    admin = await startAdminServer(
      options.adminAddress ?? DEFAULT_ADMIN_ADDRESS,
      {
        ready: () => state.ready,
        snapshot: () => state.snapshot,
        statuses: () => state.statuses,
        ir: () => state.ir,
        diagnostics: () => state.all(),
        generation: () => state.generation,
        handshakes: () => handshakes.list(),
      },
      metrics,
      (err) => log.error({ err }, 'admin request failed'),
    );
  } catch (err) {
    await dataplane.close(0);
    root.flush();
    throw err;
  }

  const reloadOnce = async (): Promise<void> => {
    const started = performance.now();
    let loaded;
    try {
      loaded = await loader.load();
    } catch (err) {
      metrics.reloads.labels('failure').inc();
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'reading the configuration failed; the last good configuration keeps serving');
      return;
    }
    const loadErrors = hasErrors(loaded.diagnostics);
    const diagnosticsChanged = logNew(log, state.loadDiagnostics, loaded.diagnostics, 'load');
    state.loadDiagnostics = loaded.diagnostics;
    if (!loaded.changed && state.ready) {
      // Same objects as before. Only a new problem makes this a (failed) reload attempt.
      if (diagnosticsChanged && loadErrors) {
        metrics.reloads.labels('failure').inc();
        log.error({ errors: loaded.diagnostics.filter((d) => d.severity === 'error').length }, 'configuration change rejected; the last good configuration keeps serving');
      } else if (diagnosticsChanged) {
        log.info('configuration problems resolved');
      }
      return;
    }
    let result;
    try {
      result = translator.translate({ snapshot: loaded.snapshot, now: new Date(), previousStatuses: state.statuses, ...(options.bindAddress !== undefined ? { defaultAddress: options.bindAddress } : {}) });
    } catch (err) {
      metrics.reloads.labels('failure').inc();
      log.error({ err: err instanceof Error ? err.stack : String(err) }, 'translation failed; the last good configuration keeps serving');
      return;
    }
    logNew(log, state.translateDiagnostics, result.diagnostics, 'translate');
    state.translateDiagnostics = result.diagnostics;
    const reconciled = await dataplane.apply(result.ir);
    const bindDiagnostics = listenerDiagnostics(reconciled);
    state.listenerDiagnostics = bindDiagnostics;
    state.snapshot = loaded.snapshot;
    state.statuses = result.statuses;
    state.ir = result.ir;
    state.generation++;
    state.ready = true;
    metrics.configGeneration.set(state.generation);
    metrics.ready.set(1);
    metrics.reloads.labels(loadErrors ? 'failure' : 'success').inc();
    log.info(
      {
        generation: state.generation,
        snapshot: loaded.snapshot.version,
        files: loaded.files.length,
        listeners: result.ir.listeners.map((l) => `${l.protocol} ${l.name}`),
        opened: reconciled.opened,
        closed: reconciled.closed,
        failedListeners: reconciled.failed.map((f) => `${f.listener} ${f.code}`),
        errors: loaded.diagnostics.filter((d) => d.severity === 'error').length,
        ms: Math.round(performance.now() - started),
      },
      loadErrors ? 'configuration programmed without the objects that have errors (their last good versions keep serving)' : 'configuration programmed',
    );
  };

  // Reloads run one at a time; events during a reload coalesce into one more reload after it.
  let running: Promise<void> | undefined;
  let again = false;
  const reload = (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await reloadOnce();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  await reload();
  let watcher: Watcher | undefined = watchPaths(options.configPaths, (change) => {
    // The files the watcher saw change: the next load looks only at those (config-loader.ts noteChanges).
    loader.noteChanges(change.paths);
    void reload();
  }, options.watch ?? {});
  log.info({ admin: admin.url, config: options.configPaths }, 'lastmile serving');

  let closing: Promise<void> | undefined;
  return {
    adminUrl: admin.url,
    // An explicit reload (SIGHUP) looks at every file, not only those the watcher named.
    reload: () => {
      loader.noteChanges(undefined);
      return reload();
    },
    close(): Promise<void> {
      closing ??= (async () => {
        watcher?.close();
        watcher = undefined;
        state.ready = false;
        metrics.ready.set(0);
        log.info({ deadlineMs: shutdownMs }, 'shutting down: no new connections, draining in-flight requests');
        await running?.catch(() => undefined);
        await dataplane.close(shutdownMs);
        await admin.close();
        log.info('stopped');
        root.flush();
      })();
      return closing;
    },
  };
}
