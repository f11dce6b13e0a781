/**
 * Identity checks for `subjectAltNames` mode (spec.md 2.3 hostname rule 3, 2.4): the certificate
 * must carry at least one SAN matching one listed entry; the policy hostname is not used.
 *
 * Hand-written because Node's `tls.checkServerIdentity` only answers "does this certificate match
 * ONE hostname" (and for URI SANs not at all); here we need "does any listed DNS name or URI match
 * any presented SAN", with the wildcard allowed on either side (spec.md 2.4 quirks).
 */
import { BlockList, isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';

/** The SANs of a certificate, split by type. */
export interface SubjectAltNames {
  readonly dns: readonly string[];
  readonly uris: readonly string[];
  readonly ips: readonly string[];
}

/**
 * Parses Node's `subjectaltname` string (`DNS:a.test, URI:spiffe://x, IP Address:10.0.0.1`).
 * Node JSON-quotes a value that contains a comma or a quote (`URI:"spiffe://a,b"`), so a plain
 * split on ", " would let a crafted URI forge a second entry.
 */
export function parseSubjectAltNames(text: string | undefined): SubjectAltNames {
  const dns: string[] = [];
  const uris: string[] = [];
  const ips: string[] = [];
  if (text === undefined || text === '') return { dns, uris, ips };
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      const quoted = text.slice(j, k + 1);
      try {
        value = JSON.parse(quoted) as string;
      } catch {
        value = quoted.slice(1, -1);
      }
      j = k + 1;
    } else {
      const end = text.indexOf(', ', j);
      const stop = end < 0 ? text.length : end;
      value = text.slice(j, stop);
      j = stop;
    }
    if (type === 'DNS') dns.push(value);
    else if (type === 'URI') uris.push(value);
    else if (type === 'IP Address') ips.push(value);
    i = text.startsWith(', ', j) ? j + 2 : text.length > j ? j + 1 : j;
  }
  return { dns, uris, ips };
}

function normalize(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * RFC 6125 6.4.3: `*.` stands for exactly one whole left-most label, and never for a label of a
 * public suffix of fewer than two labels (`*.com` matches nothing).
 */
function wildcardMatches(pattern: string, name: string): boolean {
  const suffix = pattern.slice(1); // ".example.com"
  if (suffix.indexOf('.', 1) < 0) return false;
  if (name.length <= suffix.length || !name.endsWith(suffix)) return false;
  const label = name.slice(0, name.length - suffix.length);
  return !label.includes('.') && !label.includes('*');
}

/**
 * Whether a listed Hostname SAN matches a DNS name presented by the certificate. A `*.` wildcard
 * may be in either; two wildcards match only when equal.
 */
export function dnsNameMatches(listed: string, presented: string): boolean {
  const a = normalize(listed);
  const b = normalize(presented);
  if (a === '' || b === '') return false;
  if (a === b) return true;
  const aWild = a.startsWith('*.');
  const bWild = b.startsWith('*.');
  if (aWild && bWild) return false;
  if (bWild) return isIP(a) === 0 && wildcardMatches(b, a);
  if (aWild) return isIP(b) === 0 && wildcardMatches(a, b);
  return false;
}

function ipMatches(listed: string, presented: readonly string[]): boolean {
  const family = isIP(listed);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // BlockList compares addresses, not spellings (`::1` equals `0:0:0:0:0:0:0:1`).
  const list = new BlockList();
  list.addAddress(listed, type);
  return presented.some((ip) => isIP(ip) === family && list.check(ip, type));
}

/** The error `checkServerIdentity` returns; the code matches Node's so both modes classify alike. */
export class SanMismatchError extends Error {
  readonly code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  readonly reason: string;
  readonly cert: PeerCertificate;
  constructor(reason: string, cert: PeerCertificate) {
    super(`certificate SANs do not match the policy: ${reason}`);
    this.name = 'SanMismatchError';
    this.reason = reason;
    this.cert = cert;
  }
}

/**
 * Accepts the certificate iff a DNS SAN matches a listed Hostname SAN (RFC 6125 rules; an IP-shaped
 * listed name matches an IP SAN) or a URI SAN equals a listed URI exactly (spec.md 2.4 quirks).
 * Returns undefined when accepted, the error otherwise (the `checkServerIdentity` contract).
 */
export function checkSubjectAltNames(
  wanted: { readonly dnsNames: readonly string[]; readonly uris: readonly string[] },
  cert: PeerCertificate,
): Error | undefined {
  const presented = parseSubjectAltNames(cert.subjectaltname);
  for (const listed of wanted.dnsNames) {
    if (presented.dns.some((name) => dnsNameMatches(listed, name))) return undefined;
    if (ipMatches(listed, presented.ips)) return undefined;
  }
  for (const listed of wanted.uris) {
    if (presented.uris.includes(listed)) return undefined;
  }
  const want = [...wanted.dnsNames.map((n) => `DNS:${n}`), ...wanted.uris.map((u) => `URI:${u}`)].join(', ');
  return new SanMismatchError(`wanted one of [${want}], certificate has [${cert.subjectaltname ?? ''}]`, cert);
}
