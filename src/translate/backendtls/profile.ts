/**
 * The upstream TLS profile a valid policy gives a backend (spec.md 4.4–4.6, 5): SNI = hostname,
 * trust, what to verify, the Gateway's client certificate, ALPN and options; `id` is a content
 * hash so equal profiles share upstream pools and a changed CA gets new connections.
 */
import { createHash } from 'node:crypto';
import type { UpstreamTlsProfileIR } from '../../ir/types.ts';
import type { PolicyModel } from './policies.ts';

/** JSON with object keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 over the canonical JSON of every field but `id`. */
export function profileId(profile: Omit<UpstreamTlsProfileIR, 'id'>): string {
  return createHash('sha256').update(canonicalJson(profile)).digest('hex');
}

interface CachedProfile {
  readonly trust: UpstreamTlsProfileIR['trust'];
  readonly protocol: string;
  readonly clientCertificate: UpstreamTlsProfileIR['clientCertificate'];
  readonly profile: UpstreamTlsProfileIR;
}

/**
 * Profiles already built for a policy model, by (trust, protocol, client certificate) identity.
 * Every backendRef reaching a policy's Service asked for the same profile again, and hashing
 * its canonical JSON (CA bundle included) was the largest cost of translation at 10k policies
 * (BENCHMARKS.md). The inputs are immutable values, so equal identities give an equal profile;
 * sharing one frozen object between backends changes no output. Keyed weakly by the model, so
 * the cache lives exactly as long as the translation (or Translator memo) that built the model.
 */
const profiles = new WeakMap<PolicyModel, CachedProfile[]>();

/**
 * Builds the profile of a usable policy (the caller checked `unusableReason`).
 * SANs set: only they authenticate the backend (spec.md 2.3 hostname rule 3); else the hostname.
 */
export function buildProfile(
  policy: PolicyModel,
  trust: UpstreamTlsProfileIR['trust'],
  protocol: 'http1' | 'h2' | 'h2c',
  clientCertificate: UpstreamTlsProfileIR['clientCertificate'],
): UpstreamTlsProfileIR {
  let list = profiles.get(policy);
  if (!list) profiles.set(policy, (list = []));
  const hit = list.find((c) => c.trust === trust && c.protocol === protocol && c.clientCertificate === clientCertificate);
  if (hit) return hit.profile;
  const profile = buildProfileUncached(policy, trust, protocol, clientCertificate);
  list.push({ trust, protocol, clientCertificate, profile });
  return profile;
}

function buildProfileUncached(
  policy: PolicyModel,
  trust: UpstreamTlsProfileIR['trust'],
  protocol: 'http1' | 'h2' | 'h2c',
  clientCertificate: UpstreamTlsProfileIR['clientCertificate'],
): UpstreamTlsProfileIR {
  const v = policy.policy.spec.validation;
  const sans = v.subjectAltNames ?? [];
  const verify: UpstreamTlsProfileIR['verify'] =
    sans.length > 0
      ? {
          kind: 'subjectAltNames',
          dnsNames: sans.filter((s) => s.type === 'Hostname' && s.hostname).map((s) => s.hostname ?? ''),
          uris: sans.filter((s) => s.type === 'URI' && s.uri).map((s) => s.uri ?? ''),
        }
      : { kind: 'hostname', hostname: v.hostname };
  const o = policy.options.options;
  const body: Omit<UpstreamTlsProfileIR, 'id'> = {
    policy: { namespace: policy.namespace, name: policy.name },
    sni: v.hostname,
    trust,
    verify,
    ...(clientCertificate ? { clientCertificate } : {}),
    // h2c is cleartext HTTP/2: over TLS it becomes h2.
    alpn: protocol === 'http1' ? ['http/1.1'] : ['h2'],
    ...(o.minVersion ? { minVersion: o.minVersion } : {}),
    ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
    ...(o.ciphers ? { ciphers: o.ciphers } : {}),
    ...(o.ecdhCurves ? { ecdhCurves: o.ecdhCurves } : {}),
  };
  return { id: profileId(body), ...body };
}
