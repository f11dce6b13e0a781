/**
 * `lastmile validate -f PATH...`: every problem the API server would report for these manifests,
 * plus what translation would report (e.g. a policy targeting a Service that does not exist), one
 * line each, then a summary. Exit 1 if any is an error. The same code runs in `serve`, so what
 * validate accepts is what the gateway accepts.
 */
import { translate } from '../translate/index.ts';
import { formatDiagnostic, type Diagnostic } from '../validation/diagnostic.ts';
import type { VerbContext } from './context.ts';
import { readInput, snapshotOf } from './input.ts';

export interface ValidateOptions {
  filename: string[];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Runs `validate`; returns the exit code. */
export async function runValidate(ctx: VerbContext, opts: ValidateOptions): Promise<number> {
  const now = ctx.io.now();
  const input = await readInput(opts.filename, ctx.io);
  const diagnostics: Diagnostic[] = [...input.diagnostics];
  // Translation sees only the valid objects, as the gateway would: its findings are about how they
  // fit together (references, attachment), which no single-object check can see.
  diagnostics.push(...translate({ snapshot: snapshotOf(input.objects, now), now }).diagnostics);

  for (const d of diagnostics) ctx.io.out(`${formatDiagnostic(d)}\n`);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const verdict = errors > 0 ? 'invalid' : 'valid';
  ctx.io.out(
    `${verdict}: ${plural(input.objects.length, 'object')} accepted of ${plural(input.documentCount, 'document')} in ${plural(input.files.length, 'file')}; ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`,
  );
  return errors > 0 ? 1 : 0;
}
