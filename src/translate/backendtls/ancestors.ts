/**
 * BackendTLSPolicy ancestors and status (spec.md 2.9, 4.7): one entry per Gateway of ours that
 * routes (through an accepted Route) to a targeted Service, at most 16. Gateways beyond 16 get no
 * entry and must treat the policy as unimplementable: their traffic to that Service answers 500.
 */
import { GATEWAY_GROUP } from '../../api/kinds.ts';
import { ConditionType, PolicyReason } from '../../status/conditions.ts';
import { addDiagnostic, type TranslateContext } from '../context.ts';
import type { ParentReference } from '../../api/gateway-api.ts';
import type { GatewayModel } from '../model.ts';
import type { PolicyIndex, PolicyModel, TargetModel } from './policies.ts';

/** spec.md 2.9: `status.ancestors` maxItems. */
export const MAX_ANCESTORS = 16;

/** Traffic from a Gateway to one Service port, through an accepted route. */
export interface BackendUsage {
  readonly gateway: GatewayModel;
  readonly namespace: string;
  readonly service: string;
  readonly portName: string;
}

interface PolicyAncestors {
  /** Gateway -> the policy's targets it reaches. */
  readonly reached: Map<GatewayModel, Set<TargetModel>>;
  kept: GatewayModel[];
  overflow: Set<GatewayModel>;
}

export class AncestorTable {
  readonly #byPolicy = new Map<PolicyModel, PolicyAncestors>();

  /** `gatewayOrder`: Gateways oldest first; the oldest 16 keep their entries. */
  constructor(index: PolicyIndex, usages: readonly BackendUsage[], gatewayOrder: readonly GatewayModel[]) {
    for (const p of index.policies) this.#byPolicy.set(p, { reached: new Map(), kept: [], overflow: new Set() });
    for (const u of usages) {
      for (const t of index.targetsReachedBy(u.namespace, u.service, u.portName)) {
        const entry = this.#byPolicy.get(t.policy)!;
        let set = entry.reached.get(u.gateway);
        if (!set) entry.reached.set(u.gateway, (set = new Set()));
        set.add(t);
      }
    }
    const rank = new Map(gatewayOrder.map((g, i) => [g, i]));
    for (const entry of this.#byPolicy.values()) {
      const all = [...entry.reached.keys()].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
      entry.kept = all.slice(0, MAX_ANCESTORS);
      entry.overflow = new Set(all.slice(MAX_ANCESTORS));
    }
  }

  /** True when `gateway` would be the 17th+ ancestor of the policy: it cannot use it. */
  isOverflow(policy: PolicyModel, gateway: GatewayModel): boolean {
    return this.#byPolicy.get(policy)?.overflow.has(gateway) ?? false;
  }

  /** Writes `status.ancestors` of every policy (an empty list when no route uses it). */
  writeStatuses(ctx: TranslateContext): void {
    for (const [policy, entry] of this.#byPolicy) {
      const st = ctx.statuses.policy(policy.policy);
      for (const gw of entry.kept) {
        const a = st.ancestor(gatewayRef(gw));
        const targets = [...(entry.reached.get(gw) ?? [])];
        const accepted = acceptedCondition(policy, targets);
        a.set(ConditionType.accepted, accepted.status, accepted.reason, accepted.message);
        if (policy.ca.ok) {
          const how = policy.ca.trust?.kind === 'bundle' ? `CA certificates from ${policy.ca.trust.sources.join(', ')}` : 'the system trust store';
          a.set(ConditionType.resolvedRefs, 'True', PolicyReason.resolvedRefs, `Trusting ${how}`);
        } else {
          a.set(ConditionType.resolvedRefs, 'False', policy.ca.reason ?? PolicyReason.invalidCACertificateRef, policy.ca.message ?? '');
        }
      }
      if (entry.overflow.size > 0) {
        addDiagnostic(ctx, policy.stored, {
          severity: 'warning', code: 'policy_ancestors_full',
          message: `${entry.overflow.size} more Gateway(s) route to the targeted Service but status.ancestors is limited to ${MAX_ANCESTORS}; their traffic to it answers 500: ${[...entry.overflow].map((g) => g.key).join(', ')}`,
        });
      }
      reportInvalid(ctx, policy);
    }
  }
}

/**
 * One ancestorRef object per Gateway, kept across translations: every policy of a Gateway names
 * the same ref, and a ref seen before has its key remembered (status/locations.ts parentRefKey)
 * instead of a new object and key string per policy and translation (~40k at N = 10k).
 * Frozen: it is shared. Bounded, in case Gateways come and go by the thousands.
 */
const gatewayRefs = new Map<string, ParentReference>();
function gatewayRef(gw: GatewayModel): ParentReference {
  let ref = gatewayRefs.get(gw.key);
  if (ref?.namespace !== gw.namespace || ref.name !== gw.name) {
    if (gatewayRefs.size >= 4096) gatewayRefs.clear();
    ref = Object.freeze({ group: GATEWAY_GROUP, kind: 'Gateway', namespace: gw.namespace, name: gw.name });
    gatewayRefs.set(gw.key, ref);
  }
  return ref;
}

function acceptedCondition(policy: PolicyModel, targets: readonly TargetModel[]): { status: 'True' | 'False'; reason: string; message: string } {
  const invalid = [...policy.invalid, ...targets.filter((t) => t.problem?.reason === 'Invalid').map((t) => t.problem?.message ?? '')];
  if (invalid.length > 0) return { status: 'False', reason: PolicyReason.invalid, message: invalid.join('; ') };
  const notFound = targets.filter((t) => t.problem?.reason === 'TargetNotFound').map((t) => t.problem?.message ?? '');
  if (notFound.length > 0) return { status: 'False', reason: PolicyReason.targetNotFound, message: notFound.join('; ') };
  if (policy.ca.allInvalid) {
    return { status: 'False', reason: PolicyReason.noValidCACertificate, message: `No valid CA certificate: ${policy.ca.message ?? ''}` };
  }
  const lost = targets.filter((t) => t.lostTo);
  if (lost.length > 0) {
    const msg = lost.map((t) => `BackendTLSPolicy ${t.lostTo?.key} takes precedence for Service ${t.serviceNamespace}/${t.serviceName}${t.sectionName ? ` port ${t.sectionName}` : ''} (older, or first by namespace/name)`);
    return { status: 'False', reason: PolicyReason.conflicted, message: msg.join('; ') };
  }
  const notes = targets.map((t) => t.warning).filter((w): w is string => w !== undefined);
  if (policy.options.ignored.length > 0) notes.push(`ignored options (not ${'lastmile.dev/'} keys): ${policy.options.ignored.join(', ')}`);
  return { status: 'True', reason: PolicyReason.accepted, message: ['Policy is accepted', ...notes].join('; ') };
}

/**
 * Reports what only translation can see: CA references resolved against other objects.
 * Problems of the policy alone (an IP as hostname, unsupported wellKnownCACertificates, options)
 * are validation's warnings already; saying them twice would make one problem look like two.
 */
function reportInvalid(ctx: TranslateContext, policy: PolicyModel): void {
  if (!policy.ca.ok) {
    const condition = policy.ca.allInvalid ? `Accepted=False/NoValidCACertificate, ResolvedRefs=False/${policy.ca.reason}` : `ResolvedRefs=False/${policy.ca.reason}`;
    addDiagnostic(ctx, policy.stored, { severity: 'warning', code: 'backend_tls_policy_invalid', field: 'spec.validation.caCertificateRefs', message: policy.ca.message ?? '', condition });
  }
}
