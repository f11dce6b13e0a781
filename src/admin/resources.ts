/**
 * Kubernetes-style reads of the objects lastmile serves, merged with the status lastmile computed
 * (design.md "Admin API"): the URL shapes of the Kubernetes API server, so `kubectl get --raw`
 * habits and lastmile's own `get --server` work the same.
 *
 *   /api/v1/namespaces/{ns}/{plural}[/{name}]          core group, namespaced
 *   /api/v1/{plural}                                   core group, all namespaces
 *   /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}]
 *   /apis/{group}/{version}/{plural}[/{name}]          cluster-scoped, or all namespaces (list)
 */
import { KINDS, type KindInfo } from '../api/kinds.ts';
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../api/meta.ts';
import type { StoredObject, Snapshot } from '../store/snapshot.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { redactObject } from './redact.ts';

export interface ResourceQuery {
  readonly info: KindInfo;
  readonly version: string;
  /** undefined: all namespaces (or cluster-scoped). */
  readonly namespace: string | undefined;
  /** undefined: a list. */
  readonly name: string | undefined;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Parses an API path; undefined when it is not one of the shapes above or names no known resource. */
export function parseResourcePath(pathname: string): ResourceQuery | { readonly notFound: string } | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length < 1 || rest.length > 2) return undefined;
  const plural = rest[0] ?? '';
  const name = rest[1];
  const info = KINDS.find((k) => k.plural === plural && k.group === group && k.versions.includes(version));
  if (info === undefined) return { notFound: 'the server could not find the requested resource' };
  // A namespaced kind read by name needs its namespace; a cluster-scoped one has none.
  if (info.namespaced && namespace === undefined && name !== undefined) return { notFound: 'the server could not find the requested resource' };
  if (!info.namespaced && namespace !== undefined) return { notFound: 'the server could not find the requested resource' };
  return { info, version, namespace, name };
}

function apiVersion(info: KindInfo, version: string): string {
  return info.group === '' ? version : `${info.group}/${version}`;
}

/** The object as served: the requested apiVersion, Secrets redacted, lastmile's computed status. */
export function present(stored: StoredObject, info: KindInfo, version: string, statuses: ReadonlyMap<string, ComputedStatus>): KubeObject {
  const o = redactObject(stored.object);
  const computed = statuses.get(objectKey(o.kind, info.namespaced ? o.metadata.namespace : '', o.metadata.name ?? ''))
    ?? statuses.get(objectKey(o.kind, o.metadata.namespace, o.metadata.name ?? ''));
  const { status, ...rest } = o;
  const merged: KubeObject = { ...rest, apiVersion: apiVersion(info, version) };
  const finalStatus = computed?.status ?? status;
  if (finalStatus !== undefined) merged.status = finalStatus;
  return merged;
}

/** A Kubernetes Status object for errors. */
export function statusObject(code: number, reason: string, message: string, details?: Record<string, unknown>): unknown {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** Answers a resource read against a snapshot and the computed statuses. */
export function readResources(q: ResourceQuery, snapshot: Snapshot | undefined, statuses: ReadonlyMap<string, ComputedStatus>): ApiAnswer {
  const all = snapshot?.list(q.info.kind) ?? [];
  const qualified = q.info.group === '' ? q.info.plural : `${q.info.plural}.${q.info.group}`;
  if (q.name !== undefined) {
    const stored = all.find((s) => s.object.metadata.name === q.name && (!q.info.namespaced || s.object.metadata.namespace === q.namespace));
    if (stored === undefined) {
      return {
        status: 404,
        body: statusObject(404, 'NotFound', `${qualified} "${q.name}" not found`, { name: q.name, ...(q.info.group ? { group: q.info.group } : {}), kind: q.info.plural }),
      };
    }
    return { status: 200, body: present(stored, q.info, q.version, statuses) };
  }
  const items = all.filter((s) => q.namespace === undefined || s.object.metadata.namespace === q.namespace).map((s) => present(s, q.info, q.version, statuses));
  return {
    status: 200,
    body: { kind: `${q.info.kind}List`, apiVersion: apiVersion(q.info, q.version), metadata: { resourceVersion: String(snapshot?.version ?? 0) }, items },
  };
}
