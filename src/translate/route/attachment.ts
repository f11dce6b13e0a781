/**
 * Route attachment to Gateways (Gateway API ParentReference and AllowedRoutes semantics):
 * sectionName/port select listeners, allowedRoutes filters by namespace and kind, hostnames must
 * intersect. Sets the route parent's Accepted condition and counts listener attachedRoutes.
 */
import { GATEWAY_GROUP } from '../../api/kinds.ts';
import type { AllowedRoutes, Gateway, ParentReference } from '../../api/gateway-api.ts';
import { ConditionType, RouteReason } from '../../status/conditions.ts';
import type { TranslateContext } from '../context.ts';
import type { GatewayModel, ListenerModel } from '../model.ts';
import { intersectHostnames } from './hostnames.ts';
import type { Attachment, RouteModel } from './model.ts';

/**
 * Namespace labels in standalone mode: there are no Namespace objects, so a namespace carries
 * only the label Kubernetes always sets, `kubernetes.io/metadata.name: <namespace>`.
 */
export function namespaceLabels(namespace: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': namespace };
}

type Selector = NonNullable<NonNullable<AllowedRoutes['namespaces']>['selector']>;

/** metav1.LabelSelector semantics (matchLabels AND matchExpressions). */
export function selectorMatches(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(value ?? '')) return false; break;
      case 'NotIn': if (has && values.includes(value ?? '')) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function namespaceAllowed(listener: ListenerModel, routeNamespace: string): boolean {
  const ns = listener.spec.allowedRoutes?.namespaces;
  const from = ns?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNamespace === listener.gateway.namespace;
  if (from === 'Selector') return ns?.selector !== undefined && selectorMatches(ns.selector, namespaceLabels(routeNamespace));
  return false;
}

function kindAllowed(listener: ListenerModel, kind: string): boolean {
  return listener.supportedKinds.some((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === kind);
}

/**
 * Attaches every route to its parents. Returns the accepted attachments. parentRefs to other
 * kinds, or to Gateways of other controllers, are left alone (no status entry: not ours).
 */
export function attachRoutes(ctx: TranslateContext, routes: readonly RouteModel[], gateways: readonly GatewayModel[]): Attachment[] {
  const byKey = new Map(gateways.map((g) => [g.key, g]));
  const out: Attachment[] = [];
  for (const route of routes) {
    for (const parentRef of route.route.spec?.parentRefs ?? []) {
      if ((parentRef.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (parentRef.kind ?? 'Gateway') !== 'Gateway') continue;
      const namespace = parentRef.namespace ?? route.namespace;
      const gateway = byKey.get(`${namespace}/${parentRef.name}`);
      if (!gateway) {
        // A Gateway that exists belongs to another controller; one that does not exist is
        // reported, so a user of standalone mode sees the typo.
        if (!ctx.snapshot.get<Gateway>('Gateway', namespace, parentRef.name)) {
          ctx.statuses.route(route.route).parent(parentRef)
            .set(ConditionType.accepted, 'False', RouteReason.noMatchingParent, `Gateway ${namespace}/${parentRef.name} not found`);
        }
        continue;
      }
      const att = attach(ctx, route, parentRef, gateway);
      if (att) out.push(att);
    }
  }
  return out;
}

function attach(ctx: TranslateContext, route: RouteModel, parentRef: ParentReference, gateway: GatewayModel): Attachment | undefined {
  const st = ctx.statuses.route(route.route).parent(parentRef);
  const reject = (reason: string, message: string): undefined => {
    st.set(ConditionType.accepted, 'False', reason, message);
    return undefined;
  };
  const candidates = gateway.listeners.filter(
    (l) => (parentRef.sectionName === undefined || l.name === parentRef.sectionName) && (parentRef.port === undefined || l.port === parentRef.port),
  );
  // Only rejections name what the parentRef selects by.
  const what = (): string => [parentRef.sectionName !== undefined ? `sectionName "${parentRef.sectionName}"` : '', parentRef.port !== undefined ? `port ${parentRef.port}` : '']
    .filter(Boolean).join(' and ');
  if (candidates.length === 0) return reject(RouteReason.noMatchingParent, `Gateway ${gateway.key} has no listener with ${what() || 'any name'}`);

  const allowed = candidates.filter((l) => namespaceAllowed(l, route.namespace) && kindAllowed(l, route.kind));
  // Gateway API: attachedRoutes counts routes selected by allowedRoutes and parentRef only.
  for (const l of allowed) l.attachedRoutes.add(route.key);
  if (allowed.length === 0) {
    const selected = what();
    return reject(RouteReason.notAllowedByListeners, `No listener of Gateway ${gateway.key}${selected ? ` matching ${selected}` : ''} allows ${route.kind} from namespace "${route.namespace}"`);
  }
  const ready = allowed.filter((l) => l.ready);
  if (ready.length === 0) {
    return reject(RouteReason.noMatchingParent, `No ready listener: ${allowed.map((l) => `${l.name} (${l.notReady ?? 'not ready'})`).join('; ')}`);
  }
  const listeners = ready
    .map((listener) => ({ listener, hostnames: intersectHostnames(listener.hostname, route.hostnames) }))
    .filter((x) => x.hostnames.length > 0);
  if (listeners.length === 0) {
    return reject(RouteReason.noMatchingListenerHostname, `No hostname of the route matches the listeners' hostnames (${ready.map((l) => l.hostname ?? '*').join(', ')})`);
  }
  st.set(ConditionType.accepted, 'True', RouteReason.accepted, `Accepted by Gateway ${gateway.key} (listeners: ${listeners.map((x) => x.listener.name).join(', ')})`);
  return { route, parentRef, gateway, listeners, status: st };
}
