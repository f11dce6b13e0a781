/**
 * The input of a Translator rehearsal (translator.ts `rehearse`): the previous snapshot with one
 * BackendTLSPolicy replaced by a deep copy of itself. To the incremental path this is a policy
 * edit (it compares stored objects by identity), yet every result is deep-equal to the previous
 * one. It is built the way the store builds an edit's snapshot (updateSnapshot), so the
 * rehearsal walks the same code, on objects of the same shapes, as an edit does; a snapshot not
 * built that way gets a plain overlay that, like the store, shares every other kind's list.
 */
import type { BackendTLSPolicy } from '../api/gateway-api.ts';
import type { KubeObject } from '../api/meta.ts';
import { updateSnapshot } from '../store/create-snapshot.ts';
import type { Snapshot, StoredObject } from '../store/snapshot.ts';

/** `snapshot` with its first BackendTLSPolicy copied, and that policy's `ns/name`; undefined when it has none. */
export function withPolicyCopy(snapshot: Snapshot): { snapshot: Snapshot; key: string } | undefined {
  const policies = snapshot.list<BackendTLSPolicy>('BackendTLSPolicy');
  const original = policies[0];
  if (original === undefined) return undefined;
  const copy: StoredObject<BackendTLSPolicy> = { ...original, object: structuredClone(original.object) };
  const namespace = original.object.metadata.namespace ?? '';
  const name = original.object.metadata.name ?? '';
  const key = `${namespace}/${name}`;
  const updated = updateSnapshot(snapshot, [copy], [], snapshot.version);
  if (updated !== undefined) return { snapshot: updated, key };
  const list: readonly StoredObject[] = [copy, ...policies.slice(1)];
  const overlay: Snapshot = {
    version: snapshot.version,
    list: <T extends KubeObject = KubeObject>(kind: string) => (kind === 'BackendTLSPolicy' ? list : snapshot.list(kind)) as readonly StoredObject<T>[],
    get: <T extends KubeObject = KubeObject>(kind: string, ns: string | undefined, n: string) =>
      (kind === 'BackendTLSPolicy' && (ns ?? '') === namespace && n === name ? copy : snapshot.get(kind, ns, n)) as StoredObject<T> | undefined,
  };
  return { snapshot: overlay, key };
}
