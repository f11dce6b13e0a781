/**
 * `lastmile demo`: verified backend TLS, working and failing, in the first minute (demo/run.ts
 * does the work). Runs until SIGINT/SIGTERM, then stops everything and removes its folder.
 */
import type { Command } from 'commander';
import type { VerbContext } from './context.ts';
import { CliError } from './io.ts';

interface DemoFlags {
  port?: string;
  adminAddress?: string;
  keep?: boolean;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port < 1 || port > 65535) throw new CliError(`error: --port ${value}: expected a port number from 1 to 65535`);
  return port;
}

function checkAddress(value: string | undefined): void {
  if (value === undefined) return;
  const match = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(value);
  if (match === null || Number(match[2]) > 65535) throw new CliError(`error: --admin-address ${value}: expected HOST:PORT, e.g. 127.0.0.1:9901`);
}

/** Registers `demo` on the program. */
export function registerDemo(program: Command, ctx: VerbContext): void {
  program
    .command('demo')
    .description('Show verified backend TLS working and failing: local backends, manifests and the gateway, in one command')
    .option('--port <port>', 'HTTP port of the demo gateway (default 8080, or a free one when it is busy)')
    .option('--admin-address <host:port>', 'admin API (default 127.0.0.1:9901, or a free port when it is busy)')
    .option('--keep', 'keep the demo folder when stopping')
    .action(async (flags: DemoFlags) => {
      const port = parsePort(flags.port);
      checkAddress(flags.adminAddress);
      // Loaded only here: the other verbs never pay for the data plane and the PKI.
      const { runDemo, DemoError } = await import('../demo/run.ts');
      try {
        ctx.exitCode = await runDemo(ctx.io, {
          ...(port !== undefined ? { port } : {}),
          ...(flags.adminAddress !== undefined ? { adminAddress: flags.adminAddress } : {}),
          keep: flags.keep === true,
        });
      } catch (err) {
        if (err instanceof DemoError) throw new CliError(err.message);
        throw err;
      }
    });
}
