/**
 * `lastmile serve`: runs the gateway (runner/ does the work), says where it listens, and on
 * SIGINT/SIGTERM stops accepting and drains in-flight requests before exiting 0. SIGHUP reloads
 * the config now instead of waiting for the watcher.
 *
 * Two providers: `--provider file` (default) serves the manifests in `--config DIR`;
 * `--provider kubernetes` lists and watches a cluster (docs/kubernetes.md) and writes status.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { PRIMARY_ADMIN_URL_ENV, REPLICA_IDENTITY_ENV } from '../runner/workers/protocol.ts';
import type { WorkerAgent } from '../runner/workers/worker.ts';
import type { VerbContext } from './context.ts';
import { CliError } from './io.ts';

export interface ServeOptions {
  provider?: string;
  config?: string[];
  adminAddress?: string;
  bindAddress?: string;
  logLevel?: string;
  accessLog: boolean;
  workers?: string;
  kubeconfig?: string;
  context?: string;
  watchNamespace?: string;
  leaseNamespace?: string;
  leaseName?: string;
  identity?: string;
  /** false with `--no-status`. */
  status: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const PROVIDERS = ['file', 'kubernetes'];
/** RFC 1123 label (namespace names). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain (Lease names). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkAddress(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  const match = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) throw new CliError(`error: ${flag} ${value}: expected HOST:PORT, e.g. 127.0.0.1:9901`);
}

/** The flags that only mean something with `--provider kubernetes`, as the user typed them. */
function kubernetesFlagsGiven(opts: ServeOptions): string[] {
  const given: string[] = [];
  if (opts.kubeconfig !== undefined) given.push('--kubeconfig');
  if (opts.context !== undefined) given.push('--context');
  if (opts.watchNamespace !== undefined) given.push('--watch-namespace');
  if (opts.leaseNamespace !== undefined) given.push('--lease-namespace');
  if (opts.leaseName !== undefined) given.push('--lease-name');
  if (opts.identity !== undefined) given.push('--identity');
  if (!opts.status) given.push('--no-status');
  return given;
}

/** Checks the flags of one provider against the other's; throws one readable line. */
async function checkProviderFlags(opts: ServeOptions): Promise<'file' | 'kubernetes'> {
  const provider = opts.provider ?? 'file';
  if (!PROVIDERS.includes(provider)) throw new CliError(`error: --provider ${provider}: expected one of ${PROVIDERS.join(', ')}`);
  if (provider === 'file') {
    const stray = kubernetesFlagsGiven(opts);
    if (stray.length > 0) throw new CliError(`error: ${stray.join(', ')} ${stray.length === 1 ? 'applies' : 'apply'} only to --provider kubernetes`);
    if (opts.config === undefined || opts.config.length === 0) throw new CliError('error: --config DIR is required with --provider file (the default); or use --provider kubernetes');
    for (const path of opts.config) {
      if ((await stat(path).catch(() => undefined)) === undefined) throw new CliError(`error: --config ${path}: no such file or directory`);
    }
    return 'file';
  }
  if (opts.config !== undefined) throw new CliError('error: --config applies only to --provider file: in kubernetes mode the cluster is the configuration');
  if (opts.kubeconfig !== undefined && (await stat(opts.kubeconfig).catch(() => undefined)) === undefined) {
    throw new CliError(`error: --kubeconfig ${opts.kubeconfig}: no such file or directory`);
  }
  for (const [flag, value] of [['--watch-namespace', opts.watchNamespace], ['--lease-namespace', opts.leaseNamespace]] as const) {
    if (value !== undefined && (value.length > 63 || !DNS_LABEL.test(value))) throw new CliError(`error: ${flag} ${value}: not a valid namespace name (RFC 1123 label)`);
  }
  if (opts.leaseName !== undefined && (opts.leaseName.length > 253 || !DNS_SUBDOMAIN.test(opts.leaseName))) {
    throw new CliError(`error: --lease-name ${opts.leaseName}: not a valid object name (RFC 1123 subdomain)`);
  }
  if (opts.identity !== undefined && opts.identity.trim() === '') throw new CliError('error: --identity must not be empty');
  if (!opts.status && (opts.leaseNamespace !== undefined || opts.leaseName !== undefined)) {
    throw new CliError('error: --lease-namespace and --lease-name choose the status Lease, which --no-status does not use');
  }
  return 'kubernetes';
}

/**
 * Kubernetes mode under `--workers N`: every worker lists and watches (it needs the objects to
 * build its own IR), but only worker 0 is a candidate for the status Lease, under the replica's
 * identity chosen once by the primary (REPLICA_IDENTITY_ENV), so the installation sees one
 * candidate per replica as without workers, and a restarted worker 0 renews the Lease it held.
 * The other workers never write status.
 */
function replicaIdentity(identity: string | undefined): string {
  // The default kubernetes-mode.ts would pick, chosen here once for all workers.
  return identity ?? process.env.POD_NAME ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
}

/** Default of --admin-address (runner/gateway-core.ts DEFAULT_ADMIN_ADDRESS; not imported: the primary of --workers loads no data plane). */
const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:9901';

/** Runs `serve` until stopped; returns the exit code. */
export async function runServe(ctx: VerbContext, opts: ServeOptions): Promise<number> {
  const provider = await checkProviderFlags(opts);
  checkAddress('--admin-address', opts.adminAddress);
  if (opts.logLevel !== undefined && !LOG_LEVELS.includes(opts.logLevel)) {
    throw new CliError(`error: --log-level ${opts.logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const workers = opts.workers === undefined ? 1 : Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new CliError(`error: --workers ${opts.workers}: expected a whole number from 1 to 256`);
  // --workers N: a primary serving the admin API and supervising N gateway processes (runner/workers/).
  const { leaveCluster, workerIndex } = await import('../dataplane/workers.ts');
  const index = workerIndex();
  if (workers > 1 && index === undefined) {
    const { runPrimary } = await import('../runner/workers/primary.ts');
    const adminAddress = opts.adminAddress ?? DEFAULT_ADMIN_ADDRESS;
    return runPrimary({
      workers,
      adminAddress,
      env: provider === 'kubernetes' ? { [REPLICA_IDENTITY_ENV]: replicaIdentity(opts.identity) } : {},
      log: (line) => ctx.io.err(`${line}\n`),
      untilStopped: ctx.io.untilStopped,
    }).catch((error: unknown) => {
      throw new CliError(`error: admin API on ${adminAddress}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  // A worker: its admin API is the primary's, answered over IPC (runner/workers/worker.ts).
  const agent = index === undefined ? undefined : (await import('../runner/workers/worker.ts')).startWorkerAgent(process.env[PRIMARY_ADMIN_URL_ENV] ?? '');
  try {
    return await serveThisProcess(ctx, opts, provider, index, agent);
  } finally {
    // A worker lets go of the IPC channel (which would keep it alive), also when it failed to start.
    agent?.close();
    leaveCluster();
  }
}

/** One gateway process: alone, or worker `index` of `--workers`. */
async function serveThisProcess(ctx: VerbContext, opts: ServeOptions, provider: 'file' | 'kubernetes', index: number | undefined, agent: WorkerAgent | undefined): Promise<number> {
  const say = (line: string): void => {
    // The primary says where things are; workers only report problems.
    if (agent === undefined) ctx.io.err(line);
  };
  // Listen for SIGINT/SIGTERM before anything starts: a signal during start-up must still drain
  // and exit 0, not kill the process with the default action.
  const stopped = ctx.io.untilStopped();
  const common = {
    accessLog: opts.accessLog,
    ...(opts.adminAddress !== undefined && agent === undefined ? { adminAddress: opts.adminAddress } : {}),
    ...(opts.bindAddress !== undefined ? { bindAddress: opts.bindAddress } : {}),
    ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
  };
  let server;
  if (provider === 'file') {
    // Loaded only here: the offline verbs never pay for the data plane, metrics and logging.
    const { startServe } = await import('../runner/serve.ts');
    server = await startServe({ ...common, configPaths: opts.config ?? [] });
    say(`lastmile: serving ${(opts.config ?? []).join(', ')}\n`);
  } else {
    // And the Kubernetes client only in this mode (runner/kubernetes-source.ts).
    const { startKubernetesServe } = await import('../runner/kubernetes-source.ts');
    // Under --workers only worker 0 may write status (replicaIdentity above).
    const identity = index === undefined ? opts.identity : process.env[REPLICA_IDENTITY_ENV];
    const writeStatus = opts.status && (index === undefined || index === 0);
    server = await startKubernetesServe({
      ...common,
      ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.context !== undefined ? { context: opts.context } : {}),
      ...(opts.watchNamespace !== undefined ? { namespace: opts.watchNamespace } : {}),
      ...(opts.leaseNamespace !== undefined ? { leaseNamespace: opts.leaseNamespace } : {}),
      ...(opts.leaseName !== undefined ? { leaseName: opts.leaseName } : {}),
      ...(identity !== undefined ? { identity } : {}),
      writeStatus,
    }).catch((error: unknown) => {
      // One line only: a YAML parser's message quotes the lines around the error, and the lines
      // of a kubeconfig can hold a token or a client key.
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      throw new CliError(`error: ${first.replace(/^error: /, '')}`);
    });
    say(`lastmile: serving from the Kubernetes API (${opts.watchNamespace !== undefined ? `namespace ${opts.watchNamespace}` : 'all namespaces'}${opts.status ? '' : ', not writing status'})\n`);
  }
  const running = server;
  // Read from the running core, not from /debug/config: that redacts the whole IR (seconds at 10k routes).
  const sayListeners = (): void => {
    const listeners = running.listeners();
    ctx.io.err(`lastmile: listening on ${listeners.length > 0 ? listeners.join(', ') : '(no listener programmed; see the log)'}\n`);
  };
  if (agent === undefined) {
    if (provider === 'file') sayListeners();
    ctx.io.err(`lastmile: admin API at ${running.adminUrl} (/healthz, /readyz, /metrics, /api/v1/..., /apis/...)\n`);
    // Kubernetes mode: the listeners are known once the initial lists are in and programmed.
    if (provider === 'kubernetes') void running.programmed.then(sayListeners);
  }
  agent?.started(() => running.reload());
  const onHangup = (): void => {
    running.reload().catch((error: unknown) => ctx.io.err(`lastmile: reload failed: ${(error as Error).message}\n`));
  };
  process.on('SIGHUP', onHangup);
  // A worker drains once: the primary's SIGTERM may follow the terminal's SIGINT to the whole group.
  const ignore = (): void => undefined;
  try {
    const signal = await stopped;
    if (agent !== undefined) {
      process.on('SIGINT', ignore);
      process.on('SIGTERM', ignore);
    }
    say(`lastmile: ${signal}: draining and stopping\n`);
  } finally {
    process.off('SIGHUP', onHangup);
    await running.close();
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
  return 0;
}

/** Registers `serve` on the program. */
export function registerServe(program: Command, ctx: VerbContext): void {
  program
    .command('serve')
    .description('Run the gateway on a folder of manifests (reloading when it changes) or on a Kubernetes cluster')
    .option('--provider <name>', `where the configuration comes from: ${PROVIDERS.join(' or ')} (default file)`)
    .option('--config <dir...>', 'folder(s) or files of manifests (--provider file)')
    .option('--admin-address <host:port>', 'admin API (healthz, readyz, metrics, objects); loopback by default')
    .option('--bind-address <addr>', 'address the Gateway listeners bind to when a Gateway names none (default 0.0.0.0)')
    .option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`)
    .option('--no-access-log', 'do not log each request')
    .option('--workers <n>', 'gateway processes sharing the listener ports; one admin API (metrics summed, readiness of all) served by a supervising primary')
    .option('--kubeconfig <path>', 'kubeconfig file (--provider kubernetes; default $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context (--provider kubernetes; default the current context)')
    .option('--watch-namespace <ns>', 'watch only this namespace (--provider kubernetes; default all)')
    .option('--lease-namespace <ns>', 'namespace of the status Lease (--provider kubernetes; default $POD_NAMESPACE, else lastmile-system)')
    .option('--lease-name <name>', 'name of the status Lease (--provider kubernetes; default lastmile-status-writer)')
    .option('--identity <id>', 'this replica in the status Lease (--provider kubernetes; default $POD_NAME, else host name and a random suffix)')
    .option('--no-status', 'never write status back to the cluster (--provider kubernetes)')
    .action(async (opts: ServeOptions) => {
      ctx.exitCode = await runServe(ctx, opts);
    });
}
