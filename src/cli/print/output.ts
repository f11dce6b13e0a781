/**
 * Whole-object output: `-o yaml`, `-o json`, `-o name`, with Secret values redacted exactly as the
 * admin API redacts them (admin/redact.ts), so offline and online output match. Redaction is
 * unconditional: the CLI is a reading tool, and a terminal or CI log is no place for key material.
 */
import { stringify } from 'yaml';
import { redactObject, REDACTED } from '../../admin/redact.ts';
import { kindInfo } from '../../api/kinds.ts';
import type { KubeObject } from '../../api/meta.ts';

export { REDACTED };

/** A copy of the object in kubectl's key order (apiVersion, kind, metadata, ..., status) with secrets redacted. */
export function presentable(object: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, status, ...rest } = redactObject(object);
  const out: KubeObject = { apiVersion, kind, metadata, ...rest };
  if (status !== undefined) out.status = status;
  return out;
}

/** `kind.group/name` as kubectl prints it (`service/web`, `backendtlspolicy.gateway.networking.k8s.io/api`). */
export function resourceName(object: KubeObject): string {
  const info = kindInfo(object.kind);
  const kind = info ? (info.group === '' ? info.singular : `${info.singular}.${info.group}`) : object.kind.toLowerCase();
  return `${kind}/${object.metadata.name ?? ''}`;
}

/** Formats one object (single) or a list, as YAML or JSON. */
export function formatObjects(objects: readonly KubeObject[], single: boolean, format: 'yaml' | 'json'): string {
  const value = single && objects[0] !== undefined
    ? presentable(objects[0])
    : { apiVersion: 'v1', kind: 'List', items: objects.map(presentable), metadata: { resourceVersion: '' } };
  if (format === 'json') return `${JSON.stringify(value, null, 4)}\n`;
  return stringify(value, { lineWidth: 0 });
}
