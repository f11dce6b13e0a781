/**
 * Error texts in the API server's words (k8s.io/apimachinery field.Error), so that a user who
 * knows `kubectl apply` recognises every message. The field path is not part of the message: the
 * Diagnostic carries it, and formatDiagnostic prints `field: message`.
 */

/** A bad value as field.Error prints it: strings quoted, numbers and booleans bare, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    const json = JSON.stringify(value);
    // Long values would drown the message; the position already points at them.
    return json.length > 200 ? `${json.slice(0, 197)}...` : json;
  } catch {
    return typeof value;
  }
}

/** `Invalid value: <value>: <detail>` (field.Invalid). */
export function invalid(value: unknown, detail: string): string {
  return `Invalid value: ${formatValue(value)}: ${detail}`;
}

/** `Required value[: detail]` (field.Required). */
export function required(detail?: string): string {
  return detail ? `Required value: ${detail}` : 'Required value';
}

/** `Unsupported value: "X": supported values: "A", "B"` (field.NotSupported). */
export function unsupported(value: unknown, supported: readonly (string | number)[]): string {
  const list = supported.map((s) => (typeof s === 'string' ? JSON.stringify(s) : String(s))).join(', ');
  return `Unsupported value: ${formatValue(value)}: supported values: ${list}`;
}

/** `Too many: 17: must have at most 16 items` (field.TooMany). */
export function tooMany(actual: number, max: number): string {
  return `Too many: ${actual}: must have at most ${max} items`;
}

/** `Too long: may not be more than 253 bytes` (field.TooLong, Kubernetes 1.32+ wording). */
export function tooLong(max: number): string {
  return `Too long: may not be more than ${max} bytes`;
}

/** `Duplicate value: <value>` (field.Duplicate). */
export function duplicate(value: unknown): string {
  return `Duplicate value: ${formatValue(value)}`;
}

/** `Forbidden: <detail>` (field.Forbidden). */
export function forbidden(detail: string): string {
  return `Forbidden: ${detail}`;
}

/** The JSON type name of a value as the OpenAPI validator names it (`object`, `array`, `null`...). */
export function jsonType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer';
  return typeof value;
}
