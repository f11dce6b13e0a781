/**
 * What a verb may touch outside itself: its output streams, stdin and the clock. Injected so the
 * tests run the CLI in-process and assert on exactly what a user would see.
 */

export interface CliIO {
  /** Normal output (tables, YAML, `created` lines). */
  readonly out: (text: string) => void;
  /** Diagnostics and errors. */
  readonly err: (text: string) => void;
  /** The whole of stdin, for `-f -`. */
  readonly readStdin: () => Promise<string>;
  /** The clock: ages in tables and the `now` that translation is given. */
  readonly now: () => Date;
  /**
   * Resolves when the user asks a long-running verb (`serve`) to stop (SIGINT/SIGTERM).
   * Injected so tests can stop it without sending signals to the test runner.
   */
  readonly untilStopped: () => Promise<string>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The real process: stdout, stderr, stdin, the wall clock and SIGINT/SIGTERM. */
export function processIO(): CliIO {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    readStdin: () => readAll(process.stdin),
    now: () => new Date(),
    untilStopped: waitForSignal,
  };
}

/**
 * A failure the user caused or can fix (bad flag value, unknown kind, object not found): printed as
 * one line on stderr, never with a stack trace.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
