/**
 * What the admin API may show. Secrets keep their keys but never their values (nor the
 * last-applied annotation, which holds a copy of them); in the IR dump private keys are never
 * shown and certificates become subject, fingerprint and notAfter.
 */
import type { KubeObject } from '../api/meta.ts';
import type { GatewayIR } from '../ir/types.ts';
import { summarizePem } from '../observability/certificates.ts';

export const REDACTED = '[redacted]';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function redactValues(values: unknown): unknown {
  if (values === null || typeof values !== 'object') return values === undefined ? undefined : REDACTED;
  const out: Record<string, string> = {};
  for (const k of Object.keys(values)) out[k] = REDACTED;
  return out;
}

/** A copy of a Secret with its data and stringData values replaced (keys kept). Other kinds are returned as they are. */
export function redactObject(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  const copy: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  if ('data' in obj) copy.data = redactValues(obj.data);
  if ('stringData' in obj) copy.stringData = redactValues(obj.stringData);
  const ann = obj.metadata.annotations;
  if (ann !== undefined && LAST_APPLIED in ann) copy.metadata.annotations = { ...ann, [LAST_APPLIED]: REDACTED };
  return copy;
}

/** The IR as JSON for /debug/config: private keys redacted, certificates summarized. */
export function redactIr(ir: GatewayIR): unknown {
  return walk(ir);
}

function walk(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(walk);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (/keypem$/i.test(k) || k === 'key') out[k] = REDACTED;
    else if (/(certpem|capem)$/i.test(k) && typeof v === 'string') out[k.replace(/Pem$/, '')] = summarizePem(v).map(({ subject, fingerprint256, notAfter }) => ({ subject, fingerprint256, notAfter }));
    else out[k] = walk(v);
  }
  return out;
}
