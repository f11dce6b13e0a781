/** Gateway checks beyond the CRD that concern backend TLS (spec.md 5). */
import type { Reporter } from '../report.ts';
import { isPlainObject } from '../values.ts';

/** Checks a valid, defaulted Gateway: the backend client certificate must be a core Secret. */
export function checkGateway(obj: Record<string, unknown>, r: Reporter): void {
  const spec = obj['spec'];
  const tls = isPlainObject(spec) ? spec['tls'] : undefined;
  const backend = isPlainObject(tls) ? tls['backend'] : undefined;
  const ref = isPlainObject(backend) ? backend['clientCertificateRef'] : undefined;
  if (!isPlainObject(ref)) return;
  const group = typeof ref['group'] === 'string' ? ref['group'] : '';
  const kind = typeof ref['kind'] === 'string' ? ref['kind'] : 'Secret';
  if (group !== '' || kind !== 'Secret') {
    // spec.md 5: an unsupported group or kind is InvalidClientCertificateRef (conformance).
    r.warning(
      'implementation_check',
      ['spec', 'tls', 'backend', 'clientCertificateRef'],
      `client certificate from ${JSON.stringify(group)}/${kind} is not supported: use a Secret (group "") with tls.crt and tls.key`,
      { condition: 'ResolvedRefs=False/InvalidClientCertificateRef' },
    );
  }
}
