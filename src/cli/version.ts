/** `lastmile version`: the package version (package.json is the one source of truth). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { VerbContext } from './context.ts';

/** The version in package.json, read once. */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}

/** Registers `version` on the program. */
export function registerVersion(program: Command, ctx: VerbContext): void {
  program
    .command('version')
    .description('Print the lastmile version')
    .action(() => {
      ctx.io.out(`lastmile ${packageVersion()} (node ${process.version})\n`);
    });
}
