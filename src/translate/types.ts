/** The contract of the pure translation stage: snapshot in, { ir, statuses, diagnostics } out. */
import type { GatewayIR } from '../ir/types.ts';
import type { Snapshot } from '../store/snapshot.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';

/** The GatewayClass controllerName lastmile handles (design.md "Contracts"). */
export const CONTROLLER_NAME = 'lastmile.dev/gateway-controller';

export interface TranslateInput {
  readonly snapshot: Snapshot;
  /** The clock, passed in: translation reads no other (lastTransitionTime, certificate expiry). */
  readonly now: Date;
  /**
   * The statuses of the previous translation, so a condition that did not change keeps its
   * lastTransitionTime (metav1.Condition semantics).
   */
  readonly previousStatuses?: ReadonlyMap<string, ComputedStatus>;
  /**
   * Standalone mode: the address a Gateway's listeners bind to when the Gateway names no
   * IPAddress in spec.addresses (`serve --bind-address`, default 0.0.0.0).
   */
  readonly defaultAddress?: string;
}

/** The status lastmile computed for one object (only the parts lastmile owns). */
export interface ComputedStatus {
  readonly kind: string;
  readonly namespace: string; // '' for cluster-scoped kinds
  readonly name: string;
  /** The object's `status` as lastmile would write it (its own entries only). */
  readonly status: unknown;
}

export interface TranslateResult {
  readonly ir: GatewayIR;
  /** Keyed by objectKey(kind, namespace, name) (api/meta.ts). */
  readonly statuses: ReadonlyMap<string, ComputedStatus>;
  /** Problems found while translating (e.g. a policy whose CA bundle cannot be parsed). */
  readonly diagnostics: readonly Diagnostic[];
}
