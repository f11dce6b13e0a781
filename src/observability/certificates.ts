/**
 * Public facts about the certificates an IR uses (subject, SHA-256 fingerprint, notAfter), for the
 * expiry gauge and the admin API's config dump. Only certificates are read here: private keys are
 * never parsed, printed or measured.
 */
import { X509Certificate } from 'node:crypto';
import type { GatewayIR } from '../ir/types.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface CertificateSummary {
  readonly subject: string;
  readonly fingerprint256: string;
  readonly notAfter: string;
  /** notAfter in seconds since the epoch. */
  readonly notAfterSeconds: number;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Summaries of every certificate in a PEM bundle; blocks that do not parse are reported as such. */
export function summarizePem(pem: string): CertificateSummary[] {
  const out: CertificateSummary[] = [];
  for (const block of pem.match(PEM_BLOCK) ?? []) {
    try {
      const cert = new X509Certificate(block);
      out.push({
        subject: cert.subject.replace(/\n/g, ', '),
        fingerprint256: cert.fingerprint256,
        notAfter: new Date(cert.validTo).toISOString(),
        notAfterSeconds: Math.floor(Date.parse(cert.validTo) / 1000),
      });
    } catch {
      out.push({ subject: '(unparseable certificate)', fingerprint256: '', notAfter: '', notAfterSeconds: 0 });
    }
  }
  return out;
}

/** A certificate the IR uses, with where it comes from. */
export interface CertificateUse {
  readonly use: 'listener' | 'upstream_ca' | 'client';
  readonly source: string;
  readonly pem: string;
}

/** Every certificate in the IR: listener certificates, upstream CA bundles, backend client certificates. */
export function certificateUses(ir: GatewayIR): CertificateUse[] {
  const seen = new Set<string>();
  const out: CertificateUse[] = [];
  const add = (u: CertificateUse): void => {
    const key = `${u.use}|${u.source}|${u.pem}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(u);
    }
  };
  for (const l of ir.listeners) {
    for (const c of l.certificates) add({ use: 'listener', source: c.source, pem: c.certPem });
    for (const vh of l.virtualHosts) {
      for (const r of vh.routes) {
        for (const wb of r.backends) {
          const tls = wb.backend.tls;
          if (!tls) continue;
          if (tls.trust.kind === 'bundle') add({ use: 'upstream_ca', source: tls.trust.sources.join(',') || `${tls.policy.namespace}/${tls.policy.name}`, pem: tls.trust.caPem });
          if (tls.clientCertificate) add({ use: 'client', source: tls.clientCertificate.source, pem: tls.clientCertificate.certPem });
        }
      }
    }
  }
  return out;
}

/** Replaces the expiry gauge's series with the certificates of this IR. */
export function recordCertificateExpiry(metrics: GatewayMetrics, ir: GatewayIR): void {
  metrics.certificateExpiry.reset();
  for (const u of certificateUses(ir)) {
    for (const s of summarizePem(u.pem)) {
      if (s.notAfterSeconds > 0) metrics.certificateExpiry.labels(u.use, u.source, s.subject).set(s.notAfterSeconds);
    }
  }
}
