/**
 * The process logger: pino JSON lines, one child per component (`{ component: 'dataplane' }`),
 * with the headers that carry credentials redacted (ecosystem.md section 7). Secret material
 * (keys, Secret data) is never passed to a logger in the first place; redaction is the backstop.
 */
import { pino } from 'pino';
import type { Logger, DestinationStream } from 'pino';
import { workerIndex } from '../dataplane/workers.ts';

export type { Logger } from 'pino';

/** Paths pino censors wherever a request or headers object is logged. */
const REDACT_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["proxy-authorization"]',
  '*.headers["set-cookie"]',
  'keyPem',
  '*.keyPem',
];

export interface LoggerOptions {
  /** pino level name (`trace`..`fatal`, or `silent`); default `info`. */
  readonly level?: string;
  /**
   * Where lines go; default stdout through an asynchronous pino destination (a synchronous
   * write per access-log line would cost the data plane a syscall on its hot path).
   */
  readonly destination?: DestinationStream;
}

/** The root logger plus a way to flush buffered lines before the process exits. */
export interface RootLogger {
  readonly logger: Logger;
  /** Writes out buffered lines (call before exiting). */
  flush(): void;
}

/** Creates the root logger; take component children with `logger.child({ component })`. */
export function createLogger(options: LoggerOptions = {}): RootLogger {
  const dest = options.destination ?? pino.destination({ dest: 1, sync: false });
  // Under --workers every line says which worker wrote it (the pid alone changes on restart).
  const worker = workerIndex();
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: worker === undefined ? { name: 'lastmile' } : { name: 'lastmile', worker },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
  return {
    logger,
    flush(): void {
      const d = dest as { flushSync?: () => void };
      try {
        d.flushSync?.();
      } catch {
        // An asynchronous destination that is not open yet has nothing to flush.
      }
    },
  };
}
