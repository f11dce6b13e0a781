/** Where an object (or one of its fields) came from: a file position, or the cluster. */

export interface Origin {
  /** Path of the manifest file as given by the user (relative paths stay relative). */
  readonly file: string;
  /** 1-based line and column of the start of the node. */
  readonly line: number;
  readonly col: number;
}

/** A field path inside an object: keys and list indices, e.g. ['spec', 'targetRefs', 0, 'name']. */
export type FieldPath = readonly (string | number)[];

/** One parsed document of a manifest, before validation. */
export interface SourcedObject {
  /** The parsed value as written (not yet defaulted or validated). */
  readonly object: unknown;
  /** Where the document starts. */
  readonly origin: Origin;
  /**
   * Where a field is written in the source; falls back to the nearest written ancestor
   * (and finally to `origin`) when the field itself is absent, e.g. a missing required key.
   */
  positionOf(path: FieldPath): Origin;
}

/** Formats a field path as Kubernetes does: `spec.targetRefs[0].name`. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}
