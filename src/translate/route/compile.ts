/**
 * Compiles accepted attachments into IR routes per (socket, virtual host), and sets each route
 * parent's ResolvedRefs (and PartiallyInvalid for rules that answer 500 because of unsupported
 * filters).
 */
import { ErrorCodes } from '../../errors.ts';
import type { RouteIR, WeightedBackendIR } from '../../ir/types.ts';
import { ConditionType, RouteReason } from '../../status/conditions.ts';
import type { RefStatus } from '../../status/collector.ts';
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

function setResolvedRefs(ctx: TranslateContext, att: Pick<Attachment, 'route' | 'parentRef'> & { status?: RefStatus }, problems: readonly BackendProblem[]): void {
  const st = att.status ?? ctx.statuses.route(att.route.route).parent(att.parentRef);
  if (problems.length === 0) {
    st.set(ConditionType.resolvedRefs, 'True', RouteReason.resolvedRefs, 'All references resolved');
    return;
  }
  const reason = REASON_ORDER.find((r) => problems.some((p) => p.reason === r)) ?? problems[0]?.reason ?? RouteReason.backendNotFound;
  const messages = [...new Set(problems.map((p) => p.message))];
  st.set(ConditionType.resolvedRefs, 'False', reason, messages.join('; '));
}

/** The per-rule part of a compiled route: shared by every listener, hostname and match. */
interface CompiledRule {
  readonly rule: RouteModel['rules'][number];
  readonly route: RouteIR['route'];
  /** RouteIR names, one per match. */
  readonly names: readonly string[];
  readonly backends: readonly WeightedBackendIR[];
  readonly directResponse: RouteIR['directResponse'];
}

/**
 * Compiles one attachment; `gatewayRank` orders Gateways sharing a socket (oldest first).
 * Values that do not depend on where a route is placed (its `route` and `gateway` references,
 * names, backends, the precedence key) are built once and shared by the RouteIRs of every
 * hostname: the IR is immutable, and this was ~15% of a full translation's garbage at N = 10k
 * (BENCHMARKS.md "Control plane"). Each place still gets its own RouteIR object, as before:
 * consumers may tell places apart by identity.
 */
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
  const rules: CompiledRule[] = route.rules.map((rule) => {
    const backends: WeightedBackendIR[] = rule.backendRefs.map((ref) => {
      const { backend, problem } = backendFor(ref.resolved, route, gateway, policies, ancestors);
      if (problem) problems.push(problem);
      if (ref.filters.unsupported.length > 0) {
        const message = `${route.key} rule ${rule.index}: backendRef filter type(s) ${ref.filters.unsupported.join(', ')} not supported`;
        partial.push(message);
        return { weight: ref.weight, filters: ref.filters.filters, backend: { ...backend, unusable: { status: 500, code: ErrorCodes.backendNotFound, message } } };
      }
      return weighted(ref.weight, ref.filters.filters, backend);
    });
    let directResponse: RouteIR['directResponse'];
    if (rule.filters.unsupported.length > 0) {
      const message = `${route.key} rule ${rule.index}: filter type(s) ${rule.filters.unsupported.join(', ')} not supported; the rule answers 500`;
      partial.push(message);
      directResponse = { status: 500, code: ErrorCodes.backendNotFound, message };
    } else if (!rule.filters.filters.redirect && backends.length > 0 && backends.every((b) => b.weight === 0)) {
      directResponse = { status: 500, code: ErrorCodes.backendNotFound, message: `${route.key} rule ${rule.index}: every backendRef has weight 0` };
    }
    const names = rule.matches.map((_, matchIndex) => `${route.key}/rule/${rule.index}/match/${matchIndex}`);
    const routeRef: RouteIR['route'] = { kind: route.kind, namespace: route.namespace, name: route.name, rule: rule.index };
    return { rule, route: routeRef, names, backends: rule.filters.filters.redirect ? [] : backends, directResponse };
  });

  setResolvedRefs(ctx, att, problems);
  if (partial.length > 0) {
    att.status.set(ConditionType.partiallyInvalid, 'True', RouteReason.unsupportedValue, partial.join('; '));
  }

  const out: RouteEntry[] = [];
  const routeName = `${route.namespace}/${route.name}`;
  const rank = gatewayRank.get(gateway) ?? 0;
  // One precedence key per (rule, match): it does not depend on the listener or hostname.
  const keys: PrecedenceKey[][] = rules.map(({ rule }) =>
    rule.matches.map((match, matchIndex) => ({ match, routeTime: route.time, routeName, rule: rule.index, matchIndex, gatewayRank: rank })));
  for (const { listener, hostnames } of att.listeners) {
    const socket = `${gateway.address}:${listener.port}`;
    const gatewayRef: RouteIR['gateway'] = { namespace: gateway.namespace, name: gateway.name, listener: listener.name };
    for (const hostname of hostnames) {
      for (let r = 0; r < rules.length; r++) {
        const c = rules[r] as CompiledRule;
        const ruleKeys = keys[r] as PrecedenceKey[];
        const matches = c.rule.matches;
        for (let m = 0; m < matches.length; m++) {
          out.push({ socket, hostname, ir: routeIr(c, m, matches[m] as RouteIR['match'], gatewayRef), precedence: ruleKeys[m] as PrecedenceKey });
        }
      }
    }
  }
  return out;
}

/** A RouteIR; its keys in the IR's order (the output is compared byte for byte). */
function routeIr(c: CompiledRule, matchIndex: number, match: RouteIR['match'], gateway: RouteIR['gateway']): RouteIR {
  const filters = c.rule.filters.filters;
  const name = c.names[matchIndex] as string;
  return c.directResponse
    ? { name, route: c.route, gateway, match, filters, backends: c.backends, directResponse: c.directResponse, timeouts: c.rule.timeouts }
    : { name, route: c.route, gateway, match, filters, backends: c.backends, timeouts: c.rule.timeouts };
}

/**
 * WeightedBackendIRs by backend, weight and filters: a backend is one value per backendRef and
 * policy (backends.ts), so a route reaching it through several Gateways, or a later translation,
 * gets the same value back. Keyed weakly by the backend.
 */
const weightedByBackend = new WeakMap<object, WeightedBackendIR[]>();

function weighted(weight: number, filters: WeightedBackendIR['filters'], backend: WeightedBackendIR['backend']): WeightedBackendIR {
  let list = weightedByBackend.get(backend);
  if (!list) weightedByBackend.set(backend, (list = []));
  for (const w of list) if (w.weight === weight && w.filters === filters) return w;
  const w: WeightedBackendIR = { weight, filters, backend };
  if (list.length >= 8) list.length = 0;
  list.push(w);
  return w;
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
