/**
 * A problem found in user input. Validation never throws for bad input: every problem is a
 * Diagnostic with the file, line and column and the field path, so a user can go straight to it.
 *
 * Printed as `file:line:col kind/namespace/name field.path: message` (issue "Foundation").
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /**
   * A short stable code for the class of problem, e.g. `yaml_syntax`, `schema_required`,
   * `schema_pattern`, `cel_rule`, `duplicate_object`, `unknown_kind`, `implementation_check`.
   */
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  /** `Kind/namespace/name` style identity of the object, when known. */
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Field path in Kubernetes notation, e.g. `spec.validation.hostname`. */
  readonly field?: string;
  readonly message: string;
  /**
   * For problems the API server would accept but the controller reports in status (e.g. an IP
   * address in validation.hostname): the condition it will set, e.g. `Accepted=False/Invalid`.
   */
  readonly condition?: string;
}

/** `file:line:col kind/namespace/name field: message` with the parts that are known. */
export function formatDiagnostic(d: Diagnostic): string {
  const parts: string[] = [];
  if (d.file !== undefined) parts.push(d.line !== undefined ? `${d.file}:${d.line}:${d.col ?? 1}` : d.file);
  if (d.kind !== undefined) {
    const id = d.namespace ? `${d.kind}/${d.namespace}/${d.name ?? ''}` : `${d.kind}/${d.name ?? ''}`;
    parts.push(id);
  }
  const head = parts.join(' ');
  const field = d.field ? `${d.field}: ` : '';
  const sev = d.severity === 'warning' ? 'warning: ' : '';
  const cond = d.condition ? ` (controller will set ${d.condition})` : '';
  return `${head}${head ? ' ' : ''}${sev}${field}${d.message}${cond}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
