/** What every verb gets from the program: the I/O it may use and where to put its exit code. */
import type { CliIO } from './io.ts';

export interface VerbContext {
  readonly io: CliIO;
  /** 0 unless the verb sets it (1 on any error, as kubectl does). */
  exitCode: number;
}
