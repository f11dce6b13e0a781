/**
 * Finds a condition list inside a previously computed status by its location, so a condition
 * that did not change keeps its lastTransitionTime across translations.
 * Locations: `` (object conditions), `listener:<name>`, `parent:<ref key>`, `ancestor:<ref key>`.
 */
import type { Condition } from '../api/meta.ts';
import { GATEWAY_GROUP } from '../api/kinds.ts';
import type { ParentReference } from '../api/gateway-api.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { CONTROLLER_NAME } from '../translate/types.ts';

/**
 * The last key computed for a ref object: a translation asks for the key of each route's refs
 * several times (attachment, status, previous status), ~100k times at N = 10k, and a ref is
 * read-only data of a stored object or of a previous status.
 */
const refKeys = new WeakMap<object, { readonly defaultNamespace: string; readonly key: string }>();

/** A parentRef with its defaults applied, as a stable string (group/kind/namespace/name/section/port). */
export function parentRefKey(ref: ParentReference, defaultNamespace: string): string {
  const known = refKeys.get(ref);
  if (known?.defaultNamespace === defaultNamespace) return known.key;
  const group = ref.group ?? GATEWAY_GROUP;
  const kind = ref.kind ?? 'Gateway';
  const ns = ref.namespace ?? defaultNamespace;
  const key = `${group}/${kind}/${ns}/${ref.name}/${ref.sectionName ?? ''}/${ref.port ?? ''}`;
  refKeys.set(ref, { defaultNamespace, key });
  return key;
}

function asConditions(v: unknown): Condition[] | undefined {
  return Array.isArray(v) ? (v as Condition[]) : undefined;
}

function isOurs(entry: { controllerName?: unknown }): boolean {
  return entry.controllerName === undefined || entry.controllerName === CONTROLLER_NAME;
}

/** Every condition list of a previous status, by location. */
export function previousConditions(previous: ComputedStatus | undefined): Map<string, Condition[]> {
  const out = new Map<string, Condition[]>();
  if (!previous || typeof previous.status !== 'object' || previous.status === null) return out;
  const st = previous.status as Record<string, unknown>;
  const own = asConditions(st['conditions']);
  if (own) out.set('', own);
  if (Array.isArray(st['listeners'])) {
    for (const l of st['listeners'] as { name?: string; conditions?: unknown }[]) {
      const c = asConditions(l.conditions);
      if (c && typeof l.name === 'string') out.set(`listener:${l.name}`, c);
    }
  }
  for (const [field, prefix, refField] of [['parents', 'parent', 'parentRef'], ['ancestors', 'ancestor', 'ancestorRef']] as const) {
    const list = st[field];
    if (!Array.isArray(list)) continue;
    for (const entry of list as Record<string, unknown>[]) {
      const ref = entry[refField] as ParentReference | undefined;
      const c = asConditions(entry['conditions']);
      if (ref && c && isOurs(entry)) out.set(`${prefix}:${parentRefKey(ref, previous.namespace)}`, c);
    }
  }
  return out;
}
