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
import { createSnapshot, updateSnapshot } from './create-snapshot.ts';
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

/** One object of the input, with where it was written. */
type InputItem = StoreInput['objects'][number];

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
  /**
   * Work from the difference with the last input when it allows (default true). The result is
   * the same either way; false keeps the full computation only (tests compare the two).
   */
  incremental?: boolean;
}

/**
 * The store key of each input object, remembered: a reload hands the store every object again
 * (40k at N = 10k), mostly the very objects of the last load (config-loader.ts reuses them), and
 * building their keys as new strings each time, then hashing and comparing those strings in
 * four maps, made replaceAll ~140 ms per edit (BENCHMARKS.md "Control plane"); with the same
 * string instances the maps hash once and compare by pointer. Input objects are not mutated
 * after they are given (the store already relies on that: it compares versions by identity).
 */
const inputKeys = new WeakMap<KubeObject, string>();
function keyOfInput(object: KubeObject): string {
  let key = inputKeys.get(object);
  if (key === undefined) {
    key = storeKey(object.kind, object.metadata.namespace, object.metadata.name ?? '');
    inputKeys.set(object, key);
  }
  return key;
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
  readonly #incremental: boolean;
  #entries = new Map<string, Entry>();
  #snapshot: Snapshot = createSnapshot([], 0);
  /** Like etcd's revision: every changed object gets the next value as its resourceVersion. */
  #revision = 0;
  /**
   * The last input, when it was clean (nothing kept, no duplicate): its items in order, and the
   * one item of each key. The next call then only looks at the items that differ (#replaceChanged).
   */
  #clean: { items: readonly InputItem[] | undefined; itemByKey: Map<string, InputItem> } | undefined;

  constructor(options: ObjectStoreOptions = {}) {
    this.#clock = options.clock ?? ((): Date => new Date());
    this.#newUid = options.newUid ?? randomUUID;
    this.#incremental = options.incremental ?? true;
  }

  /** The current snapshot (version 0 and empty before the first change). */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** Replaces the full set of objects (file mode). Returns the new snapshot and whether anything changed. */
  replaceAll(input: StoreInput): ReplaceResult {
    const fast = this.#replaceChanged(input);
    if (fast) return fast;
    const diagnostics: Diagnostic[] = [];
    const keepKeys = new Set(input.keepPrevious?.keys ?? []);
    const keepFiles = new Set(input.keepPrevious?.files ?? []);
    const previous = this.#entries;
    const next = new Map<string, Entry>();
    /** New or changed versions (step 3): what the next snapshot patches in. */
    const upserted: StoredObject[] = [];
    let changed = false;

    // 1. Previous versions that stay: by key, or because their file failed.
    if (keepKeys.size > 0 || keepFiles.size > 0) for (const [key, entry] of previous) {
      const file = entry.stored.origin?.file;
      if (keepKeys.has(key) || (file !== undefined && keepFiles.has(file))) next.set(key, entry);
    }

    // 2. Group the new objects by key; a key given twice is a duplicate.
    const byKey = new Map<string, InputItem>();
    const duplicated = new Set<string>();
    for (const item of input.objects) {
      if (keepFiles.size > 0 && item.origin && keepFiles.has(item.origin.file)) continue;
      const key = keyOfInput(item.object);
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
      if (entry !== prev) {
        changed = true;
        upserted.push(entry.stored);
      }
      next.set(key, entry);
    }

    // 4. A previous object that is not in `next` was removed.
    const removed: StoredObject[] = [];
    for (const [key, entry] of previous) {
      if (!next.has(key)) removed.push(entry.stored);
    }
    if (removed.length > 0) changed = true;

    this.#entries = next;
    const clean = keepKeys.size === 0 && keepFiles.size === 0 && diagnostics.length === 0;
    this.#clean = clean ? { items: input.objects.slice(), itemByKey: byKey } : undefined;
    if (changed) this.#publish(upserted, removed);
    return { snapshot: this.#snapshot, changed, diagnostics };
  }

  /**
   * replaceAll when this input and the last one are clean (nothing kept, no duplicate), computed
   * from the items that differ from the last input's (by identity: the loader hands back the
   * same item objects for unchanged documents). A key none of whose items changed keeps its
   * entry, which is what the full computation gives it: its one item is applied to the version
   * it produced last time, and #apply returns that version. The keys of changed items are
   * applied in input order, so resourceVersions are numbered as the full computation numbers
   * them. Undefined when the full computation is needed: something is kept, a duplicate may
   * arise, or most of the input changed.
   *
   * Why: the full computation does ~8 map operations per object; at N = 10k (40k objects) that
   * was ~50 ms per reload even with nothing to do (BENCHMARKS.md "Control plane"), while this
   * is a pointer comparison per object plus map work per changed object.
   */
  #replaceChanged(input: StoreInput): ReplaceResult | undefined {
    const last = this.#clean;
    if (!last || !this.#incremental || (input.keepPrevious?.keys?.length ?? 0) > 0 || (input.keepPrevious?.files?.length ?? 0) > 0) return undefined;
    const diff = last.items ? diffItems(last.items, input.objects) : diffByKey(last.itemByKey, input.objects);
    if (!diff) return undefined;
    return this.#applyDiff(diff, input.objects.slice());
  }

  /**
   * replaceAll for an input that differs from the last one by `changes` alone, without being
   * handed the whole input: `added` are the items (in input order) that the last input did not
   * have, `gone` those it had and this one has not, by identity. The last input, and this one,
   * must be clean (nothing kept, no duplicate); undefined when the last was not, or when the
   * change is too large or may make a duplicate: call replaceAll with the whole input then.
   *
   * Why: the file loader knows which files changed (the watcher's notes); handing the store
   * every object again, for it to find the one that changed, was a walk over 40k objects per
   * edit at N = 10k (BENCHMARKS.md "Control plane"). This is O(changed objects).
   */
  replaceChanges(changes: { readonly added: readonly InputItem[]; readonly gone: readonly InputItem[] }): ReplaceResult | undefined {
    if (!this.#clean || !this.#incremental) return undefined;
    return this.#applyDiff(changes, undefined);
  }

  /** The fast path's common part; `items` is the whole new input when known. */
  #applyDiff(diff: { readonly added: readonly InputItem[]; readonly gone: readonly InputItem[] }, items: readonly InputItem[] | undefined): ReplaceResult | undefined {
    const last = this.#clean;
    if (!last || (diff.added.length + diff.gone.length) * 8 > last.itemByKey.size + 8) return undefined;
    // A duplicate is possible only where a key gets an item while another stays or arrives.
    const gone = new Set(diff.gone);
    const arriving = new Set<string>();
    for (const item of diff.added) {
      const key = keyOfInput(item.object);
      const current = last.itemByKey.get(key);
      if ((current !== undefined && !gone.has(current)) || arriving.has(key)) return undefined;
      arriving.add(key);
    }

    const itemByKey = last.itemByKey;
    const entries = this.#entries;
    const upserted: StoredObject[] = [];
    const removed: StoredObject[] = [];
    for (const item of diff.gone) {
      const key = keyOfInput(item.object);
      if (itemByKey.get(key) === item) itemByKey.delete(key);
      if (arriving.has(key)) continue;
      const prev = entries.get(key);
      if (prev) {
        entries.delete(key);
        removed.push(prev.stored);
      }
    }
    for (const item of diff.added) {
      const key = keyOfInput(item.object);
      itemByKey.set(key, item);
      const prev = entries.get(key);
      const entry = this.#apply(item, prev);
      if (entry === prev) continue;
      entries.set(key, entry);
      upserted.push(entry.stored);
    }
    this.#clean = { items, itemByKey };
    const changed = upserted.length > 0 || removed.length > 0;
    if (changed) this.#publish(upserted, removed);
    return { snapshot: this.#snapshot, changed, diagnostics: [] };
  }

  /** Publishes the next snapshot: the previous one with the changed objects patched in. */
  #publish(upserted: readonly StoredObject[], removed: readonly StoredObject[]): void {
    const version = this.#snapshot.version + 1;
    this.#snapshot = updateSnapshot(this.#snapshot, upserted, removed, version)
      ?? createSnapshot([...this.#entries.values()].map((e) => e.stored), version);
  }

  /** The entry for a new version of an object: the previous entry itself when nothing changed. */
  #apply(item: InputItem, prev: Entry | undefined): Entry {
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

/** How far ahead diffItems looks for the item it lost sync on (a file's objects are contiguous). */
const RESYNC_WINDOW = 4096;

/**
 * The items of `next` not in `last` and those of `last` not in `next`, by identity, walking both
 * in order. Where they differ it looks ahead for the other side's item (a file added or removed
 * is a run of items); an item it cannot match is reported on both sides, which costs the caller
 * work but never correctness (a key whose item went and came back keeps its entry).
 */
function diffItems(last: readonly InputItem[], next: readonly InputItem[]): { added: InputItem[]; gone: InputItem[] } {
  const added: InputItem[] = [];
  const gone: InputItem[] = [];
  let i = 0;
  let j = 0;
  while (i < next.length && j < last.length) {
    if (next[i] === last[j]) {
      i++;
      j++;
      continue;
    }
    const a = next[i] as InputItem;
    const b = last[j] as InputItem;
    let skipNext = -1;
    let skipLast = -1;
    for (let k = 1; k <= RESYNC_WINDOW && (skipNext < 0 || skipLast < 0); k++) {
      if (skipNext < 0 && next[i + k] === b) skipNext = k;
      if (skipLast < 0 && last[j + k] === a) skipLast = k;
      if (i + k >= next.length && j + k >= last.length) break;
    }
    if (skipNext > 0 && (skipLast < 0 || skipNext <= skipLast)) {
      for (let k = 0; k < skipNext; k++) added.push(next[i + k] as InputItem);
      i += skipNext;
    } else if (skipLast > 0) {
      for (let k = 0; k < skipLast; k++) gone.push(last[j + k] as InputItem);
      j += skipLast;
    } else {
      added.push(a);
      gone.push(b);
      i++;
      j++;
    }
  }
  for (; i < next.length; i++) added.push(next[i] as InputItem);
  for (; j < last.length; j++) gone.push(last[j] as InputItem);
  return { added, gone };
}

/**
 * diffItems when the last input's order is not known (it came as changes: replaceChanges): the
 * items whose key maps to another item last time are new; the last items not seen are gone.
 * Undefined when an item is given twice (a document repeated in a file): the full computation
 * reports the duplicate.
 */
function diffByKey(itemByKey: ReadonlyMap<string, InputItem>, next: readonly InputItem[]): { added: InputItem[]; gone: InputItem[] } | undefined {
  const added: InputItem[] = [];
  const seen = new Set<InputItem>();
  for (const item of next) {
    if (seen.has(item)) return undefined;
    seen.add(item);
    if (itemByKey.get(keyOfInput(item.object)) !== item) added.push(item);
  }
  const gone: InputItem[] = [];
  // Items seen that are the last item of their key: all of them means nothing is gone.
  if (seen.size - added.length !== itemByKey.size) for (const item of itemByKey.values()) if (!seen.has(item)) gone.push(item);
  return { added, gone };
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
