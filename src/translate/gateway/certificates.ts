/**
 * Certificate references of a Gateway: listener `tls.certificateRefs` (serving certificates) and
 * `spec.tls.backend.clientCertificateRef` (the client certificate presented to backends, spec.md 5).
 */
import type { Secret } from '../../api/core.ts';
import { GATEWAY_GROUP } from '../../api/kinds.ts';
import type { SecretObjectReference } from '../../api/gateway-api.ts';
import type { Snapshot } from '../../store/snapshot.ts';
import { referenceAllowed } from '../reference-grant.ts';
import { readKeyPair } from '../secret-data.ts';

export type CertRefResult =
  | { readonly ok: true; readonly certPem: string; readonly keyPem: string; readonly source: string }
  | { readonly ok: false; readonly notPermitted: boolean; readonly message: string };

/**
 * Resolves a Secret reference made by a Gateway in `gatewayNamespace`. Core support is a Secret
 * of type kubernetes.io/tls; any Secret with `tls.crt` and `tls.key` is accepted (implementation
 * specific), since what matters is that the pair parses and matches.
 */
export function resolveGatewaySecretRef(
  snapshot: Snapshot,
  gatewayNamespace: string,
  ref: SecretObjectReference,
  field: string,
): CertRefResult {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Secret';
  const namespace = ref.namespace ?? gatewayNamespace;
  const label = `${field} ${kind}/${namespace}/${ref.name}`;
  if (group !== '' || kind !== 'Secret') {
    return { ok: false, notPermitted: false, message: `${field}: unsupported group/kind "${group}/${kind}" (only core Secrets are supported)` };
  }
  const allowed = referenceAllowed(
    snapshot,
    { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gatewayNamespace },
    { group: '', kind: 'Secret', namespace, name: ref.name },
  );
  if (!allowed) {
    return { ok: false, notPermitted: true, message: `${label} is in another namespace and no ReferenceGrant in "${namespace}" allows it` };
  }
  const secret = snapshot.get<Secret>('Secret', namespace, ref.name)?.object;
  if (!secret) return { ok: false, notPermitted: false, message: `${label} not found` };
  const pair = readKeyPair(secret);
  if (!pair.ok) return { ok: false, notPermitted: false, message: `${label} ${pair.why}` };
  return { ok: true, certPem: pair.certPem, keyPem: pair.keyPem, source: `Secret/${namespace}/${ref.name}` };
}
