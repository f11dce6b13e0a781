/**
 * One line per demo request: what the gateway answered and why, built only from what the gateway
 * and the backend reported (the response, its `x-lastmile-error` code, the admin API's IR and
 * recent handshakes, the backend's own JSON). Pure: the demo gathers the evidence (evidence.ts),
 * this formats it, and never invents a reason the evidence does not carry.
 */
import type { HandshakeRecord } from '../observability/handshakes.ts';
import type { BackendAnswer } from './backends.ts';

/** What the gateway's IR says about the TLS it originates to one backend (from `/debug/config`). */
export interface ProfileFacts {
  /** `namespace/name` of the BackendTLSPolicy. */
  readonly policy: string;
  readonly sni: string;
  readonly verify:
    | { readonly kind: 'hostname'; readonly hostname: string }
    | { readonly kind: 'subjectAltNames'; readonly dnsNames: readonly string[]; readonly uris: readonly string[] };
  readonly trust: { readonly kind: 'bundle'; readonly sources: readonly string[] } | { readonly kind: 'system' };
  /** Where the client certificate comes from, e.g. `Secret/demo/gateway-client`. */
  readonly clientCertificate?: string;
}

/** Everything known about one demo request. */
export interface VerdictEvidence {
  readonly path: string;
  /** HTTP status the gateway answered (0 when no answer came). */
  readonly status: number;
  /** The response's `x-lastmile-error` code. */
  readonly code?: string;
  /** The backend's JSON, when the backend answered. */
  readonly answer?: BackendAnswer;
  /** The TLS profile of the backend the route points at. */
  readonly profile?: ProfileFacts;
  /** Why the gateway considers the backend unusable (IR `unusable.message`), e.g. an invalid policy. */
  readonly unusable?: string;
  /** The gateway's latest handshake record for that backend. */
  readonly handshake?: HandshakeRecord;
  /** The request itself failed (no HTTP answer). */
  readonly requestError?: string;
}

/** `TLSv1.3` -> `TLS 1.3` */
export function tlsName(version: string | null | undefined): string {
  if (version === null || version === undefined || version === '') return 'TLS';
  const m = /^TLSv(\d(?:\.\d)?)$/.exec(version);
  return m === null ? version : `TLS ${m[1] ?? ''}`;
}

/** The CN of a distinguished name (`CN=x, O=y` -> `x`), or the whole name when it has none. */
export function commonName(dn: string): string {
  for (const part of dn.split(/,\s*|\n/)) {
    if (part.startsWith('CN=')) return part.slice(3);
  }
  return dn === '' ? '(empty subject)' : dn;
}

/** The names a certificate is for: its DNS and URI SANs, else the subject CN. */
export function certificateNames(peer: { readonly subject: string; readonly subjectAltName?: string }): string {
  const sans = (peer.subjectAltName ?? '')
    .split(/,\s*/)
    .map((s) => /^(?:DNS|URI|IP Address):(.+)$/.exec(s.trim())?.[1])
    .filter((s): s is string => s !== undefined);
  return sans.length > 0 ? sans.join(', ') : commonName(peer.subject);
}

/** `ConfigMap/demo/demo-ca` -> `ConfigMap demo/demo-ca` */
function sourceName(source: string): string {
  const i = source.indexOf('/');
  return i < 0 ? source : `${source.slice(0, i)} ${source.slice(i + 1)}`;
}

function trustText(profile: ProfileFacts): string {
  return profile.trust.kind === 'system' ? 'the system trust store' : profile.trust.sources.map(sourceName).join(', ') || 'the policy CA bundle';
}

function wantedIdentity(profile: ProfileFacts): string {
  return profile.verify.kind === 'hostname' ? profile.verify.hostname : [...profile.verify.dnsNames, ...profile.verify.uris].join(' or ');
}

function success(e: VerdictEvidence, answer: BackendAnswer): string {
  const profile = e.profile;
  if (profile === undefined) return `${e.status} from backend ${answer.backend} (no TLS profile found for it in the gateway's config)`;
  const hs = e.handshake?.outcome === 'ok' ? e.handshake : undefined;
  const verifier = hs?.peerCertificate !== undefined ? `${commonName(hs.peerCertificate.issuer)} (${trustText(profile)})` : trustText(profile);
  let text = `${tlsName(answer.tls)} to ${wantedIdentity(profile)} (SNI ${answer.sni ?? 'none'}), certificate verified by ${verifier}`;
  if (answer.clientCertificate !== null) {
    const from = profile.clientCertificate === undefined ? '' : ` (${sourceName(profile.clientCertificate)})`;
    text += `; client certificate ${answer.clientCertificate}${from} presented`;
  }
  return text;
}

function failure(code: string, e: VerdictEvidence): string {
  if (e.unusable !== undefined) return `${code}: ${e.unusable}`;
  // Only a failed handshake with the same code explains this answer.
  const hs = e.handshake?.outcome === 'failed' && e.handshake.reason === code ? e.handshake : undefined;
  const peer = hs?.peerCertificate;
  const profile = e.profile;
  if (peer !== undefined && profile !== undefined) {
    switch (code) {
      case 'upstream_tls_hostname_mismatch':
      case 'upstream_tls_san_mismatch':
        return `${code}: certificate is for ${certificateNames(peer)}, policy wants ${wantedIdentity(profile)}`;
      case 'upstream_tls_unknown_authority':
        return `${code}: certificate issued by ${commonName(peer.issuer)}, not trusted by policy ${profile.policy}`;
      case 'upstream_tls_certificate_expired':
        return `${code}: certificate for ${certificateNames(peer)} expired ${peer.validTo}`;
      default:
        break;
    }
  }
  if (hs?.detail !== undefined) return `${code}: ${hs.detail}`;
  return code;
}

/** Why the gateway answered as it did, in one line (without status and path). */
export function explain(e: VerdictEvidence): string {
  if (e.requestError !== undefined) return `no answer: ${e.requestError}`;
  if (e.code !== undefined) return failure(e.code, e);
  if (e.answer !== undefined) return success(e, e.answer);
  return `answered ${e.status} without a lastmile error code`;
}

/** `200  /good         TLS 1.3 to backend.demo (SNI backend.demo), ...` */
export function formatVerdict(e: VerdictEvidence, pathWidth = 13): string {
  const status = e.requestError !== undefined ? '---' : String(e.status);
  return `${status}  ${e.path.padEnd(pathWidth)} ${explain(e)}`;
}
