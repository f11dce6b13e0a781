/**
 * Which ConfigMaps and Secrets lastmile needs: those a BackendTLSPolicy names as CA bundles
 * (spec.md 2.5: caCertificateRefs are local references, same namespace as the policy), those a
 * Gateway names as listener certificates or as its backend client certificate, a GatewayClass
 * parametersRef to a ConfigMap, and any carrying the label `lastmile.dev/watch: "true"`.
 * Everything else is dropped as soon as it is read, so a cluster with thousands of Secrets does
 * not keep their data in lastmile's memory.
 */
import { objectKey, type KubeObject } from '../../api/meta.ts';

/** Label that makes lastmile keep a ConfigMap or Secret nobody references (yet). */
export const WATCH_LABEL = 'lastmile.dev/watch';

/** The kinds whose objects are kept only when referenced. */
export const FILTERED_KINDS: ReadonlySet<string> = new Set(['ConfigMap', 'Secret']);

interface Ref {
  group?: unknown;
  kind?: unknown;
  name?: unknown;
  namespace?: unknown;
}

function addRef(into: Set<string>, ref: Ref | undefined, defaultKind: string, fromNamespace: string): void {
  if (!ref || typeof ref.name !== 'string') return;
  const group = typeof ref.group === 'string' ? ref.group : '';
  const kind = typeof ref.kind === 'string' ? ref.kind : defaultKind;
  if (group !== '' || !FILTERED_KINDS.has(kind)) return;
  const namespace = typeof ref.namespace === 'string' && ref.namespace !== '' ? ref.namespace : fromNamespace;
  into.add(objectKey(kind, namespace, ref.name));
}

function asArray(value: unknown): Ref[] {
  return Array.isArray(value) ? (value as Ref[]) : [];
}

/** Walks plain objects by keys; undefined when any step is missing. */
function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Keys (objectKey) of the ConfigMaps and Secrets the given object references. */
export function referencedKeys(object: KubeObject, into: Set<string> = new Set()): Set<string> {
  const namespace = object.metadata.namespace ?? '';
  const spec = object.spec;
  switch (object.kind) {
    case 'BackendTLSPolicy':
      // LocalObjectReference: no namespace field, always the policy's own namespace.
      for (const ref of asArray(at(spec, 'validation', 'caCertificateRefs'))) addRef(into, { ...ref, namespace: undefined }, 'ConfigMap', namespace);
      break;
    case 'Gateway':
      for (const listener of asArray(at(spec, 'listeners'))) {
        for (const ref of asArray(at(listener, 'tls', 'certificateRefs'))) addRef(into, ref, 'Secret', namespace);
      }
      addRef(into, at(spec, 'tls', 'backend', 'clientCertificateRef') as Ref | undefined, 'Secret', namespace);
      break;
    case 'GatewayClass': {
      // Cluster-scoped: a parametersRef to a namespaced kind names its namespace.
      const ref = at(spec, 'parametersRef') as Ref | undefined;
      addRef(into, ref, 'ConfigMap', typeof ref?.namespace === 'string' ? ref.namespace : '');
      break;
    }
    default:
      break;
  }
  return into;
}

/** Whether a ConfigMap or Secret asks to be kept regardless of references. */
export function hasWatchLabel(object: KubeObject): boolean {
  return object.metadata.labels?.[WATCH_LABEL] === 'true';
}
