/**
 * CA certificate references of a BackendTLSPolicy (spec.md 2.3 caCertificateRefs, 4.5):
 * ConfigMap `ca.crt` (Core) and Secret `ca.crt` (implementation specific, for cert-manager users).
 * Every reference must hold at least one parsable CA certificate; anything else makes the
 * reference invalid with a message that names it and says why.
 */
import { X509Certificate } from 'node:crypto';
import type { ConfigMap, Secret } from '../../api/core.ts';
import type { LocalObjectReference } from '../../api/gateway-api.ts';
import type { Snapshot } from '../../store/snapshot.ts';
import { secretValue } from '../secret-data.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export type CaBundleResult = { readonly ok: true; readonly pems: readonly string[] } | { readonly ok: false; readonly why: string };

/**
 * Results of parseCaBundle by bundle text. Thousands of policies typically share a handful of CA
 * bundles (one per team or cluster), and parsing X.509 was the second cost of translation at 10k
 * policies. The result is a pure function of the text, so a cache cannot change any outcome;
 * it is bounded so a stream of distinct bundles cannot grow it without limit.
 */
const bundleCache = new Map<string, CaBundleResult>();
const BUNDLE_CACHE_MAX = 1024;

/**
 * Parses a PEM bundle: every CERTIFICATE block must parse and be a CA (basicConstraints CA:TRUE).
 * Returns the certificates re-encoded as PEM (Node's encoding), in bundle order.
 */
export function parseCaBundle(text: string): CaBundleResult {
  const cached = bundleCache.get(text);
  if (cached) return cached;
  const result = parseCaBundleUncached(text);
  if (bundleCache.size >= BUNDLE_CACHE_MAX) bundleCache.clear();
  bundleCache.set(text, result);
  return result;
}

function parseCaBundleUncached(text: string): CaBundleResult {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { ok: false, why: 'contains no PEM certificate' };
  const pems: string[] = [];
  for (const [i, block] of blocks.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      return { ok: false, why: `certificate #${i + 1} cannot be parsed` };
    }
    if (!cert.ca) return { ok: false, why: `certificate #${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not a CA certificate` };
    pems.push(cert.toString());
  }
  return { ok: true, pems: Object.freeze(pems) };
}

/** The outcome for one reference. */
export interface CaRefResult {
  /** e.g. `ConfigMap/ns/name` */
  readonly source: string;
  readonly pems?: readonly string[];
  readonly error?: { readonly reason: 'InvalidCACertificateRef' | 'InvalidKind'; readonly message: string };
}

function readRef(snapshot: Snapshot, namespace: string, ref: LocalObjectReference): { text?: string; problem?: string; kindProblem?: string } {
  const group = ref.group ?? '';
  if (group === '' && ref.kind === 'ConfigMap') {
    const cm = snapshot.get<ConfigMap>('ConfigMap', namespace, ref.name)?.object;
    if (!cm) return { problem: 'not found' };
    const text = cm.data?.['ca.crt'] ?? (cm.binaryData?.['ca.crt'] !== undefined ? Buffer.from(cm.binaryData['ca.crt'], 'base64').toString('utf8') : undefined);
    return text === undefined ? { problem: 'has no key "ca.crt"' } : { text };
  }
  if (group === '' && ref.kind === 'Secret') {
    const secret = snapshot.get<Secret>('Secret', namespace, ref.name)?.object;
    if (!secret) return { problem: 'not found' };
    const text = secretValue(secret, 'ca.crt');
    return text === undefined ? { problem: 'has no key "ca.crt"' } : { text };
  }
  return { kindProblem: `unsupported kind "${group ? `${group}/` : ''}${ref.kind}" (supported: ConfigMap, Secret)` };
}

/** Resolves one caCertificateRef in the policy's namespace. */
export function resolveCaRef(snapshot: Snapshot, namespace: string, ref: LocalObjectReference, index: number): CaRefResult {
  const group = ref.group ?? '';
  const source = `${group ? `${group}/` : ''}${ref.kind}/${namespace}/${ref.name}`;
  const label = `caCertificateRefs[${index}] ${source}`;
  const r = readRef(snapshot, namespace, ref);
  if (r.kindProblem) return { source, error: { reason: 'InvalidKind', message: `${label}: ${r.kindProblem}` } };
  if (r.problem) return { source, error: { reason: 'InvalidCACertificateRef', message: `${label} ${r.problem}` } };
  const text = r.text ?? '';
  if (text.trim() === '') return { source, error: { reason: 'InvalidCACertificateRef', message: `${label}: key "ca.crt" is empty` } };
  const bundle = parseCaBundle(text);
  if (!bundle.ok) return { source, error: { reason: 'InvalidCACertificateRef', message: `${label}: "ca.crt" ${bundle.why}` } };
  return { source, pems: bundle.pems };
}
