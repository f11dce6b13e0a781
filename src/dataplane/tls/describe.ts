/**
 * Human-readable stories of upstream TLS: what the policy wanted and what the backend presented
 * (design.md "Errors to clients": the whole story goes to logs and the admin API). Nothing here
 * ever includes key material.
 */
import type { PeerCertificate } from 'node:tls';
import type { UpstreamTlsProfileIR } from '../../ir/types.ts';

/** The public facts of a backend certificate. */
export interface CertificateSummary {
  readonly subject: string;
  readonly subjectAltName?: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
}

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (name === undefined || name === null) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(name as unknown as Record<string, string | string[]>)) {
    if (Array.isArray(value)) for (const v of value) parts.push(`${key}=${v}`);
    else parts.push(`${key}=${value}`);
  }
  return parts.join(', ');
}

/** Summarizes a peer certificate; undefined when the peer sent none. */
export function summarizeCertificate(cert: PeerCertificate | undefined | null): CertificateSummary | undefined {
  if (cert === undefined || cert === null || cert.valid_to === undefined) return undefined;
  const summary: { -readonly [K in keyof CertificateSummary]: CertificateSummary[K] } = {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
  };
  if (cert.subjectaltname !== undefined) summary.subjectAltName = cert.subjectaltname;
  return summary;
}

/** What a profile asks of a backend, e.g. `policy default/api-tls, SNI api.test, hostname api.test`. */
export function describeWanted(profile: UpstreamTlsProfileIR): string {
  const verify =
    profile.verify.kind === 'hostname'
      ? `hostname ${profile.verify.hostname}`
      : `SANs [${[...profile.verify.dnsNames.map((n) => `DNS:${n}`), ...profile.verify.uris.map((u) => `URI:${u}`)].join(', ')}]`;
  const trust = profile.trust.kind === 'system' ? 'system CAs' : `CAs from ${profile.trust.sources.join(', ') || 'bundle'}`;
  return `policy ${profile.policy.namespace}/${profile.policy.name}, SNI ${profile.sni}, ${verify}, trust ${trust}`;
}

/** `subject CN=a, SANs DNS:a, issuer CN=ca, valid Jan 1 ... to Feb 1 ...` */
export function describeCertificate(cert: CertificateSummary): string {
  return `certificate subject ${cert.subject || '(empty)'}, SANs ${cert.subjectAltName ?? '(none)'}, issuer ${cert.issuer || '(empty)'}, valid ${cert.validFrom} to ${cert.validTo}`;
}

/** The full story of one failed upstream attempt, for logs (never secrets). */
export function describeFailure(input: {
  readonly reason: string;
  readonly endpoint: string;
  readonly backend: string;
  readonly profile?: UpstreamTlsProfileIR;
  readonly peer?: CertificateSummary;
}): string {
  let text = `${input.reason}; backend ${input.backend} endpoint ${input.endpoint}`;
  if (input.profile !== undefined) text += `; ${describeWanted(input.profile)}`;
  if (input.peer !== undefined) text += `; ${describeCertificate(input.peer)}`;
  return text;
}
