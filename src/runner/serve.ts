/**
 * `lastmile serve`: the gateway process. The gateway core (gateway-core.ts: data plane, admin
 * API, translate -> DataPlane.apply) takes its configuration from one source:
 *
 * - files (here): ConfigLoader (read, validate, store; an invalid object or file keeps its last
 *   good version) -> applySnapshot, again on every change the watcher reports, one reload at a
 *   time; SIGHUP (`reload()`) re-reads every file;
 * - a cluster (kubernetes-source.ts, `serve --provider kubernetes`): list/watch -> applySnapshot
 *   -> status written back through the API. Loaded only in that mode.
 *
 * A reload with errors is logged diagnostic by diagnostic and counted as a failure, while the
 * last good configuration keeps serving; readiness turns on after the first config is programmed.
 */
import { performance } from 'node:perf_hooks';
import { watchPaths, type Watcher } from '../sources/file/watch.ts';
import { hasErrors } from '../validation/diagnostic.ts';
import { ConfigLoader } from './config-loader.ts';
import { rehearseParse } from './parse-rehearsal.ts';
import { startGatewayCore, type CoreOptions } from './gateway-core.ts';
import { serialized } from './serial.ts';

export { DEFAULT_ADMIN_ADDRESS } from './gateway-core.ts';

/** After start-up, when the edit path is rehearsed (after serve's first reload; it waits for any reload running). */
const REHEARSAL_DELAY_MS = 200;
/** Rehearsals of the translation: the second still finds code to optimize, the third little. */
const REHEARSALS = 2;

export interface ServeOptions extends CoreOptions {
  /** Folders or files of manifests. */
  readonly configPaths: readonly string[];
  /** Watcher timings (tests shorten them). */
  readonly watch?: { readonly debounceMs?: number; readonly pollMs?: number };
}

export interface RunningGateway {
  /** e.g. `http://127.0.0.1:9901` */
  readonly adminUrl: string;
  /**
   * Resolves once the first configuration is programmed (file mode: already when startServe
   * resolves; kubernetes mode: after the initial lists). Never rejects.
   */
  readonly programmed: Promise<void>;
  /** The listener sockets of the programmed IR, e.g. `HTTP 0.0.0.0:8080`. */
  listeners(): string[];
  /** Graceful stop: listeners stop accepting, in-flight requests finish (within the deadline), pools close. */
  close(): Promise<void>;
  /** Re-reads the config now (file mode: every file; kubernetes mode: re-programs the latest snapshot). */
  reload(): Promise<void>;
}

/** Starts the gateway on files; resolves once the admin API is up and the first config was tried. */
export async function startServe(options: ServeOptions): Promise<RunningGateway> {
  const core = await startGatewayCore(options);
  const { log, metrics } = core;
  const loader = new ConfigLoader({ paths: options.configPaths });
  let lastFiles: readonly string[] = [];

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
    lastFiles = loaded.files;
    const loadErrors = hasErrors(loaded.diagnostics);
    const diagnosticsChanged = core.noteLoadDiagnostics(loaded.diagnostics);
    if (!loaded.changed && core.isProgrammed()) {
      // Same objects as before. Only a new problem makes this a (failed) reload attempt.
      if (diagnosticsChanged && loadErrors) {
        metrics.reloads.labels('failure').inc();
        log.error({ errors: loaded.diagnostics.filter((d) => d.severity === 'error').length }, 'configuration change rejected; the last good configuration keeps serving');
      } else if (diagnosticsChanged) {
        log.info('configuration problems resolved');
      }
      return;
    }
    await core.applySnapshot(loaded.snapshot, {
      started,
      loadErrors,
      fields: { files: loaded.files.length, lookedAt: loaded.lookedAt, errors: loaded.diagnostics.filter((d) => d.severity === 'error').length },
    });
  };

  // Reloads run one at a time; events during a reload coalesce into one more reload after it.
  const reloads = serialized(reloadOnce);
  await reloads.run();
  let watcher: Watcher | undefined = watchPaths(options.configPaths, (change) => {
    // The files the watcher saw change: the next load looks only at those (config-loader.ts noteChanges).
    loader.noteChanges(change.paths);
    void reloads.run();
  }, options.watch ?? {});
  log.info({ admin: core.adminUrl, config: options.configPaths }, 'lastmile serving');
  const rehearsal = setTimeout(() => void rehearseEdit(), REHEARSAL_DELAY_MS);
  rehearsal.unref();

  /**
   * Once the first configuration is programmed and the watcher's first look is done, runs the
   * edit path once with nothing to change, so the first real edit does not run it cold (lazily
   * compiled, cold inline caches: its translation took ~2x that of later edits at N = 10k, issue
   * "Performance"; BENCHMARKS.md).
   * The load of one file that did not change (the load a spurious watch event causes: same
   * snapshot, nothing programmed), then the parse of an edited document (rehearseParse: that
   * load hits the loader's cache) and the rest of an edit (gateway-core.ts rehearseEdit: store,
   * translator, data plane). Nothing observable changes; a real change made meanwhile is simply
   * loaded.
   */
  const rehearseEdit = async (): Promise<void> => {
    await reloads.idle();
    const file = lastFiles[0];
    if (watcher === undefined || file === undefined || !core.isProgrammed()) return;
    loader.noteChanges([file]);
    await reloads.run();
    if (watcher === undefined) return;
    let ms = 0;
    let parsed = 0;
    let incremental = 0;
    let compiled = 0;
    for (let i = 0; i < REHEARSALS && watcher !== undefined; i++) {
      // One per turn of the event loop: each holds it ~20 ms at N = 10k, requests go between.
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      const started = performance.now();
      if (rehearseParse(loader.snapshot, file)) parsed++;
      const done = core.rehearseEdit();
      if (done.incremental) incremental++;
      if (done.compiled) compiled++;
      ms += performance.now() - started;
    }
    log.debug({ rehearsals: REHEARSALS, parsed, incremental, compiled, ms: Math.round(ms) }, 'edit path rehearsed');
  };

  return {
    adminUrl: core.adminUrl,
    programmed: Promise.resolve(),
    listeners: () => core.listeners(),
    // An explicit reload (SIGHUP) looks at every file, not only those the watcher named.
    reload: () => {
      loader.noteChanges(undefined);
      return reloads.run();
    },
    close: () =>
      core.close(async () => {
        clearTimeout(rehearsal);
        watcher?.close();
        watcher = undefined;
        await reloads.idle();
      }),
  };
}
