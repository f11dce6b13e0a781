/** The order of translation diagnostics (shared by translate and the incremental Translator). */
import type { Diagnostic } from '../validation/diagnostic.ts';

/** By object (kind, namespace, name), then field, code and message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const ka = `${a.kind ?? ''}/${a.namespace ?? ''}/${a.name ?? ''}/${a.field ?? ''}/${a.code}/${a.message}`;
  const kb = `${b.kind ?? ''}/${b.namespace ?? ''}/${b.name ?? ''}/${b.field ?? ''}/${b.code}/${b.message}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
