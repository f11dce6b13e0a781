/**
 * The logging surface the cluster mode needs: pino's `(fields, message)` call shape, so a pino
 * logger is passed as is, and tests pass a silent or recording one.
 */
export interface KubeLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: KubeLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
