/**
 * BackendTLSPolicy checks beyond the CRD: what the API server accepts but lastmile will report in
 * status (spec.md 2.2, 2.3, 2.8, 3.1, 3.2). Each is a warning carrying the condition it leads to,
 * so `lastmile validate` tells the user before `serve` does.
 */
import { isIP } from 'node:net';
import type { Reporter } from '../report.ts';
import { isPlainObject } from '../values.ts';
import { parseBackendTlsOptions } from './options.ts';

const ACCEPTED_INVALID = 'Accepted=False/Invalid';

/** Checks a valid, defaulted BackendTLSPolicy. */
export function checkBackendTLSPolicy(obj: Record<string, unknown>, r: Reporter): void {
  const spec = obj['spec'];
  if (!isPlainObject(spec)) return;

  const targetRefs = Array.isArray(spec['targetRefs']) ? spec['targetRefs'] : [];
  if (targetRefs.length > 1) {
    // spec.md 2.2: "Implementations SHOULD NOT support more than one targetRef at this time."
    r.warning(
      'implementation_check',
      ['spec', 'targetRefs'],
      `${targetRefs.length} targetRefs: Gateway API advises one target per policy (status cannot tell targets apart); lastmile applies the policy to each target, but prefer one policy per Service`,
    );
  }
  targetRefs.forEach((ref, i) => {
    if (!isPlainObject(ref)) return;
    if (ref['group'] !== '' || ref['kind'] !== 'Service') {
      // spec.md 3.1 TargetNotFound: "attached to an invalid target resource". lastmile secures
      // connections to Services only (Extended support, spec.md 2.2).
      r.warning(
        'implementation_check',
        ['spec', 'targetRefs', i],
        `target ${JSON.stringify(ref['group'])}/${String(ref['kind'])} is not a core Service: lastmile applies BackendTLSPolicy to Services only, so this target is ignored`,
        { condition: 'Accepted=False/TargetNotFound' },
      );
    }
  });

  const validation = spec['validation'];
  if (isPlainObject(validation)) {
    const hostname = validation['hostname'];
    if (typeof hostname === 'string' && isIP(hostname) !== 0) {
      // spec.md 2.3: the type forbids IPs in its doc, but the pattern lets dotted quads through.
      r.warning('implementation_check', ['spec', 'validation', 'hostname'], `${JSON.stringify(hostname)} is an IP address: hostname must be a DNS name (it is sent as SNI, which cannot carry an IP)`, {
        condition: ACCEPTED_INVALID,
      });
    }
    const wellKnown = validation['wellKnownCACertificates'];
    if (typeof wellKnown === 'string' && wellKnown !== '' && wellKnown !== 'System') {
      // spec.md 2.3: an unrecognised value MUST give Accepted=False/Invalid.
      r.warning('implementation_check', ['spec', 'validation', 'wellKnownCACertificates'], `unsupported value ${JSON.stringify(wellKnown)}: lastmile supports "System" (the system trust store)`, {
        condition: ACCEPTED_INVALID,
      });
    }
    const caRefs = Array.isArray(validation['caCertificateRefs']) ? validation['caCertificateRefs'] : [];
    caRefs.forEach((ref, i) => {
      if (!isPlainObject(ref)) return;
      if (ref['group'] !== '' || (ref['kind'] !== 'ConfigMap' && ref['kind'] !== 'Secret')) {
        // spec.md 2.3: an unknown or unsupported kind gives ResolvedRefs=False/InvalidKind.
        r.warning(
          'implementation_check',
          ['spec', 'validation', 'caCertificateRefs', i],
          `CA certificates from ${JSON.stringify(ref['group'])}/${String(ref['kind'])} are not supported: use a ConfigMap (or Secret) in the core group "" with key ca.crt`,
          { condition: 'ResolvedRefs=False/InvalidKind' },
        );
      }
    });
  }

  const options = spec['options'];
  if (isPlainObject(options)) {
    const parsed = parseBackendTlsOptions(options as Record<string, string>);
    for (const p of parsed.problems) {
      r.warning('implementation_check', ['spec', 'options', p.key], p.message, p.kind === 'foreign' ? undefined : { condition: ACCEPTED_INVALID });
    }
  }
}
