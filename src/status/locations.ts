/**
 * The key of a parentRef (a Route's parent, a policy's ancestor): how a status entry is found
 * again in the previous translation's status (status/reuse.ts), so a condition that did not
 * change keeps its lastTransitionTime across translations.
 */
import { GATEWAY_GROUP } from '../api/kinds.ts';
import type { ParentReference } from '../api/gateway-api.ts';

/**
 * The last key computed for a ref object: a translation asks for the key of each route's refs
 * several times (attachment, status, previous status), ~100k times at N = 10k, and a ref is
 * read-only data of a stored object or of a previous status.
 */
const refKeys = new WeakMap<object, { readonly defaultNamespace: string; readonly key: string }>();

/** A parentRef with its defaults applied, as a stable string (group/kind/namespace/name/section/port). */
export function parentRefKey(ref: ParentReference, defaultNamespace: string): string {
  const known = refKeys.get(ref);
  // A ref naming its namespace has one key whatever the default (ancestor refs always do).
  if (known !== undefined && (known.defaultNamespace === defaultNamespace || ref.namespace !== undefined)) return known.key;
  const group = ref.group ?? GATEWAY_GROUP;
  const kind = ref.kind ?? 'Gateway';
  const ns = ref.namespace ?? defaultNamespace;
  const key = `${group}/${kind}/${ns}/${ref.name}/${ref.sectionName ?? ''}/${ref.port ?? ''}`;
  refKeys.set(ref, { defaultNamespace, key });
  return key;
}
