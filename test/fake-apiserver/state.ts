/**
 * The storage half of the fake API server: objects per resource, one global resourceVersion
 * counter (as etcd's revision), an event history that watches replay from, and compaction that
 * makes older resourceVersions answer 410 Gone.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../src/api/meta.ts';

/** One served resource. Storage is per (group, plural): every served version sees the same objects. */
export interface FakeResource {
  readonly group: string;
  /** Versions served, preferred first. */
  readonly versions: readonly string[];
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Whether a /status subresource exists (status is then ignored by plain updates). */
  readonly hasStatus: boolean;
}

const GW = 'gateway.networking.k8s.io';

/** What a cluster with the Gateway API v1.6.1 standard CRDs serves, plus Leases. */
export function defaultResources(): FakeResource[] {
  return [
    { group: GW, versions: ['v1', 'v1beta1'], kind: 'GatewayClass', plural: 'gatewayclasses', namespaced: false, hasStatus: true },
    { group: GW, versions: ['v1', 'v1beta1'], kind: 'Gateway', plural: 'gateways', namespaced: true, hasStatus: true },
    { group: GW, versions: ['v1', 'v1beta1'], kind: 'HTTPRoute', plural: 'httproutes', namespaced: true, hasStatus: true },
    { group: GW, versions: ['v1'], kind: 'GRPCRoute', plural: 'grpcroutes', namespaced: true, hasStatus: true },
    { group: GW, versions: ['v1'], kind: 'TLSRoute', plural: 'tlsroutes', namespaced: true, hasStatus: true },
    { group: GW, versions: ['v1beta1', 'v1'], kind: 'ReferenceGrant', plural: 'referencegrants', namespaced: true, hasStatus: false },
    { group: GW, versions: ['v1'], kind: 'BackendTLSPolicy', plural: 'backendtlspolicies', namespaced: true, hasStatus: true },
    { group: '', versions: ['v1'], kind: 'Service', plural: 'services', namespaced: true, hasStatus: true },
    { group: 'discovery.k8s.io', versions: ['v1'], kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, hasStatus: false },
    { group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps', namespaced: true, hasStatus: false },
    { group: '', versions: ['v1'], kind: 'Secret', plural: 'secrets', namespaced: true, hasStatus: false },
    { group: 'coordination.k8s.io', versions: ['v1'], kind: 'Lease', plural: 'leases', namespaced: true, hasStatus: false },
  ];
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly rv: number;
  readonly resource: FakeResource;
  readonly type: EventType;
  readonly object: KubeObject;
}

/** A failure the API answers with: HTTP status, Status reason and message. */
export class FakeApiFailure extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function specOf(object: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return JSON.stringify(rest);
}

export class FakeState {
  readonly resources: FakeResource[];
  readonly #objects = new Map<FakeResource, Map<string, KubeObject>>();
  readonly #history: StoredEvent[] = [];
  #rv = 100;
  /** Watches or continue tokens from before this resourceVersion get 410 Gone. */
  compactedBefore = 0;
  readonly #listeners = new Set<(event: StoredEvent) => void>();

  constructor(resources: FakeResource[]) {
    this.resources = resources;
    for (const r of resources) this.#objects.set(r, new Map());
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  resourceByKind(kind: string): FakeResource {
    const r = this.resources.find((x) => x.kind === kind);
    if (!r) throw new Error(`fake apiserver: no resource for kind ${kind}`);
    return r;
  }

  onEvent(listener: (event: StoredEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #key(resource: FakeResource, namespace: string | undefined, name: string): string {
    return resource.namespaced ? `${namespace ?? ''}/${name}` : name;
  }

  #record(resource: FakeResource, type: EventType, object: KubeObject): void {
    const event: StoredEvent = { rv: this.#rv, resource, type, object: clone(object) };
    this.#history.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  /** Forgets the history: watches from any earlier resourceVersion now get 410 Gone. */
  compact(): void {
    this.compactedBefore = this.#rv;
    this.#history.length = 0;
  }

  /** Events of a resource after a resourceVersion, or undefined when compacted away. */
  eventsSince(resource: FakeResource, rv: number): StoredEvent[] | undefined {
    if (rv < this.compactedBefore) return undefined;
    return this.#history.filter((e) => e.resource === resource && e.rv > rv);
  }

  list(resource: FakeResource, namespace?: string): KubeObject[] {
    const all = [...(this.#objects.get(resource)?.values() ?? [])];
    const filtered = namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
    return filtered
      .sort((a, b) => this.#key(resource, a.metadata.namespace, a.metadata.name ?? '').localeCompare(this.#key(resource, b.metadata.namespace, b.metadata.name ?? '')))
      .map(clone);
  }

  get(resource: FakeResource, namespace: string | undefined, name: string): KubeObject {
    const found = this.#objects.get(resource)?.get(this.#key(resource, namespace, name));
    if (!found) throw new FakeApiFailure(404, 'NotFound', `${resource.plural} "${name}" not found`);
    return clone(found);
  }

  create(resource: FakeResource, input: KubeObject): KubeObject {
    const name = input.metadata.name ?? '';
    const key = this.#key(resource, input.metadata.namespace, name);
    const map = this.#objects.get(resource)!;
    if (map.has(key)) throw new FakeApiFailure(409, 'AlreadyExists', `${resource.plural} "${name}" already exists`);
    this.#rv++;
    const object = clone(input);
    object.kind = resource.kind;
    object.metadata = {
      ...object.metadata,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: 1,
      resourceVersion: String(this.#rv),
    };
    if (!resource.namespaced) delete object.metadata.namespace;
    map.set(key, object);
    this.#record(resource, 'ADDED', object);
    return clone(object);
  }

  /**
   * Replaces an object (`subresource` 'status': only its status). A resourceVersion in the
   * input must match the stored one (optimistic concurrency), else 409 Conflict.
   */
  update(resource: FakeResource, input: KubeObject, subresource?: 'status'): KubeObject {
    const name = input.metadata.name ?? '';
    const key = this.#key(resource, input.metadata.namespace, name);
    const map = this.#objects.get(resource)!;
    const current = map.get(key);
    if (!current) throw new FakeApiFailure(404, 'NotFound', `${resource.plural} "${name}" not found`);
    const rv = input.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) {
      throw new FakeApiFailure(409, 'Conflict', `Operation cannot be fulfilled on ${resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...clone(current), status: clone(input.status) };
    } else {
      next = clone(input);
      next.kind = resource.kind;
      next.metadata = { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, generation: current.metadata.generation };
      if (resource.hasStatus) next.status = clone(current.status);
      if (specOf(next) !== specOf(current)) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return clone(current); // a no-op update keeps the version
    this.#rv++;
    next.metadata.resourceVersion = String(this.#rv);
    map.set(key, next);
    this.#record(resource, 'MODIFIED', next);
    return clone(next);
  }

  delete(resource: FakeResource, namespace: string | undefined, name: string): KubeObject {
    const key = this.#key(resource, namespace, name);
    const map = this.#objects.get(resource)!;
    const current = map.get(key);
    if (!current) throw new FakeApiFailure(404, 'NotFound', `${resource.plural} "${name}" not found`);
    map.delete(key);
    this.#rv++;
    const gone = { ...clone(current), metadata: { ...current.metadata, resourceVersion: String(this.#rv) } };
    this.#record(resource, 'DELETED', gone);
    return gone;
  }
}
