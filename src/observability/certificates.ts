/**
 * Public facts about the certificates an IR uses (subject, SHA-256 fingerprint, notAfter), for the
 * expiry gauge and the admin API's config dump. Only certificates are read here: private keys are
 * never parsed, printed or measured.
 */
import { X509Certificate } from 'node:crypto';
import { diffListeners, diffRoutes } from '../dataplane/router/ir-diff.ts';
import type { GatewayIR, ListenerIR, RouteIR, UpstreamTlsProfileIR } from '../ir/types.ts';
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

/** A use with the key that tells uses apart (the same use reached through many routes is one). */
interface KeyedUse extends CertificateUse {
  readonly key: string;
}

function keyed(u: CertificateUse): KeyedUse {
  return { ...u, key: `${u.use}|${u.source}|${u.pem}` };
}

/**
 * The certificates one TLS profile uses, remembered per profile object: thousands of routes
 * share a profile, and the key holds the PEM text (building it per route cost ~20% of an apply
 * at N = 10k).
 */
const profileUses = new WeakMap<UpstreamTlsProfileIR, readonly KeyedUse[]>();
function usesOfProfile(tls: UpstreamTlsProfileIR): readonly KeyedUse[] {
  let uses = profileUses.get(tls);
  if (uses === undefined) {
    const list: KeyedUse[] = [];
    if (tls.trust.kind === 'bundle') list.push(keyed({ use: 'upstream_ca', source: tls.trust.sources.join(',') || `${tls.policy.namespace}/${tls.policy.name}`, pem: tls.trust.caPem }));
    if (tls.clientCertificate) list.push(keyed({ use: 'client', source: tls.clientCertificate.source, pem: tls.clientCertificate.certPem }));
    uses = list;
    profileUses.set(tls, uses);
  }
  return uses;
}

function listenerUses(l: ListenerIR): KeyedUse[] {
  return l.certificates.map((c) => keyed({ use: 'listener', source: c.source, pem: c.certPem }));
}

function* routeUses(r: RouteIR): Generator<KeyedUse> {
  for (const wb of r.backends) {
    const tls = wb.backend.tls;
    if (tls) yield* usesOfProfile(tls);
  }
}

/** Every certificate in the IR: listener certificates, upstream CA bundles, backend client certificates. */
export function certificateUses(ir: GatewayIR): CertificateUse[] {
  const seen = new Set<string>();
  const out: CertificateUse[] = [];
  const add = (u: KeyedUse): void => {
    if (!seen.has(u.key)) {
      seen.add(u.key);
      out.push({ use: u.use, source: u.source, pem: u.pem });
    }
  };
  for (const l of ir.listeners) {
    for (const u of listenerUses(l)) add(u);
    for (const vh of l.virtualHosts) for (const r of vh.routes) for (const u of routeUses(r)) add(u);
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

/** One distinct certificate use in the IR: how many places use it, and its gauge series. */
interface LiveUse {
  count: number;
  readonly series: readonly { readonly labels: readonly [string, string, string]; readonly label: string; readonly value: number }[];
}

/**
 * The expiry gauge kept up to date across IR swaps: uses are reference-counted per route
 * occurrence and listener, adjusted only for what changed (dataplane/router/ir-diff.ts), and a
 * PEM is parsed only when a use first appears. The series equal those `recordCertificateExpiry`
 * would write for the same IR (observability.test.ts checks it over edit sequences).
 */
export class CertificateExpiryRecorder {
  readonly #metrics: GatewayMetrics;
  readonly #uses = new Map<string, LiveUse>();
  /** Per gauge series (labels joined), the values of the uses that write it, latest last. */
  readonly #series = new Map<string, Map<LiveUse, number>>();
  #ir: GatewayIR = { listeners: [] };

  constructor(metrics: GatewayMetrics) {
    this.#metrics = metrics;
  }

  record(ir: GatewayIR): void {
    const prev = this.#ir;
    this.#ir = ir;
    diffListeners(prev, ir, (p, n) => {
      if (p !== undefined) for (const u of listenerUses(p)) this.#remove(u);
      if (n !== undefined) for (const u of listenerUses(n)) this.#add(u);
    });
    diffRoutes(prev, ir, {
      removed: (r) => {
        for (const u of routeUses(r)) this.#remove(u);
      },
      added: (r) => {
        for (const u of routeUses(r)) this.#add(u);
      },
    });
  }

  #add(u: KeyedUse): void {
    const live = this.#uses.get(u.key);
    if (live !== undefined) {
      live.count++;
      return;
    }
    const series = summarizePem(u.pem)
      .filter((s) => s.notAfterSeconds > 0)
      .map((s) => ({ labels: [u.use, u.source, s.subject] as const, label: `${u.use}\u0000${u.source}\u0000${s.subject}`, value: s.notAfterSeconds }));
    const created: LiveUse = { count: 1, series };
    this.#uses.set(u.key, created);
    for (const s of series) {
      let writers = this.#series.get(s.label);
      if (writers === undefined) this.#series.set(s.label, (writers = new Map()));
      writers.set(created, s.value);
      this.#metrics.certificateExpiry.labels(...s.labels).set(s.value);
    }
  }

  #remove(u: KeyedUse): void {
    const live = this.#uses.get(u.key);
    if (live === undefined) return;
    if (--live.count > 0) return;
    this.#uses.delete(u.key);
    for (const s of live.series) {
      const writers = this.#series.get(s.label);
      writers?.delete(live);
      if (writers === undefined || writers.size === 0) {
        this.#series.delete(s.label);
        this.#metrics.certificateExpiry.remove(...s.labels);
      } else {
        // Another use still writes this series: its value stands (the latest one added).
        let value = 0;
        for (const v of writers.values()) value = v;
        this.#metrics.certificateExpiry.labels(...s.labels).set(value);
      }
    }
  }
}
