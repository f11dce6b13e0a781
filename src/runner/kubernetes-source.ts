/**
 * `lastmile serve --provider kubernetes`: the gateway core (gateway-core.ts) fed from a cluster.
 * kubernetes-mode.ts lists and watches, and publishes snapshots after the initial lists; each
 * one goes through the same translate + DataPlane.apply as file mode (one at a time, coalescing
 * to the newest), and its statuses go back to the mode, where the Lease holder writes them.
 *
 * The Kubernetes modules (and @kubernetes/client-node behind them) are imported here with
 * `await import()`, so file mode and the offline verbs never load them (ecosystem.md section 2).
 * /readyz answers 200 only once the initial lists are complete AND the first snapshot is
 * programmed: a replica gets traffic only when it serves the cluster's configuration.
 */
import type { Snapshot } from '../store/snapshot.ts';
import { startGatewayCore, type CoreOptions } from './gateway-core.ts';
import type { KubernetesMode, KubernetesModeOptions } from './kubernetes-mode.ts';
import { registerKubernetesMetrics } from './kubernetes-metrics.ts';
import type { RunningGateway } from './serve.ts';
import { serialized } from './serial.ts';

/** How long shutdown waits for the watches to stop and the Lease to be released. */
const STOP_SOURCE_MS = 5000;

export interface KubernetesServeOptions extends CoreOptions {
  /** kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account). */
  readonly kubeconfig?: string;
  /** kubeconfig context (default: its current context). */
  readonly context?: string;
  /** Watch one namespace only (default: all). */
  readonly namespace?: string;
  /** Namespace of the status Lease. */
  readonly leaseNamespace?: string;
  /** Name of the status Lease. */
  readonly leaseName?: string;
  /** This replica's identity in the Lease. */
  readonly identity?: string;
  /** false: never write status. Default true. */
  readonly writeStatus?: boolean;
  /** An API connection instead of kubeconfig (tests, embedding). */
  readonly connection?: KubernetesModeOptions['connection'];
  /** Timings (tests shorten them). */
  readonly tuning?: KubernetesModeOptions['tuning'];
}

/**
 * Starts the gateway on a cluster; resolves once the admin API is up and the API server
 * connection is configured (kubeconfig errors reject here). Lists and watches run in the
 * background: `programmed` resolves after the first snapshot is programmed.
 */
export async function startKubernetesServe(options: KubernetesServeOptions): Promise<RunningGateway> {
  let mode: KubernetesMode | undefined;
  let programmedOnce = false;
  const core = await startGatewayCore(options, {
    ready: () => mode?.isReady() === true && programmedOnce,
    notReadyReason: () => (mode?.isReady() !== true ? 'waiting for the initial lists from the Kubernetes API' : !programmedOnce ? 'no configuration programmed yet' : undefined),
    kubernetes: () =>
      mode === undefined
        ? { connected: false }
        : { identity: mode.identity, synced: mode.isReady(), statusWriter: mode.isLeader(), writeStatus: options.writeStatus ?? true, ...mode.stats() },
  });
  const { log, metrics } = core;
  registerKubernetesMetrics(metrics, () => mode);
  const kubeLog = core.logger.child({ component: 'kubernetes' });

  let markProgrammed!: () => void;
  const programmed = new Promise<void>((resolve) => (markProgrammed = resolve));
  let latest: Snapshot | undefined;
  let pending: Snapshot | undefined;
  let stopped = false;
  const applies = serialized(async () => {
    const snapshot = pending;
    pending = undefined;
    if (snapshot === undefined || stopped) return;
    const result = await core.applySnapshot(snapshot, { fields: { source: 'kubernetes' } });
    if (result === undefined) return;
    if (!programmedOnce) {
      programmedOnce = true;
      log.info({ snapshot: snapshot.version }, 'initial cluster configuration programmed; ready');
      markProgrammed();
    }
    // Every replica hands its statuses over; only the Lease holder writes them (kubernetes-mode.ts).
    if (!stopped) mode?.writeStatuses(result.statuses, snapshot);
  });

  try {
    const { startKubernetesMode } = await import('./kubernetes-mode.ts');
    mode = await startKubernetesMode({
      ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.leaseNamespace !== undefined ? { leaseNamespace: options.leaseNamespace } : {}),
      ...(options.leaseName !== undefined ? { leaseName: options.leaseName } : {}),
      ...(options.identity !== undefined ? { identity: options.identity } : {}),
      ...(options.writeStatus !== undefined ? { writeStatus: options.writeStatus } : {}),
      ...(options.connection !== undefined ? { connection: options.connection } : {}),
      ...(options.tuning !== undefined ? { tuning: options.tuning } : {}),
      logger: kubeLog,
      // Snapshots arrive only after startKubernetesMode resolved (its contract), so `mode` is set.
      onSnapshot: (snapshot) => {
        latest = snapshot;
        pending = snapshot;
        void applies.run();
      },
      onLeaderChange: (leading) => log.info({ identity: mode?.identity, statusWriter: leading }, leading ? 'this replica now writes status' : 'this replica no longer writes status'),
    });
  } catch (err) {
    await core.close(async () => undefined);
    throw err;
  }
  log.info({ admin: core.adminUrl, identity: mode.identity, namespace: options.namespace ?? '(all)', writeStatus: options.writeStatus ?? true }, 'lastmile serving from the Kubernetes API');

  const started = mode;
  return {
    adminUrl: core.adminUrl,
    listeners: () => core.listeners(),
    programmed,
    // SIGHUP: program the newest snapshot again (e.g. retry a listener port that was busy).
    reload: () => {
      if (latest === undefined) return Promise.resolve();
      pending ??= latest;
      return applies.run();
    },
    close: () =>
      core.close(async () => {
        stopped = true;
        // Release the Lease first: another replica takes over status writes at once while this
        // one drains its in-flight requests. Bounded: with the API server unreachable, the
        // release would wait for the request timeout, and the pod's grace period must still
        // cover the drain (an unreleased Lease simply expires).
        let timer: NodeJS.Timeout | undefined;
        const bounded = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            log.warn({ ms: STOP_SOURCE_MS }, 'releasing the status Lease took too long; it will expire instead');
            resolve();
          }, STOP_SOURCE_MS);
        });
        await Promise.race([started.stop(), bounded]);
        clearTimeout(timer);
        await applies.idle();
      }),
  };
}
