/**
 * Compiles accepted attachments into IR routes per (socket, virtual host), and sets each route
 * parent's ResolvedRefs (and PartiallyInvalid for rules that answer 500 because of unsupported
 * filters).
 */
import { ErrorCodes } from '../../errors.ts';
import type { RouteIR, WeightedBackendIR } from '../../ir/types.ts';
import { ConditionType, RouteReason } from '../../status/conditions.ts';
import type { AncestorTable } from '../backendtls/ancestors.ts';
import type { PolicyIndex } from '../backendtls/policies.ts';
import type { TranslateContext } from '../context.ts';
import type { GatewayModel } from '../model.ts';
import { backendFor, type BackendProblem } from './backends.ts';
import type { PrecedenceKey } from './matching.ts';
import type { Attachment, RouteModel } from './model.ts';

/** One compiled route match on one virtual host of one socket. */
export interface RouteEntry {
  /** `${address}:${port}` */
  readonly socket: string;
  readonly hostname: string;
  readonly precedence: PrecedenceKey;
  readonly ir: RouteIR;
}

/** Reason priority when several backendRefs fail: the first in this list wins. */
const REASON_ORDER: readonly string[] = [
  RouteReason.refNotPermitted, RouteReason.invalidKind, RouteReason.backendNotFound, RouteReason.invalidBackendTlsPolicy,
];

function setResolvedRefs(ctx: TranslateContext, att: Pick<Attachment, 'route' | 'parentRef'>, problems: readonly BackendProblem[]): void {
  const st = ctx.statuses.route(att.route.route).parent(att.parentRef);
  if (problems.length === 0) {
    st.set(ConditionType.resolvedRefs, 'True', RouteReason.resolvedRefs, 'All references resolved');
    return;
  }
  const reason = REASON_ORDER.find((r) => problems.some((p) => p.reason === r)) ?? problems[0]?.reason ?? RouteReason.backendNotFound;
  const messages = [...new Set(problems.map((p) => p.message))];
  st.set(ConditionType.resolvedRefs, 'False', reason, messages.join('; '));
}

/** Compiles one attachment; `gatewayRank` orders Gateways sharing a socket (oldest first). */
export function compileAttachment(
  ctx: TranslateContext,
  att: Attachment,
  policies: PolicyIndex,
  ancestors: AncestorTable,
  gatewayRank: ReadonlyMap<GatewayModel, number>,
): RouteEntry[] {
  const { route, gateway } = att;
  const problems: BackendProblem[] = [];
  const partial: string[] = [];
  const rules = route.rules.map((rule) => {
    const backends: WeightedBackendIR[] = rule.backendRefs.map((ref) => {
      const { backend, problem } = backendFor(ref.resolved, route, gateway, policies, ancestors);
      if (problem) problems.push(problem);
      if (ref.filters.unsupported.length > 0) {
        const message = `${route.key} rule ${rule.index}: backendRef filter type(s) ${ref.filters.unsupported.join(', ')} not supported`;
        partial.push(message);
        return { weight: ref.weight, filters: ref.filters.filters, backend: { ...backend, unusable: { status: 500, code: ErrorCodes.backendNotFound, message } } };
      }
      return { weight: ref.weight, filters: ref.filters.filters, backend };
    });
    let directResponse: RouteIR['directResponse'];
    if (rule.filters.unsupported.length > 0) {
      const message = `${route.key} rule ${rule.index}: filter type(s) ${rule.filters.unsupported.join(', ')} not supported; the rule answers 500`;
      partial.push(message);
      directResponse = { status: 500, code: ErrorCodes.backendNotFound, message };
    } else if (!rule.filters.filters.redirect && backends.length > 0 && backends.every((b) => b.weight === 0)) {
      directResponse = { status: 500, code: ErrorCodes.backendNotFound, message: `${route.key} rule ${rule.index}: every backendRef has weight 0` };
    }
    return { rule, backends, directResponse };
  });

  setResolvedRefs(ctx, att, problems);
  if (partial.length > 0) {
    ctx.statuses.route(route.route).parent(att.parentRef).set(ConditionType.partiallyInvalid, 'True', RouteReason.unsupportedValue, partial.join('; '));
  }

  const out: RouteEntry[] = [];
  for (const { listener, hostnames } of att.listeners) {
    const socket = `${gateway.address}:${listener.port}`;
    for (const hostname of hostnames) {
      for (const { rule, backends, directResponse } of rules) {
        rule.matches.forEach((match, matchIndex) => {
          const ir: RouteIR = {
            name: `${route.key}/rule/${rule.index}/match/${matchIndex}`,
            route: { kind: route.kind, namespace: route.namespace, name: route.name, rule: rule.index },
            gateway: { namespace: gateway.namespace, name: gateway.name, listener: listener.name },
            match,
            filters: rule.filters.filters,
            backends: rule.filters.filters.redirect ? [] : backends,
            ...(directResponse ? { directResponse } : {}),
            timeouts: rule.timeouts,
          };
          out.push({
            socket, hostname, ir,
            precedence: { match, routeTime: route.time, routeName: `${route.namespace}/${route.name}`, rule: rule.index, matchIndex, gatewayRank: gatewayRank.get(gateway) ?? 0 },
          });
        });
      }
    }
  }
  return out;
}

/**
 * ResolvedRefs for parents that were not accepted: backendRef problems that do not depend on
 * the Gateway, so the status is complete (Gateway API: both conditions on every parent).
 */
export function resolveRejectedParents(ctx: TranslateContext, routes: readonly RouteModel[]): void {
  for (const route of routes) {
    const st = ctx.statuses.route(route.route);
    for (const parent of st.parents()) {
      if (parent.conditions.has(ConditionType.resolvedRefs)) continue;
      const problems = route.rules.flatMap((r) => r.backendRefs.map((b) => b.resolved.error).filter((e): e is NonNullable<typeof e> => e !== undefined));
      setResolvedRefs(ctx, { route, parentRef: parent.ref }, problems);
    }
  }
}
