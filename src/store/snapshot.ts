/**
 * The store's output: an immutable view of every object, keyed by kind/namespace/name.
 * Objects in a snapshot are validated and defaulted (as the API server would store them) and
 * carry complete metadata (creationTimestamp, generation, resourceVersion, uid).
 */
import type { KubeObject } from '../api/meta.ts';
import type { Origin } from '../sources/origin.ts';

export interface StoredObject<T extends KubeObject = KubeObject> {
  readonly object: T;
  /** Where the object was written (file mode), or undefined for cluster objects. */
  readonly origin?: Origin;
}

export interface Snapshot {
  /** Increments each time the store publishes a changed snapshot. */
  readonly version: number;
  /** All objects of a canonical kind (see api/kinds.ts), sorted by namespace then name. */
  list<T extends KubeObject = KubeObject>(kind: string): readonly StoredObject<T>[];
  get<T extends KubeObject = KubeObject>(kind: string, namespace: string | undefined, name: string): StoredObject<T> | undefined;
}
