/**
 * backendRefs to Services: port lookup, EndpointSlice endpoints, ExternalName targets, and the
 * ReferenceGrant check for cross-namespace references.
 */
import type { EndpointSlice, Service, ServicePort } from '../../api/core.ts';
import { SERVICE_NAME_LABEL } from '../../api/core.ts';
import { GATEWAY_GROUP } from '../../api/kinds.ts';
import type { BackendObjectReference } from '../../api/gateway-api.ts';
import type { EndpointIR } from '../../ir/types.ts';
import type { Snapshot } from '../../store/snapshot.ts';
import { referenceAllowed } from '../reference-grant.ts';
import { sortSmall } from '../order.ts';

export type BackendRefError = { readonly reason: 'RefNotPermitted' | 'InvalidKind' | 'BackendNotFound'; readonly message: string };

/** A backendRef resolved independently of the Gateway it is reached through. */
export interface ResolvedBackend {
  /** `Service/ns/name:port` */
  readonly name: string;
  readonly service: { readonly namespace: string; readonly name: string; readonly port: number };
  /** The Service port's name ('' when unnamed): BackendTLSPolicy sectionName (spec.md 4.3). */
  readonly portName: string;
  readonly endpoints: readonly EndpointIR[];
  readonly appProtocol?: string;
  /** Set when the reference cannot be used (the backend answers 500). */
  readonly error?: BackendRefError;
}

function compareEndpoints(a: EndpointIR, b: EndpointIR): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.port - b.port;
}

/**
 * EndpointSlices by `namespace/service-name` label, in the snapshot's order, built once per
 * snapshot. Scanning every slice for every backendRef made translation O(routes x slices):
 * about 100 million label comparisons at 10k Services (bench/control-plane, BENCHMARKS.md).
 * Snapshots are immutable, so the index can never be stale; the WeakMap lets it go with them.
 */
const slicesBySnapshot = new WeakMap<Snapshot, Map<string, EndpointSlice[]>>();
const NO_SLICES: readonly EndpointSlice[] = Object.freeze([]);

function slicesOf(snapshot: Snapshot, namespace: string, service: string): readonly EndpointSlice[] {
  let index = slicesBySnapshot.get(snapshot);
  if (!index) {
    index = new Map();
    for (const { object: slice } of snapshot.list<EndpointSlice>('EndpointSlice')) {
      const label = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      if (label === undefined) continue;
      const key = `${slice.metadata.namespace ?? ''}/${label}`;
      let list = index.get(key);
      if (!list) index.set(key, (list = []));
      list.push(slice);
    }
    slicesBySnapshot.set(snapshot, index);
  }
  return index.get(`${namespace}/${service}`) ?? NO_SLICES;
}

/**
 * Ready endpoints of one Service port from its EndpointSlices: slices labelled with the Service
 * name whose port name equals the Service port's name (unnamed ports match unnamed slice ports).
 * An endpoint without `conditions.ready` counts as ready (EndpointSlice API).
 */
export function serviceEndpoints(snapshot: Snapshot, service: Service, port: ServicePort): EndpointIR[] {
  const slices = slicesOf(snapshot, service.metadata.namespace ?? '', service.metadata.name ?? '');
  const known = endpointsByPort.get(port);
  if (known && sameItems(known.slices, slices)) return known.endpoints;
  const endpoints = serviceEndpointsUncached(snapshot, service, port);
  endpointsByPort.set(port, { slices, endpoints });
  return endpoints;
}

/**
 * Endpoints by Service port object, with the EndpointSlices they were read from: every
 * backendRef to a Service port asked for the same list again (~13k times at N = 10k, 4% of a
 * translation with its garbage), and so did the next translation while the Service and its
 * slices are the same objects (stored objects never change: store/metadata.ts). The list is
 * part of the immutable IR, so backends and translations can share it.
 */
const endpointsByPort = new WeakMap<ServicePort, { readonly slices: readonly EndpointSlice[]; readonly endpoints: EndpointIR[] }>();

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function serviceEndpointsUncached(snapshot: Snapshot, service: Service, port: ServicePort): EndpointIR[] {
  const ns = service.metadata.namespace ?? '';
  const name = service.metadata.name ?? '';
  const wanted = port.name ?? '';
  const seen = new Set<string>();
  const out: EndpointIR[] = [];
  for (const slice of slicesOf(snapshot, ns, name)) {
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === wanted);
    if (slicePort?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const address of ep.addresses ?? []) {
        const key = `${address}|${slicePort.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ address, port: slicePort.port });
      }
    }
  }
  return sortSmall(out, compareEndpoints);
}

/** Resolves one backendRef of a route in `routeNamespace` (defaults: group '', kind Service). */
export function resolveBackendRef(snapshot: Snapshot, routeKind: string, routeNamespace: string, ref: BackendObjectReference): ResolvedBackend {
  // The common case, a Service in the route's namespace, is remembered per reference object
  // (part of an immutable route object): its result depends only on the Service object and
  // the endpoints, and the next translation usually finds both unchanged. Building the names
  // and objects again for 30k references was ~5% of a full translation's garbage at N = 10k.
  if ((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && (ref.namespace ?? routeNamespace) === routeNamespace && ref.port !== undefined) {
    const service = snapshot.get<Service>('Service', routeNamespace, ref.name)?.object;
    if (service && service.spec?.type !== 'ExternalName') {
      const servicePort = (service.spec?.ports ?? []).find((p) => p.port === ref.port);
      if (servicePort) {
        const endpoints = serviceEndpoints(snapshot, service, servicePort);
        const known = resolvedByRef.get(ref);
        if (known && known.service === service && known.endpoints === endpoints && known.routeNamespace === routeNamespace) return known.result;
        const result = resolveBackendRefUncached(snapshot, routeKind, routeNamespace, ref);
        resolvedByRef.set(ref, { service, endpoints, routeNamespace, result });
        return result;
      }
    }
  }
  return resolveBackendRefUncached(snapshot, routeKind, routeNamespace, ref);
}

/** See resolveBackendRef: what a same-namespace Service reference resolved to, and from what. */
const resolvedByRef = new WeakMap<BackendObjectReference, {
  readonly service: Service;
  readonly endpoints: readonly EndpointIR[];
  readonly routeNamespace: string;
  readonly result: ResolvedBackend;
}>();

function resolveBackendRefUncached(snapshot: Snapshot, routeKind: string, routeNamespace: string, ref: BackendObjectReference): ResolvedBackend {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const namespace = ref.namespace ?? routeNamespace;
  const port = ref.port ?? 0;
  const id = { namespace, name: ref.name, port };
  const name = `${kind}/${namespace}/${ref.name}:${port}`;
  const fail = (reason: BackendRefError['reason'], message: string): ResolvedBackend => ({
    name, service: id, portName: '', endpoints: [], error: { reason, message },
  });
  if (group !== '' || kind !== 'Service') {
    return fail('InvalidKind', `backendRef ${group ? `${group}/` : ''}${kind} ${namespace}/${ref.name}: only core Services are supported`);
  }
  const allowed = referenceAllowed(
    snapshot,
    { group: GATEWAY_GROUP, kind: routeKind, namespace: routeNamespace },
    { group: '', kind: 'Service', namespace, name: ref.name },
  );
  if (!allowed) {
    return fail('RefNotPermitted', `backendRef Service ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in "${namespace}" allows it`);
  }
  const service = snapshot.get<Service>('Service', namespace, ref.name)?.object;
  if (!service) return fail('BackendNotFound', `Service ${namespace}/${ref.name} not found`);
  if (ref.port === undefined) return fail('BackendNotFound', `backendRef to Service ${namespace}/${ref.name} has no port`);
  const servicePort = (service.spec?.ports ?? []).find((p) => p.port === port);
  if (service.spec?.type === 'ExternalName') {
    // ExternalName: the DNS name at the backendRef port (ports on the Service are optional).
    const target = service.spec.externalName ?? '';
    if (!target) return fail('BackendNotFound', `ExternalName Service ${namespace}/${ref.name} has no externalName`);
    return {
      name, service: id, portName: servicePort?.name ?? '',
      endpoints: [{ address: target, port }],
      ...(servicePort?.appProtocol ? { appProtocol: servicePort.appProtocol } : {}),
    };
  }
  if (!servicePort) return fail('BackendNotFound', `Service ${namespace}/${ref.name} has no port ${port}`);
  return {
    name, service: id, portName: servicePort.name ?? '',
    endpoints: serviceEndpoints(snapshot, service, servicePort),
    ...(servicePort.appProtocol ? { appProtocol: servicePort.appProtocol } : {}),
  };
}
