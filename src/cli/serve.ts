/**
 * `lastmile serve --config DIR`: runs the gateway on a folder of manifests (runner/serve.ts does
 * the work), says where it listens, and on SIGINT/SIGTERM stops accepting and drains in-flight
 * requests before exiting 0. SIGHUP reloads the config now instead of waiting for the watcher.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { VerbContext } from './context.ts';
import { CliError } from './io.ts';

export interface ServeOptions {
  config: string[];
  adminAddress?: string;
  bindAddress?: string;
  logLevel?: string;
  accessLog: boolean;
  workers?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function checkAddress(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  const match = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) throw new CliError(`error: ${flag} ${value}: expected HOST:PORT, e.g. 127.0.0.1:9901`);
}

/** The sockets the gateway listens on, read from its own admin API (`/debug/config`); best effort. */
async function listenerNames(adminUrl: string): Promise<string[]> {
  try {
    const response = await fetch(`${adminUrl}/debug/config`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { ir?: { listeners?: { name?: string; protocol?: string }[] } };
    return (body.ir?.listeners ?? []).map((l) => `${l.protocol ?? ''} ${l.name ?? ''}`.trim());
  } catch {
    return [];
  }
}

/** Runs `serve` until stopped; returns the exit code. */
export async function runServe(ctx: VerbContext, opts: ServeOptions): Promise<number> {
  for (const path of opts.config) {
    if ((await stat(path).catch(() => undefined)) === undefined) throw new CliError(`error: --config ${path}: no such file or directory`);
  }
  checkAddress('--admin-address', opts.adminAddress);
  if (opts.logLevel !== undefined && !LOG_LEVELS.includes(opts.logLevel)) {
    throw new CliError(`error: --log-level ${opts.logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const workers = opts.workers === undefined ? 1 : Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new CliError(`error: --workers ${opts.workers}: expected a whole number from 1 to 256`);
  // --workers N: a supervising primary and N gateway processes (dataplane/workers.ts).
  const { leaveCluster, runPrimary, workerIndex, workerAdminAddress } = await import('../dataplane/workers.ts');
  if (workers > 1 && workerIndex() === undefined) return runPrimary(workers, (line) => ctx.io.err(`${line}\n`));
  const index = workerIndex() ?? 0;
  const adminAddress = opts.adminAddress === undefined ? (index === 0 ? undefined : workerAdminAddress('127.0.0.1:9901', index)) : workerAdminAddress(opts.adminAddress, index);
  // Loaded only here: the offline verbs never pay for the data plane, metrics and logging.
  const { startServe } = await import('../runner/serve.ts');
  const server = await startServe({
    configPaths: opts.config,
    accessLog: opts.accessLog,
    ...(adminAddress !== undefined ? { adminAddress } : {}),
    ...(opts.bindAddress !== undefined ? { bindAddress: opts.bindAddress } : {}),
    ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
  });
  ctx.io.err(`lastmile: serving ${opts.config.join(', ')}\n`);
  const listeners = await listenerNames(server.adminUrl);
  ctx.io.err(`lastmile: listening on ${listeners.length > 0 ? listeners.join(', ') : '(no listener programmed; see the log)'}\n`);
  ctx.io.err(`lastmile: admin API at ${server.adminUrl} (/healthz, /readyz, /metrics, /api/v1/..., /apis/...)\n`);
  const onHangup = (): void => {
    server.reload().catch((error: unknown) => ctx.io.err(`lastmile: reload failed: ${(error as Error).message}\n`));
  };
  process.on('SIGHUP', onHangup);
  try {
    const signal = await ctx.io.untilStopped();
    ctx.io.err(`lastmile: ${signal}: draining and stopping\n`);
  } finally {
    process.off('SIGHUP', onHangup);
    await server.close();
    leaveCluster();
  }
  return 0;
}

/** Registers `serve` on the program. */
export function registerServe(program: Command, ctx: VerbContext): void {
  program
    .command('serve')
    .description('Run the gateway on a folder of manifests, reloading when it changes')
    .requiredOption('--config <dir...>', 'folder(s) or files of manifests')
    .option('--admin-address <host:port>', 'admin API (healthz, readyz, metrics, objects); loopback by default')
    .option('--bind-address <addr>', 'address the Gateway listeners bind to when a Gateway names none (default 0.0.0.0)')
    .option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`)
    .option('--no-access-log', 'do not log each request')
    .option('--workers <n>', 'gateway processes sharing the listener ports (admin API of worker k on the admin port + k)')
    .action(async (opts: ServeOptions) => {
      ctx.exitCode = await runServe(ctx, opts);
    });
}
