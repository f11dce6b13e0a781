/**
 * Builds an immutable Snapshot from stored objects. The store publishes these; tests and the
 * golden harness build them directly.
 */
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../api/meta.ts';
import type { Snapshot, StoredObject } from './snapshot.ts';

function compareByNamespaceName(a: StoredObject, b: StoredObject): number {
  const an = a.object.metadata.namespace ?? '';
  const bn = b.object.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const am = a.object.metadata.name ?? '';
  const bm = b.object.metadata.name ?? '';
  return am < bm ? -1 : am > bm ? 1 : 0;
}

export function createSnapshot(objects: Iterable<StoredObject>, version = 1): Snapshot {
  const byKey = new Map<string, StoredObject>();
  const byKind = new Map<string, StoredObject[]>();
  for (const stored of objects) {
    const { kind, metadata } = stored.object;
    byKey.set(objectKey(kind, metadata.namespace, metadata.name ?? ''), stored);
    let list = byKind.get(kind);
    if (!list) byKind.set(kind, (list = []));
    list.push(stored);
  }
  for (const list of byKind.values()) list.sort(compareByNamespaceName);
  const empty: readonly StoredObject[] = Object.freeze([]);
  return Object.freeze({
    version,
    list<T extends KubeObject = KubeObject>(kind: string): readonly StoredObject<T>[] {
      return (byKind.get(kind) ?? empty) as readonly StoredObject<T>[];
    },
    get<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string): StoredObject<T> | undefined {
      return byKey.get(objectKey(kind, namespace, name)) as StoredObject<T> | undefined;
    },
  });
}
