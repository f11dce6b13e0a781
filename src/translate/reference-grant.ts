/** ReferenceGrant checks for cross-namespace references (Gateway API GEP-709). */
import type { ReferenceGrant } from '../api/gateway-api.ts';
import type { Snapshot } from '../store/snapshot.ts';

export interface GrantFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface GrantTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * Whether `from` may reference `to`: always within one namespace, across namespaces only when a
 * ReferenceGrant in the target namespace lists the source and the target.
 */
export function referenceAllowed(snapshot: Snapshot, from: GrantFrom, to: GrantTo): boolean {
  if (from.namespace === to.namespace) return true;
  for (const { object: grant } of snapshot.list<ReferenceGrant>('ReferenceGrant')) {
    if ((grant.metadata.namespace ?? '') !== to.namespace) continue;
    const spec = grant.spec ?? { from: [], to: [] };
    const fromOk = (spec.from ?? []).some(
      (f) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace,
    );
    if (!fromOk) continue;
    const toOk = (spec.to ?? []).some(
      (t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name),
    );
    if (toOk) return true;
  }
  return false;
}
