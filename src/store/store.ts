/**
 * The object store of file mode: takes the full set of valid objects on each load and publishes
 * an immutable Snapshot, filling in metadata as the API server would (store/metadata.ts).
 *
 * "An invalid change leaves the last good config serving" is implemented here, through
 * `keepPrevious`: objects whose new version failed (by key), and every object of a file that
 * failed as a whole, stay in the snapshot as they were.
 *
 * Duplicates (one kind/namespace/name defined twice, in one file or in two): an error naming
 * both places, and neither definition is taken: the last good version, if there is one, stays;
 * otherwise the object is absent. Picking one of the two (first file wins, last file wins)
 * would make the result depend on file names, and a copy-paste mistake would silently replace
 * a working object.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../api/meta.ts';
import type { Origin } from '../sources/origin.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { createSnapshot } from './create-snapshot.ts';
import { normalizeNamespace, storeKey } from './keys.ts';
import {
  contentChanged,
  formatTimestamp,
  generationChanged,
  manifestCreationTimestamp,
  stampObject,
} from './metadata.ts';
import type { Snapshot, StoredObject } from './snapshot.ts';

export interface StoreInput {
  /** Every valid object of this load, in file order then document order. */
  objects: readonly { object: KubeObject; origin?: Origin }[];
  /**
   * What keeps its previous version: objects by store key (store/keys.ts storeKey), and every
   * object whose previous version came from one of `files`.
   */
  keepPrevious?: { files?: readonly string[]; keys?: readonly string[] };
}

export interface ReplaceResult {
  snapshot: Snapshot;
  /**
   * False when the new snapshot equals the previous one (same objects, same content, same
   * origins): the snapshot returned is then the previous one, and translation can be skipped.
   * An object that only moved in its file (a comment added above it) counts as a change, so
   * diagnostics point at the right line; its resourceVersion and generation stay.
   */
  changed: boolean;
  diagnostics: Diagnostic[];
}

/** What the store remembers of an object between loads. */
interface Entry {
  /** The object as given (before stamping): compared with the next load's version. */
  readonly input: KubeObject;
  readonly stored: StoredObject;
  readonly uid: string;
  /** When the object was first loaded: its creationTimestamp unless the manifest gives one. */
  readonly firstLoaded: string;
  readonly generation: number;
  readonly resourceVersion: string;
}

export interface ObjectStoreOptions {
  /** Time source for creationTimestamp (tests pass a fixed clock). */
  clock?: () => Date;
  /** uid source (tests pass a deterministic one); random UUIDs by default, as the API server. */
  newUid?: () => string;
}

function where(origin: Origin | undefined): string {
  return origin ? `${origin.file}:${origin.line}:${origin.col}` : 'an unknown place';
}

function sameOrigin(a: Origin | undefined, b: Origin | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.file === b.file && a.line === b.line && a.col === b.col);
}

export class ObjectStore {
  readonly #clock: () => Date;
  readonly #newUid: () => string;
  #entries = new Map<string, Entry>();
  #snapshot: Snapshot = createSnapshot([], 0);
  /** Like etcd's revision: every changed object gets the next value as its resourceVersion. */
  #revision = 0;

  constructor(options: ObjectStoreOptions = {}) {
    this.#clock = options.clock ?? ((): Date => new Date());
    this.#newUid = options.newUid ?? randomUUID;
  }

  /** The current snapshot (version 0 and empty before the first change). */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** Replaces the full set of objects (file mode). Returns the new snapshot and whether anything changed. */
  replaceAll(input: StoreInput): ReplaceResult {
    const diagnostics: Diagnostic[] = [];
    const keepKeys = new Set(input.keepPrevious?.keys ?? []);
    const keepFiles = new Set(input.keepPrevious?.files ?? []);
    const previous = this.#entries;
    const next = new Map<string, Entry>();
    let changed = false;

    // 1. Previous versions that stay: by key, or because their file failed.
    for (const [key, entry] of previous) {
      const file = entry.stored.origin?.file;
      if (keepKeys.has(key) || (file !== undefined && keepFiles.has(file))) next.set(key, entry);
    }

    // 2. Group the new objects by key; a key given twice is a duplicate.
    const byKey = new Map<string, { object: KubeObject; origin?: Origin }>();
    const duplicated = new Set<string>();
    for (const item of input.objects) {
      if (item.origin && keepFiles.has(item.origin.file)) continue;
      const { kind, metadata } = item.object;
      const key = storeKey(kind, metadata.namespace, metadata.name ?? '');
      const first = byKey.get(key);
      if (first) {
        duplicated.add(key);
        diagnostics.push(duplicateDiagnostic(item, `${where(item.origin)} and at ${where(first.origin)}`));
        continue;
      }
      byKey.set(key, item);
    }

    // A duplicated key keeps its last good version, if any (see the rule above).
    for (const key of duplicated) {
      const prev = previous.get(key);
      if (prev && !next.has(key)) next.set(key, prev);
    }

    // 3. Apply each new object unless a kept or duplicated version stands in its way. A kept
    // key seen again here is a second definition too: its failed version is in another
    // document (keepPrevious.keys), or its last good version lives in a failed file.
    for (const [key, item] of byKey) {
      if (duplicated.has(key)) continue;
      if (keepKeys.has(key) || next.has(key)) {
        const kept = next.get(key);
        const other = kept && !keepKeys.has(key)
          ? `at ${where(kept.stored.origin)} (its last good version; that file failed to load)`
          : 'in a document that failed validation';
        diagnostics.push(duplicateDiagnostic(item, `${where(item.origin)} and ${other}`));
        continue;
      }
      const prev = previous.get(key);
      const entry = this.#apply(item, prev);
      if (entry !== prev) changed = true;
      next.set(key, entry);
    }

    // 4. A previous object that is not in `next` was removed.
    if (!changed) {
      for (const key of previous.keys()) {
        if (!next.has(key)) {
          changed = true;
          break;
        }
      }
    }

    this.#entries = next;
    if (changed) this.#snapshot = createSnapshot([...next.values()].map((e) => e.stored), this.#snapshot.version + 1);
    return { snapshot: this.#snapshot, changed, diagnostics };
  }

  /** The entry for a new version of an object: the previous entry itself when nothing changed. */
  #apply(item: { object: KubeObject; origin?: Origin }, prev: Entry | undefined): Entry {
    const object = item.object;
    const creationTimestamp = manifestCreationTimestamp(object) ?? prev?.firstLoaded ?? formatTimestamp(this.#clock());
    if (prev && !contentChanged(prev.input, object) && prev.stored.object.metadata.creationTimestamp === creationTimestamp) {
      if (sameOrigin(prev.stored.origin, item.origin)) return prev;
      // Moved within its file (or to another file) without changing: new origin, same metadata.
      return { ...prev, input: object, stored: this.#stored(prev.stored.object, item.origin) };
    }
    const generation = prev ? prev.generation + (generationChanged(prev.input, object) ? 1 : 0) : 1;
    const resourceVersion = String(++this.#revision);
    const uid = prev?.uid ?? this.#newUid();
    const firstLoaded = prev?.firstLoaded ?? formatTimestamp(this.#clock());
    const namespace = normalizeNamespace(object.kind, object.metadata.namespace);
    const stamped = stampObject(object, { namespace, uid, creationTimestamp, generation, resourceVersion });
    return { input: object, stored: this.#stored(stamped, item.origin), uid, firstLoaded, generation, resourceVersion };
  }

  #stored(object: KubeObject, origin: Origin | undefined): StoredObject {
    return Object.freeze(origin ? { object, origin } : { object });
  }
}

function duplicateDiagnostic(item: { object: KubeObject; origin?: Origin }, places: string): Diagnostic {
  const { kind, metadata } = item.object;
  const namespace = normalizeNamespace(kind, metadata.namespace);
  const id = namespace ? `${kind} ${namespace}/${metadata.name ?? ''}` : `${kind} ${metadata.name ?? ''}`;
  return {
    severity: 'error',
    code: 'duplicate_object',
    ...(item.origin ? { file: item.origin.file, line: item.origin.line, col: item.origin.col } : {}),
    kind,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(metadata.name !== undefined ? { name: metadata.name } : {}),
    message: `${id} is defined twice, at ${places}; neither definition is loaded (the last good version, if any, keeps serving)`,
  };
}
