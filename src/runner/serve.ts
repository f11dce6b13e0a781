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
import { startGatewayCore, type CoreOptions } from './gateway-core.ts';
import { serialized } from './serial.ts';

export { DEFAULT_ADMIN_ADDRESS } from './gateway-core.ts';

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
        watcher?.close();
        watcher = undefined;
        await reloads.idle();
      }),
  };
}
