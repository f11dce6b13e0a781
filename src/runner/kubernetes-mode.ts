/**
 * Kubernetes mode (`lastmile serve --provider kubernetes`): the cluster is the config source and
 * the status sink. Every replica lists and watches the same objects and serves traffic from its
 * own snapshots; only the holder of a coordination.k8s.io Lease writes status.
 *
 * The caller (runner/kubernetes-source.ts) feeds each snapshot through the same translate + data plane path
 * as file mode and hands the statuses back:
 *
 *   const mode = await startKubernetesMode({ onSnapshot: (s) => { const r = translate(...); ...; mode.writeStatuses(r.statuses, s); } });
 *
 * Snapshots are only delivered asynchronously (after the initial lists, debounced), never before
 * this function has resolved, so `mode` is always assigned when onSnapshot runs.
 *
 * This module and everything it imports are meant to be loaded with `await import()` only in
 * this mode: @kubernetes/client-node alone costs ~0.6 s and ~100 MB (ecosystem.md section 2).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Snapshot } from '../store/snapshot.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { KubeClient, type ApiConnection } from '../sources/kubernetes/client.ts';
import { connectWithKubeconfig } from '../sources/kubernetes/kubeconfig.ts';
import { silentLogger, type KubeLogger } from '../sources/kubernetes/logger.ts';
import { KubernetesSource } from '../sources/kubernetes/source.ts';
import type { WatcherOptions, WatchStats } from '../sources/kubernetes/watcher.ts';
import { LeaseElector } from '../status/kubernetes/lease.ts';
import { StatusWriter, type StatusWriterStats } from '../status/kubernetes/writer.ts';

export interface KubernetesModeOptions {
  /** kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account). */
  readonly kubeconfig?: string;
  /** kubeconfig context (default: its current context). */
  readonly context?: string;
  /** Watch one namespace only (default: all; GatewayClasses are cluster-scoped and always watched). */
  readonly namespace?: string;
  /** Namespace of the status Lease (default: $POD_NAMESPACE, the service account's namespace, else `lastmile-system`). */
  readonly leaseNamespace?: string;
  /** Name of the status Lease (default `lastmile-status-writer`). */
  readonly leaseName?: string;
  /** This replica's identity in the Lease (default: $POD_NAME, else hostname plus a random suffix). */
  readonly identity?: string;
  /** false: never write status (read-only replica, or RBAC without status writes). Default true. */
  readonly writeStatus?: boolean;
  /** Receives every published snapshot (after the initial lists, debounced). */
  readonly onSnapshot: (snapshot: Snapshot) => void;
  /** Told when this replica starts or stops writing status. */
  readonly onLeaderChange?: (leading: boolean) => void;
  /** A pino logger (or anything with its `(fields, message)` methods). */
  readonly logger?: KubeLogger;
  /** An API connection to use instead of kubeconfig (tests, embedding). */
  readonly connection?: ApiConnection;
  /** Timings (tests shorten them). */
  readonly tuning?: {
    readonly debounceMs?: number;
    /** How often API discovery runs again (KubernetesSourceOptions.rediscoverMs). */
    readonly rediscoverMs?: number;
    readonly watch?: Partial<Omit<WatcherOptions, 'logger' | 'namespace'>>;
    readonly lease?: { readonly leaseDurationSeconds?: number; readonly retryPeriodMs?: number; readonly renewDeadlineMs?: number };
    readonly status?: { readonly concurrency?: number; readonly initialBackoffMs?: number; readonly maxBackoffMs?: number };
  };
}

export interface KubernetesMode {
  /** Resolves once every kind completed its initial list (use for /readyz). */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /** Whether this replica currently writes status. */
  isLeader(): boolean;
  /** This replica's Lease identity. */
  readonly identity: string;
  /**
   * Hands over the statuses translated from `snapshot`. Every replica calls this; only the
   * Lease holder writes (the others keep the latest, to write at once if they take over).
   */
  writeStatuses(statuses: ReadonlyMap<string, ComputedStatus>, snapshot: Snapshot): void;
  /** Watch and status-write counters. */
  stats(): { readonly watch: Record<string, WatchStats>; readonly status: StatusWriterStats };
  /**
   * Stops watching, releases the Lease (another replica takes over at once), closes connections.
   * `releaseLease: false` leaves the Lease to expire (what a crash looks like; for tests).
   */
  stop(options?: { readonly releaseLease?: boolean }): Promise<void>;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function defaultLeaseNamespace(): string {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || 'lastmile-system';
  } catch {
    return 'lastmile-system';
  }
}

/** Connects (kubeconfig errors reject here), then lists and watches in the background. */
export async function startKubernetesMode(options: KubernetesModeOptions): Promise<KubernetesMode> {
  const logger = options.logger ?? silentLogger;
  const connection = options.connection ?? (await connectWithKubeconfig({ kubeconfig: options.kubeconfig, context: options.context }));
  const identity = options.identity ?? process.env.POD_NAME ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
  const client = new KubeClient(connection, { userAgent: `lastmile/${identity}` });
  const tuning = options.tuning ?? {};

  const source = new KubernetesSource({
    client,
    namespace: options.namespace,
    onSnapshot: options.onSnapshot,
    logger,
    debounceMs: tuning.debounceMs,
    watch: tuning.watch,
    rediscoverMs: tuning.rediscoverMs,
  });
  const writer = new StatusWriter({ client, resourceFor: (kind) => source.resourceFor(kind), logger, ...tuning.status });
  const writeStatus = options.writeStatus ?? true;
  const elector = writeStatus
    ? new LeaseElector({
        client,
        namespace: options.leaseNamespace ?? defaultLeaseNamespace(),
        name: options.leaseName,
        identity,
        logger,
        ...tuning.lease,
        onChange: (leading) => {
          writer.setActive(leading);
          options.onLeaderChange?.(leading);
        },
      })
    : undefined;

  logger.info({ server: connection.server, identity, namespace: options.namespace ?? '(all)', writeStatus }, 'kubernetes mode starting');
  source.start();
  elector?.start();

  return {
    ready: source.ready,
    identity,
    isReady: () => source.isReady(),
    isLeader: () => elector?.isLeader ?? false,
    writeStatuses(statuses, snapshot) {
      if (writeStatus) writer.update(statuses, snapshot);
    },
    stats: () => ({ watch: source.stats(), status: { ...writer.stats } }),
    async stop(stopOptions = {}) {
      await source.stop();
      await writer.stop();
      await elector?.stop({ release: stopOptions.releaseLease ?? true });
      await connection.close();
    },
  };
}
