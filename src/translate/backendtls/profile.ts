/**
 * The upstream TLS profile a valid policy gives a backend (spec.md 4.4–4.6, 5): SNI = hostname,
 * trust, what to verify, the Gateway's client certificate, ALPN and options; `id` is a content
 * hash so equal profiles share upstream pools and a changed CA gets new connections.
 */
import { hash } from 'node:crypto';
import type { UpstreamTlsProfileIR } from '../../ir/types.ts';
import type { PolicyModel } from './policies.ts';
import { sortSmall } from '../order.ts';

/**
 * JSON with object keys sorted at every level: the same content always hashes the same.
 * Written with loops and string appends rather than entries/filter/sort/map/join: one profile
 * per policy is hashed, and at 10k policies the array-building version cost ~120 ms of a full
 * translation (BENCHMARKS.md "Control plane"). The output is the same, byte for byte: keys in
 * UTF-16 code unit order (Array.prototype.sort's default), undefined properties left out.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // As Array.prototype.join: an item with no JSON form (undefined) is written as nothing.
      out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = sortSmall(Object.keys(record));
    let out = '{';
    let first = true;
    for (const key of keys) {
      const v = record[key];
      if (v === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

/**
 * Canonical JSON of trust objects, by identity, as UTF-8 bytes: policies.ts shares one trust
 * object between the policies naming the same CA sources (and across snapshots while the CA
 * objects are the same), and its CA bundle (kilobytes of PEM) is the bulk of a profile's JSON.
 * Fed to the hash as bytes: appending it to each profile's text made V8 copy kilobytes per
 * profile into a flat string (~25 MB of garbage a translation at N = 10k; BENCHMARKS.md
 * "Control plane"). Trust objects are not changed once built (the IR is immutable).
 */
const trustJson = new WeakMap<object, Buffer>();

/** sha256 over the canonical JSON of every field but `id`. */
export function profileId(profile: Omit<UpstreamTlsProfileIR, 'id'>): string {
  let trust = trustJson.get(profile.trust);
  if (trust === undefined) trustJson.set(profile.trust, (trust = Buffer.from(canonicalJson(profile.trust))));
  // The same bytes as canonicalJson(profile): keys in order, `trust` from the memo.
  const record = profile as unknown as Record<string, unknown>;
  let head: string | undefined;
  let out = '{';
  let first = true;
  for (const key of sortSmall(Object.keys(record))) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key === 'trust') {
      head = out;
      out = '';
    } else {
      out += canonicalJson(v);
    }
  }
  out += '}';
  return head === undefined ? hash('sha256', out, 'hex') : hashParts(head, trust, out);
}

/**
 * Where hashParts lays out its input: reused, so hashing a profile makes no garbage. One
 * `crypto.hash` call instead of a Hash object and three calls into C++ per profile: 10k profiles
 * are hashed by the first translation at N = 10k (BENCHMARKS.md "Control plane").
 */
let scratch = Buffer.allocUnsafe(16 * 1024);

/** sha256 (hex) of `head`, then `middle`, then `tail`, as one input. */
function hashParts(head: string, middle: Buffer, tail: string): string {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  const most = 3 * (head.length + tail.length) + middle.length;
  if (most > scratch.length) scratch = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length));
  let at = scratch.write(head, 0, 'utf8');
  at += middle.copy(scratch, at);
  at += scratch.write(tail, at, 'utf8');
  return hash('sha256', scratch.subarray(0, at), 'hex');
}

interface CachedProfile {
  readonly trust: UpstreamTlsProfileIR['trust'];
  readonly protocol: string;
  readonly clientCertificate: UpstreamTlsProfileIR['clientCertificate'];
  readonly profile: UpstreamTlsProfileIR;
}

/**
 * Profiles already built for a policy, by (trust, protocol, client certificate) identity.
 * Every backendRef reaching a policy's Service asked for the same profile again, and hashing
 * its canonical JSON (CA bundle included) was the largest cost of translation at 10k policies
 * (BENCHMARKS.md). A profile is a pure function of the policy object (its spec, namespace and
 * name; the options parsed from it) and of those three immutable values, so equal identities
 * give an equal profile, and sharing one frozen object between backends, and between
 * translations, changes no output. Keyed weakly by the stored policy object (one version of the
 * policy: store/metadata.ts freezes it), so a full translation after any edit reuses the
 * profiles of every policy whose object and trust did not change.
 */
const profiles = new WeakMap<object, CachedProfile[]>();
/** Variants remembered per policy object (Gateways with distinct client certificates, protocols). */
const MAX_PROFILES_PER_POLICY = 16;

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
  let list = profiles.get(policy.policy);
  if (!list) profiles.set(policy.policy, (list = []));
  for (const c of list) {
    if (c.trust === trust && c.protocol === protocol && c.clientCertificate === clientCertificate) return c.profile;
  }
  const profile = buildProfileUncached(policy, trust, protocol, clientCertificate);
  if (list.length >= MAX_PROFILES_PER_POLICY) list.length = 0;
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
