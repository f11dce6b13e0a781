/**
 * A route's backendRef as reached through one Gateway: the resolved Service plus the
 * BackendTLSPolicy that applies to it (spec.md 4.3), turned into a BackendIR. Where a policy
 * applies but cannot be honoured the backend answers 500 — never plaintext (spec.md 4.1).
 */
import type { BackendIR } from '../../ir/types.ts';
import { ErrorCodes } from '../../errors.ts';
import { RouteReason } from '../../status/conditions.ts';
import type { ResolvedBackend } from '../backend/service.ts';
import type { AncestorTable, BackendUsage } from '../backendtls/ancestors.ts';
import { MAX_ANCESTORS } from '../backendtls/ancestors.ts';
import { unusableReason, type PolicyIndex } from '../backendtls/policies.ts';
import { buildProfile } from '../backendtls/profile.ts';
import type { GatewayModel } from '../model.ts';
import type { Attachment, RouteModel } from './model.ts';

export interface BackendProblem {
  readonly reason: string;
  readonly message: string;
}

/** Traffic each accepted attachment sends to Services (input to policy ancestors). */
export function collectUsages(attachments: readonly Attachment[]): BackendUsage[] {
  const out: BackendUsage[] = [];
  for (const att of attachments) {
    for (const rule of att.route.rules) {
      for (const ref of rule.backendRefs) {
        const r = ref.resolved;
        if (r.error) continue;
        out.push({ gateway: att.gateway, namespace: r.service.namespace, service: r.service.name, portName: r.portName });
      }
    }
  }
  return out;
}

/** The BackendIR for one backendRef reached through `gateway`, and the problem to report. */
export function backendFor(
  resolved: ResolvedBackend,
  route: RouteModel,
  gateway: GatewayModel,
  policies: PolicyIndex,
  ancestors: AncestorTable,
): { backend: BackendIR; problem?: BackendProblem } {
  if (resolved.error) {
    const base = { name: resolved.name, service: resolved.service, endpoints: resolved.endpoints };
    return {
      backend: { ...base, protocol: 'http1', unusable: { status: 500, code: ErrorCodes.backendNotFound, message: resolved.error.message } },
      problem: resolved.error,
    };
  }
  // GRPCRoute backends and kubernetes.io/h2c ports speak HTTP/2; unknown appProtocol values
  // (e.g. "HTTPS" in the conformance manifests) are not errors (spec.md 4.6).
  const http2 = route.kind === 'GRPCRoute' || resolved.appProtocol === 'kubernetes.io/h2c';
  const target = policies.forBackend(resolved.service.namespace, resolved.service.name, resolved.portName);
  if (!target) return { backend: usableBackend(resolved, http2 ? 'h2c' : 'http1', undefined) };

  const protocol = http2 ? 'h2' : 'http1';
  let why = unusableReason(target);
  if (!why && ancestors.isOverflow(target.policy, gateway)) {
    why = `BackendTLSPolicy ${target.policy.key} already has ${MAX_ANCESTORS} ancestor Gateways (status.ancestors is full); Gateway ${gateway.key} cannot use it (spec.md 2.9)`;
  }
  if (why || !target.policy.ca.trust) {
    const message = why ?? `BackendTLSPolicy ${target.policy.key} has no trust anchors`;
    const base = { name: resolved.name, service: resolved.service, endpoints: resolved.endpoints };
    return {
      backend: { ...base, protocol, unusable: { status: 500, code: ErrorCodes.backendTlsPolicyInvalid, message } },
      problem: { reason: RouteReason.invalidBackendTlsPolicy, message: `backendRef ${resolved.name}: ${message}` },
    };
  }
  return { backend: usableBackend(resolved, protocol, buildProfile(target.policy, target.policy.ca.trust, protocol, gateway.clientCertificate)) };
}

/**
 * Usable BackendIRs by resolved reference, protocol and TLS profile: every attachment of a
 * route (one per Gateway) and every translation while the reference resolves to the same value
 * (service.ts remembers it) and the policy to the same profile (profile.ts) asked for the same
 * backend again. Immutable IR values, so sharing them changes no output.
 */
const usableByResolved = new WeakMap<ResolvedBackend, BackendIR[]>();

function usableBackend(resolved: ResolvedBackend, protocol: BackendIR['protocol'], tls: BackendIR['tls']): BackendIR {
  let list = usableByResolved.get(resolved);
  if (!list) usableByResolved.set(resolved, (list = []));
  for (const b of list) if (b.protocol === protocol && b.tls === tls) return b;
  // Keys in the order the IR has always had them (name, service, endpoints, protocol, tls).
  const backend: BackendIR = tls
    ? { name: resolved.name, service: resolved.service, endpoints: resolved.endpoints, protocol, tls }
    : { name: resolved.name, service: resolved.service, endpoints: resolved.endpoints, protocol };
  if (list.length >= 8) list.length = 0;
  list.push(backend);
  return backend;
}
