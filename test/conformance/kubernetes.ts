/**
 * The status assertions of the conformance suite (conformance/utils/kubernetes/helpers.go),
 * with the same semantics (conformance.md 1.4), reading objects and their computed status from
 * lastmile's admin API instead of a cluster:
 * - polls every 100 ms (DefaultPollInterval) up to the suite's timeouts;
 * - a condition matches on type, status (unless empty) and reason (unless empty);
 * - an ancestor/parent matches by name and namespace (nil or equal) only;
 * - ANY condition whose observedGeneration differs from metadata.generation, in any ancestor or
 *   parent entry, makes the poll iteration fail ("not yet"), and for Gateways it is fatal.
 */
import { CONTROLLER, NS, type ConformanceSuite, type Obj } from './fixtures.ts';

export const POLL_MS = 100;
/** HTTPRouteMustHaveCondition / RouteMustHaveParents / LatestObservedGenerationSet. */
export const ROUTE_CONDITION_TIMEOUT_MS = 60_000;
/** GatewayMustHaveCondition / GatewayMustHaveAddress. */
export const GATEWAY_TIMEOUT_MS = 180_000;
/** GatewayListenersMustHaveConditions. */
export const LISTENERS_TIMEOUT_MS = 60_000;

export interface Condition {
  readonly type: string;
  /** '' matches any status. */
  readonly status: '' | 'True' | 'False';
  /** '' matches any reason. */
  readonly reason: string;
}

/** Thrown from a poll step to stop polling and fail at once (the suite's `return false, err`). */
export class Fatal extends Error {}

/**
 * Polls `step` every 100 ms until it returns true; a string is the "not yet" reason (kept for the
 * timeout message); a `Fatal` aborts; other errors are "not yet" too (e.g. admin API restarting).
 */
export async function poll(what: string, timeoutMs: number, step: () => Promise<true | string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'never checked';
  for (;;) {
    try {
      const r = await step();
      if (r === true) return;
      last = r;
    } catch (err) {
      if (err instanceof Fatal) throw new Error(`${what}: ${err.message}`);
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const GW_PATH = '/apis/gateway.networking.k8s.io/v1/namespaces';

export function getPolicy(suite: ConformanceSuite, name: string, namespace = NS): Promise<Obj | undefined> {
  return suite.get(`${GW_PATH}/${namespace}/backendtlspolicies/${name}`);
}

export function getGateway(suite: ConformanceSuite, name: string, namespace = NS): Promise<Obj | undefined> {
  return suite.get(`${GW_PATH}/${namespace}/gateways/${name}`);
}

export function getHttpRoute(suite: ConformanceSuite, name: string, namespace = NS): Promise<Obj | undefined> {
  return suite.get(`${GW_PATH}/${namespace}/httproutes/${name}`);
}

/** findConditionInList. */
export function findCondition(conditions: readonly Obj[] | undefined, c: Condition): boolean {
  return (conditions ?? []).some((x) => x.type === c.type && (c.status === '' || x.status === c.status) && (c.reason === '' || x.reason === c.reason));
}

/** ConditionsHaveLatestObservedGeneration: undefined when current, else the complaint. */
export function staleConditions(obj: Obj, conditions: readonly Obj[] | undefined): string | undefined {
  const generation = obj.metadata?.generation;
  const stale = (conditions ?? []).filter((c) => c.observedGeneration !== generation);
  if (stale.length === 0) return undefined;
  return `expected observedGeneration ${generation} on all conditions; stale: ${stale.map((c) => `${c.type} (generation ${c.observedGeneration})`).join(', ')}`;
}

const show = (c: Condition): string => `${c.type}=${c.status || '*'}/${c.reason || '*'}`;
const refMatches = (ref: Obj | undefined, gwName: string, gwNamespace: string): boolean =>
  ref?.name === gwName && (ref.namespace === undefined || ref.namespace === null || ref.namespace === gwNamespace);

/** BackendTLSPolicyMustHaveCondition. */
export async function backendTlsPolicyMustHaveCondition(suite: ConformanceSuite, policy: string, gateway: string, condition: Condition): Promise<void> {
  await poll(`BackendTLSPolicy ${NS}/${policy} to have ${show(condition)} for ancestor ${gateway}`, ROUTE_CONDITION_TIMEOUT_MS, async () => {
    const p = await getPolicy(suite, policy);
    if (p === undefined) return 'policy not found';
    const ancestors: Obj[] = p.status?.ancestors ?? [];
    for (const a of ancestors) {
      const stale = staleConditions(p, a.conditions);
      if (stale !== undefined) return `ancestor ${a.ancestorRef?.name}: ${stale}`;
      if (refMatches(a.ancestorRef, gateway, NS) && findCondition(a.conditions, condition)) return true;
    }
    return `ancestors: ${JSON.stringify(ancestors.map((a) => ({ ref: a.ancestorRef?.name, conditions: (a.conditions ?? []).map((c: Obj) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`) })))} (generation ${p.metadata?.generation})`;
  });
}

/** BackendTLSPolicyMustHaveAcceptedConditionTrue. */
export function backendTlsPolicyMustHaveAcceptedConditionTrue(suite: ConformanceSuite, policy: string, gateway: string): Promise<void> {
  return backendTlsPolicyMustHaveCondition(suite, policy, gateway, { type: 'Accepted', status: 'True', reason: 'Accepted' });
}

/** BackendTLSPolicyMustHaveLatestConditions: fatal, no waiting. */
export function backendTlsPolicyMustHaveLatestConditions(policy: Obj): void {
  for (const a of policy.status?.ancestors ?? []) {
    const stale = staleConditions(policy, a.conditions);
    if (stale !== undefined) throw new Error(`BackendTLSPolicy(controller=${a.controllerName}, ancestorRef=${a.ancestorRef?.name}) ${stale}`);
  }
}

/** NamespacesMustBeReady. */
export const NAMESPACES_READY_TIMEOUT_MS = 300_000;

/**
 * NamespacesMustBeReady: every Gateway in the namespace has current conditions and is
 * Accepted=True and Programmed=True (any reason). The pods half has no standalone counterpart:
 * the echo backends are listening before the gateway starts.
 */
export async function namespacesMustBeReady(suite: ConformanceSuite, namespaces: readonly string[] = [NS]): Promise<void> {
  await poll(`namespaces ${namespaces.join(', ')} to be ready`, NAMESPACES_READY_TIMEOUT_MS, async () => {
    for (const ns of namespaces) {
      const list = await suite.get(`${GW_PATH}/${ns}/gateways`);
      for (const gw of list?.items ?? []) {
        const name = `${ns}/${gw.metadata?.name}`;
        const stale = staleConditions(gw, gw.status?.conditions);
        if (stale !== undefined) return `Gateway ${name} ${stale}`;
        if (!findCondition(gw.status?.conditions, { type: 'Accepted', status: 'True', reason: '' })) return `${name} Gateway not Accepted yet`;
        if (!findCondition(gw.status?.conditions, { type: 'Programmed', status: 'True', reason: '' })) return `${name} Gateway not Programmed yet`;
      }
    }
    return true;
  });
}

/** GatewayMustHaveCondition: stale Gateway conditions end the wait with an error. */
export async function gatewayMustHaveCondition(suite: ConformanceSuite, gateway: string, condition: Condition): Promise<void> {
  await poll(`Gateway ${NS}/${gateway} to have ${show(condition)}`, GATEWAY_TIMEOUT_MS, async () => {
    const g = await getGateway(suite, gateway);
    if (g === undefined) throw new Fatal('error fetching Gateway: not found');
    const stale = staleConditions(g, g.status?.conditions);
    if (stale !== undefined) throw new Fatal(stale);
    return findCondition(g.status?.conditions, condition) || `conditions: ${JSON.stringify(g.status?.conditions)}`;
  });
}

/** GatewayMustHaveLatestConditions. */
export async function gatewayMustHaveLatestConditions(suite: ConformanceSuite, gateway: string): Promise<void> {
  await poll(`Gateway ${NS}/${gateway} to have its latest observedGeneration`, ROUTE_CONDITION_TIMEOUT_MS, async () => {
    const g = await getGateway(suite, gateway);
    if (g === undefined) throw new Fatal('error fetching Gateway: not found');
    return staleConditions(g, g.status?.conditions) ?? true;
  });
}

/** HTTPRouteMustHaveCondition. */
export async function httpRouteMustHaveCondition(suite: ConformanceSuite, route: string, gateway: string, condition: Condition): Promise<void> {
  await poll(`HTTPRoute ${NS}/${route} to have ${show(condition)} for parent ${gateway}`, ROUTE_CONDITION_TIMEOUT_MS, async () => {
    const r = await getHttpRoute(suite, route);
    if (r === undefined) throw new Fatal('error fetching HTTPRoute: not found');
    let found = false;
    for (const parent of r.status?.parents ?? []) {
      const stale = staleConditions(r, parent.conditions);
      if (stale !== undefined) return `parent ${parent.parentRef?.name}: ${stale}`;
      if (refMatches(parent.parentRef, gateway, NS) && findCondition(parent.conditions, condition)) found = true;
    }
    return found || `parents: ${JSON.stringify(r.status?.parents)}`;
  });
}

/** HTTPRouteMustHaveResolvedRefsConditionsTrue. */
export function httpRouteMustHaveResolvedRefsConditionsTrue(suite: ConformanceSuite, route: string, gateway: string): Promise<void> {
  return httpRouteMustHaveCondition(suite, route, gateway, { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' });
}

/**
 * RouteMustHaveParents for `NewGatewayRef(gw)`: a parent entry of our controller whose
 * parentRef has group gateway.networking.k8s.io and kind Gateway set (the suite compares them with
 * DeepEqual), the Gateway's name, the namespace unset or equal, and Accepted=True/Accepted.
 */
async function routeMustHaveParent(suite: ConformanceSuite, route: string, gateway: string): Promise<void> {
  await poll(`HTTPRoute ${NS}/${route} to be Accepted by ${gateway}`, ROUTE_CONDITION_TIMEOUT_MS, async () => {
    const r = await getHttpRoute(suite, route);
    if (r === undefined) throw new Fatal('error fetching HTTPRoute: not found');
    const parents: Obj[] = r.status?.parents ?? [];
    for (const p of parents) {
      const stale = staleConditions(r, p.conditions);
      if (stale !== undefined) return stale;
    }
    const ok = parents.some(
      (p) =>
        p.controllerName === CONTROLLER &&
        p.parentRef?.group === 'gateway.networking.k8s.io' &&
        p.parentRef?.kind === 'Gateway' &&
        refMatches(p.parentRef, gateway, NS) &&
        findCondition(p.conditions, { type: 'Accepted', status: 'True', reason: 'Accepted' }),
    );
    return ok || `parents: ${JSON.stringify(parents)}`;
  });
}

/** GatewayListenersMustHaveConditions (all listeners). */
async function gatewayListenersMustHaveConditions(suite: ConformanceSuite, gateway: string, conditions: readonly Condition[]): Promise<void> {
  await poll(`Gateway ${NS}/${gateway} listeners to have ${conditions.map(show).join(', ')}`, LISTENERS_TIMEOUT_MS, async () => {
    const g = await getGateway(suite, gateway);
    if (g === undefined) throw new Fatal('error fetching Gateway: not found');
    for (const c of conditions) {
      for (const l of g.status?.listeners ?? []) {
        if (!findCondition(l.conditions, c)) return `listener ${l.name} lacks ${show(c)}: ${JSON.stringify(l.conditions)}`;
      }
    }
    return true;
  });
}

/**
 * GatewayAndRoutesMustBeAccepted with usePort=false: waits for an address in the Gateway's
 * status, each route accepted by it, and every listener ResolvedRefs/Accepted/Programmed; returns
 * the host-only address (requests then go to the suite's port 80/443, here `suite.httpPort`).
 */
export async function gatewayAndRoutesMustBeAccepted(suite: ConformanceSuite, gateway: string, routes: readonly string[]): Promise<string> {
  let address = '';
  await poll(`Gateway ${NS}/${gateway} to have an address`, GATEWAY_TIMEOUT_MS, async () => {
    const g = await getGateway(suite, gateway);
    if (g === undefined) return 'Gateway not found';
    const stale = staleConditions(g, g.status?.conditions);
    if (stale !== undefined) return stale;
    const a = (g.status?.addresses ?? []).find((x: Obj) => x.type !== undefined && x.type !== null);
    if (a === undefined) return `no address in status: ${JSON.stringify(g.status)}`;
    address = a.value;
    return true;
  });
  for (const r of routes) await routeMustHaveParent(suite, r, gateway);
  await gatewayListenersMustHaveConditions(suite, gateway, [
    { type: 'ResolvedRefs', status: 'True', reason: '' },
    { type: 'Accepted', status: 'True', reason: '' },
    { type: 'Programmed', status: 'True', reason: '' },
  ]);
  return address;
}
