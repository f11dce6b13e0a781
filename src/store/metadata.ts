/**
 * File-mode object metadata (design.md "Contracts"): what the API server would fill in for an
 * object it stores, computed by the store from one version of a manifest to the next.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ObjectMeta } from '../api/meta.ts';

/**
 * Metadata fields the server owns: whatever a manifest says for them is replaced (the API server
 * ignores uid, resourceVersion and generation sent on create, and they are not content a user
 * edits; creationTimestamp is the exception the contract makes: kept from the manifest).
 */
const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'] as const;

/**
 * The part of an object whose change bumps `generation`: everything but apiVersion, kind,
 * metadata and status. For kinds with a spec that is the spec (what the API server's strategies
 * compare for Gateway API CRDs, which have a status subresource). Kinds without a spec
 * (ConfigMap, Secret, EndpointSlice) get the same rule applied to their content (data,
 * endpoints, ports): the API server leaves generation unset for ConfigMap/Secret, but one rule
 * and an always-present number is simpler for every reader, and nothing reads a ConfigMap's
 * generation (observedGeneration only exists on Gateway API kinds).
 */
function generationContent(object: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = object;
  return rest;
}

/** The object without server-owned metadata and without status: what a user's edit changes. */
function userContent(object: KubeObject): Record<string, unknown> {
  const { status: _s, metadata, ...rest } = object;
  const meta: Record<string, unknown> = { ...metadata };
  for (const field of SERVER_FIELDS) delete meta[field];
  return { ...rest, metadata: meta };
}

/** True when two manifest versions differ in what a user writes (server fields aside). */
export function contentChanged(previous: KubeObject, next: KubeObject): boolean {
  if (previous === next) return false;
  return !isDeepStrictEqual(userContent(previous), userContent(next));
}

/** True when the change between two versions bumps `generation`. */
export function generationChanged(previous: KubeObject, next: KubeObject): boolean {
  if (previous === next) return false;
  return !isDeepStrictEqual(generationContent(previous), generationContent(next));
}

/** RFC 3339 at second precision, as metav1.Time serialises. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The manifest's own creationTimestamp, when it gives a non-empty string. */
export function manifestCreationTimestamp(object: KubeObject): string | undefined {
  const value = object.metadata.creationTimestamp;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The object as stored: status dropped (the API server ignores status sent with the object for
 * kinds that have a status subresource, and ConfigMap/Secret/EndpointSlice have none; computed
 * status is served separately), namespace normalised, server metadata filled in. The result
 * and its metadata are frozen; nested content is shared with the input, not copied.
 */
export function stampObject(
  object: KubeObject,
  meta: { namespace: string | undefined; uid: string; creationTimestamp: string; generation: number; resourceVersion: string },
): KubeObject {
  const { status: _status, metadata, ...rest } = object;
  const stampedMeta: ObjectMeta = { ...metadata };
  for (const field of SERVER_FIELDS) delete stampedMeta[field];
  if (meta.namespace === undefined) delete stampedMeta.namespace;
  else stampedMeta.namespace = meta.namespace;
  stampedMeta.uid = meta.uid;
  stampedMeta.creationTimestamp = meta.creationTimestamp;
  stampedMeta.generation = meta.generation;
  stampedMeta.resourceVersion = meta.resourceVersion;
  return Object.freeze({ ...rest, metadata: Object.freeze(stampedMeta) });
}
