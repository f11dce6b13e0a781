/** Test helpers: run the CLI in-process and capture what it prints. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './program.ts';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A fixed clock so AGE columns and timestamps are stable. */
export const TEST_NOW = new Date('2026-03-01T12:00:00Z');

/** Runs `lastmile ...argv` in-process with captured output and a fixed clock. */
export async function runCli(argv: readonly string[], opts: { stdin?: string; now?: Date } = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    readStdin: async () => opts.stdin ?? '',
    now: () => opts.now ?? TEST_NOW,
    untilStopped: () => new Promise(() => undefined),
  });
  return { code, out, err };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'lastmile-cli-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
