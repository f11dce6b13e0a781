/**
 * translate(snapshot) -> { ir, statuses, diagnostics }: the pure heart of the control plane
 * (design.md "translate/"). An orchestrator of ordered steps, one module per concern (Envoy
 * Gateway's translator, Contour's processors). No I/O; the only clock is `input.now`.
 */
import type { GatewayIR } from '../ir/types.ts';
import { createContext } from './context.ts';
import { processGatewayClasses } from './gateway/class.ts';
import { finishGatewayStatuses, processGateways } from './gateway/gateways.ts';
import { evaluatePolicies } from './backendtls/policies.ts';
import { AncestorTable } from './backendtls/ancestors.ts';
import { loadRoutes } from './route/load.ts';
import { attachRoutes } from './route/attachment.ts';
import { collectUsages } from './route/backends.ts';
import { compileAttachment, resolveRejectedParents, type RouteEntry } from './route/compile.ts';
import { buildIr } from './ir-build.ts';
import { compareDiagnostics } from './diagnostic-order.ts';
import type { TranslateInput, TranslateResult } from './types.ts';

export type { TranslateInput, TranslateResult, ComputedStatus } from './types.ts';
export { CONTROLLER_NAME } from './types.ts';
export { SUPPORTED_FEATURES } from './features.ts';

/**
 * Freezes an IR value and everything under it. Subtrees shared between routes (matches,
 * backends, TLS profiles) are frozen once: a frozen object is not walked again. Loops instead
 * of Object.values: no array per object.
 */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const v of value as unknown[]) deepFreeze(v);
  } else {
    const record = value as Record<string, unknown>;
    for (const k in record) deepFreeze(record[k]);
  }
  return value;
}

/**
 * Whether every IR object is frozen (ir/types.ts: "treated as immutable (frozen in tests)"):
 * under `node --test` (it sets NODE_TEST_CONTEXT), or with LASTMILE_DEEP_FREEZE=1 to catch a
 * mutation in development. Otherwise only the IR's spine is frozen (see freezeIr).
 */
const DEEP_FREEZE = process.env['LASTMILE_DEEP_FREEZE'] === '1' || process.env['NODE_TEST_CONTEXT'] !== undefined;

/**
 * Freezes the IR's spine: the IR, its listeners, virtual hosts, route lists and RouteIRs: what
 * the incremental translator (translator.ts) shares from one result to the next, so a consumer
 * cannot change a later result through an earlier one. Their contents (matches, filters,
 * backends, TLS profiles) are readonly by type and never written: the data plane compiles from
 * them. Freezing ~1M objects one by one was 10% of a full translation at N = 10k (~150 ms;
 * BENCHMARKS.md "Control plane"), ~70 ns an object, for no change in any output; tests keep
 * the deep freeze, so a mutation anywhere in the pipeline fails them.
 */
function freezeIr(ir: GatewayIR): GatewayIR {
  if (DEEP_FREEZE) return deepFreeze(ir);
  for (const l of ir.listeners) {
    for (const vh of l.virtualHosts) {
      for (const r of vh.routes) Object.freeze(r);
      Object.freeze(vh.routes);
      Object.freeze(vh);
    }
    Object.freeze(l.virtualHosts);
    Object.freeze(l.certificates);
    Object.freeze(l);
  }
  Object.freeze(ir.listeners);
  return Object.freeze(ir);
}

/** Translates one snapshot. Deterministic: the same input gives deep-equal output. */
export function translate(input: TranslateInput): TranslateResult {
  return translateRanked(input).result;
}

/**
 * translate(), plus each managed Gateway's rank (`namespace/name` -> index, oldest first): the
 * tie-break between RouteIRs of Gateways sharing a socket (route/matching.ts comparePrecedence),
 * which the incremental translator needs to re-sort a virtual host (translator.ts).
 */
export function translateRanked(input: TranslateInput): { result: TranslateResult; gatewayRanks: ReadonlyMap<string, number> } {
  const ctx = createContext(input);
  // 1. GatewayClasses naming our controller, then their Gateways (listeners, certificates,
  //    conflicts, backend client certificate), oldest first.
  const classes = processGatewayClasses(ctx);
  const gateways = processGateways(ctx, classes);
  const gatewayRank = new Map(gateways.map((g, i) => [g, i]));
  // 2. BackendTLSPolicies on their own: validity, CA trust, targets, conflicts.
  const policies = evaluatePolicies(ctx);
  // 3. Routes: defaults, backendRefs resolved, attachment to listeners (Accepted).
  const routes = loadRoutes(ctx);
  const attachments = attachRoutes(ctx, routes, gateways);
  // 4. Policy ancestors from the traffic accepted routes send (needed before backends: the
  //    17th+ Gateway of a policy cannot use it).
  const ancestors = new AncestorTable(policies, collectUsages(attachments), gateways);
  // 5. Compile routes with their backends and TLS profiles (ResolvedRefs).
  const entries: RouteEntry[] = attachments.flatMap((att) => compileAttachment(ctx, att, policies, ancestors, gatewayRank));
  resolveRejectedParents(ctx, routes);
  // 6. Remaining statuses, then the IR.
  ancestors.writeStatuses(ctx);
  finishGatewayStatuses(ctx, gateways);
  const ir: GatewayIR = freezeIr(buildIr(gateways, entries));
  const result: TranslateResult = { ir, statuses: ctx.statuses.result(), diagnostics: ctx.diagnostics.sort(compareDiagnostics) };
  return { result, gatewayRanks: new Map(gateways.map((g, i) => [g.key, i])) };
}
