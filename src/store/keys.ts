/**
 * Store keys. Objects are keyed by kind/namespace/name (api/meta.ts objectKey) after the
 * namespace is normalised as kubectl and the API server do, so `namespace: default` and no
 * namespace at all name the same object.
 */
import { objectKey } from '../api/meta.ts';
import { kindInfo } from '../api/kinds.ts';

/** kubectl's namespace when a namespaced object names none (no kubeconfig context in file mode). */
export const DEFAULT_NAMESPACE = 'default';

/**
 * The namespace an object is stored under: `default` for a namespaced kind that names none;
 * none for a cluster-scoped kind (the API server ignores one). Unknown kinds keep what they say.
 */
export function normalizeNamespace(kind: string, namespace: string | undefined): string | undefined {
  const info = kindInfo(kind);
  if (!info) return namespace === '' ? undefined : namespace;
  if (!info.namespaced) return undefined;
  return namespace === undefined || namespace === '' ? DEFAULT_NAMESPACE : namespace;
}

/** The store key of an object: `Kind/namespace/name`, namespace normalised. */
export function storeKey(kind: string, namespace: string | undefined, name: string): string {
  return objectKey(kind, normalizeNamespace(kind, namespace), name);
}

/**
 * The store key of a value as written in a manifest, or undefined when kind or metadata.name is
 * not a readable string (such a document cannot be matched to a previous version).
 */
export function storeKeyOfManifest(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { kind, metadata } = value as { kind?: unknown; metadata?: unknown };
  if (typeof kind !== 'string' || kind === '' || metadata === null || typeof metadata !== 'object') return undefined;
  const { name, namespace } = metadata as { name?: unknown; namespace?: unknown };
  if (typeof name !== 'string' || name === '') return undefined;
  return storeKey(kind, typeof namespace === 'string' ? namespace : undefined, name);
}
