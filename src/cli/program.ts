/**
 * The `lastmile` command (design.md "Contracts"): one file per verb under cli/, kubectl's
 * conventions (`-f`, `-n`, `-A`, `-o`), exit code 0 on success and 1 on any error. Every failure is
 * one readable line on stderr, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import type { VerbContext } from './context.ts';
import { CliError, processIO, type CliIO } from './io.ts';
import { registerApply, registerDescribe, registerExplain, registerGet, registerValidate } from './commands.ts';
import { registerDemo } from './demo.ts';
import { registerServe } from './serve.ts';
import { registerVersion } from './version.ts';

function buildProgram(ctx: VerbContext): Command {
  const program = new Command('lastmile');
  program
    .description('A Gateway API gateway built around verified backend TLS (BackendTLSPolicy)')
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
    })
    // Commander would call process.exit; the CLI returns its exit code instead (run() is also
    // called in-process by the tests).
    .exitOverride()
    .showSuggestionAfterError(true)
    .helpCommand(true);
  registerServe(program, ctx);
  registerDemo(program, ctx);
  registerValidate(program, ctx);
  registerApply(program, ctx);
  registerGet(program, ctx);
  registerDescribe(program, ctx);
  registerExplain(program, ctx);
  registerVersion(program, ctx);
  return program;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('error: ') ? message : `error: ${message}`;
}

/**
 * Runs the CLI with `argv` (without the node and script names) and returns the exit code.
 * `io` replaces any of the process's streams, clock or stop signal (tests use this).
 */
export async function run(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const ctx: VerbContext = { io: { ...processIO(), ...io }, exitCode: 0 };
  const program = buildProgram(ctx);
  if (argv.length === 0) {
    ctx.io.err(program.helpInformation());
    return 1;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      return error.exitCode === 0 ? 0 : 1;
    }
    if (error instanceof CliError) {
      ctx.io.err(`${error.message}\n`);
      return error.exitCode;
    }
    // Anything else is a bug or an environment problem (disk full, permission): still one line.
    ctx.io.err(`${oneLine(error)}\n`);
    if (process.env['LASTMILE_DEBUG'] && error instanceof Error && error.stack) ctx.io.err(`${error.stack}\n`);
    return 1;
  }
}
