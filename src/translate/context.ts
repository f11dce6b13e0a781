/** What every translation step shares: the input, the status collector and the diagnostics. */
import type { KubeObject } from '../api/meta.ts';
import type { Snapshot, StoredObject } from '../store/snapshot.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { StatusCollector } from '../status/collector.ts';
import type { TranslateInput } from './types.ts';

export interface TranslateContext {
  readonly snapshot: Snapshot;
  readonly now: Date;
  readonly statuses: StatusCollector;
  readonly diagnostics: Diagnostic[];
  /** Where Gateways without an IPAddress bind (standalone mode). */
  readonly defaultAddress: string;
}

export function createContext(input: TranslateInput): TranslateContext {
  return {
    snapshot: input.snapshot,
    now: input.now,
    statuses: new StatusCollector({ now: input.now, previous: input.previousStatuses }),
    diagnostics: [],
    defaultAddress: input.defaultAddress ?? '0.0.0.0',
  };
}

/** Records a diagnostic about an object, with its file position when it came from a file. */
export function addDiagnostic(
  ctx: TranslateContext,
  stored: StoredObject | { object: KubeObject; origin?: StoredObject['origin'] },
  d: Pick<Diagnostic, 'severity' | 'code' | 'message'> & Partial<Pick<Diagnostic, 'field' | 'condition'>>,
): void {
  const { object, origin } = stored;
  ctx.diagnostics.push({
    ...d,
    ...(origin ? { file: origin.file, line: origin.line, col: origin.col } : {}),
    kind: object.kind,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    name: object.metadata.name ?? '',
  });
}
