/**
 * lastmile's BackendTLSPolicy `options` keys (spec.md 2.8: implementation keys MUST be
 * domain-prefixed; un-prefixed keys are reserved for Gateway API, which defines none yet).
 * One parser serves validation (to warn) and translation (to build the upstream TLS profile), so
 * both always agree on what a value means.
 */
import { getCiphers } from 'node:tls';
import { getCurves } from 'node:crypto';

export const OPTION_PREFIX = 'lastmile.dev/';

export const OptionKeys = {
  minTlsVersion: 'lastmile.dev/min-tls-version',
  maxTlsVersion: 'lastmile.dev/max-tls-version',
  cipherSuites: 'lastmile.dev/cipher-suites',
  ecdhCurves: 'lastmile.dev/ecdh-curves',
} as const;

const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.values(OptionKeys));
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

/** Extra group names OpenSSL accepts beyond getCurves()' list (aliases and hybrid key exchange). */
const EXTRA_CURVES = ['X25519', 'X448', 'P-256', 'P-384', 'P-521', 'X25519MLKEM768', 'SecP256r1MLKEM768', 'SecP384r1MLKEM1024'];

let cipherNames: ReadonlySet<string> | undefined;
let curveNames: ReadonlySet<string> | undefined;

function knownCiphers(): ReadonlySet<string> {
  cipherNames ??= new Set(getCiphers().map((c) => c.toLowerCase()));
  return cipherNames;
}

function knownCurves(): ReadonlySet<string> {
  curveNames ??= new Set([...getCurves(), ...EXTRA_CURVES].map((c) => c.toLowerCase()));
  return curveNames;
}

export interface OptionProblem {
  readonly key: string;
  /** `unknown`: a key lastmile does not read; `invalid`: a known key with a bad value. */
  readonly kind: 'reserved' | 'unknown' | 'invalid' | 'foreign';
  readonly message: string;
}

export interface BackendTlsOptions {
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  /** Colon-separated OpenSSL cipher names, as node:tls `ciphers` takes them. */
  readonly ciphers?: string;
  /** Colon-separated group names, as node:tls `ecdhCurve` takes them. */
  readonly ecdhCurves?: string;
  readonly problems: readonly OptionProblem[];
}

/** Splits a list written with commas or colons (both are common in TLS configuration). */
function splitList(v: string): string[] {
  return v
    .split(/[,:]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Reads the options map. Problems of kind `reserved`, `unknown` and `invalid` make the policy
 * unusable (Accepted=False/Invalid): ignoring a setting the user asked for could silently weaken
 * TLS. Keys of other domains (`foreign`) are for other implementations and only noted.
 */
export function parseBackendTlsOptions(options: Readonly<Record<string, string>> | undefined): BackendTlsOptions {
  const problems: OptionProblem[] = [];
  const out: { minVersion?: TlsVersion; maxVersion?: TlsVersion; ciphers?: string; ecdhCurves?: string } = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!key.includes('/')) {
      problems.push({
        key,
        kind: 'reserved',
        message: `option "${key}" is not domain-prefixed: un-prefixed keys are reserved for Gateway API, which defines none; lastmile's keys start with "${OPTION_PREFIX}"`,
      });
      continue;
    }
    if (!key.startsWith(OPTION_PREFIX)) {
      problems.push({ key, kind: 'foreign', message: `option "${key}" belongs to another implementation and is ignored by lastmile` });
      continue;
    }
    if (!KNOWN_KEYS.has(key)) {
      problems.push({ key, kind: 'unknown', message: `unknown option "${key}"; lastmile reads ${[...KNOWN_KEYS].map((k) => `"${k}"`).join(', ')}` });
      continue;
    }
    if (key === OptionKeys.minTlsVersion || key === OptionKeys.maxTlsVersion) {
      if (!(TLS_VERSIONS as readonly string[]).includes(value)) {
        problems.push({ key, kind: 'invalid', message: `option "${key}": unsupported value ${JSON.stringify(value)}: supported values: "TLSv1.2", "TLSv1.3"` });
      } else if (key === OptionKeys.minTlsVersion) out.minVersion = value as TlsVersion;
      else out.maxVersion = value as TlsVersion;
    } else if (key === OptionKeys.cipherSuites) {
      const names = splitList(value);
      const bad = names.filter((n) => !knownCiphers().has(n.toLowerCase()));
      if (names.length === 0 || bad.length > 0) {
        problems.push({
          key,
          kind: 'invalid',
          message: `option "${key}": ${names.length === 0 ? 'empty list' : `unknown cipher ${bad.map((b) => JSON.stringify(b)).join(', ')}`} (list OpenSSL cipher names separated by ":" or ",", e.g. "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256")`,
        });
      } else out.ciphers = names.join(':');
    } else if (key === OptionKeys.ecdhCurves) {
      const names = splitList(value);
      const bad = names.filter((n) => !knownCurves().has(n.toLowerCase()));
      if (names.length === 0 || bad.length > 0) {
        problems.push({
          key,
          kind: 'invalid',
          message: `option "${key}": ${names.length === 0 ? 'empty list' : `unknown curve ${bad.map((b) => JSON.stringify(b)).join(', ')}`} (list groups separated by ":" or ",", e.g. "X25519:P-256")`,
        });
      } else out.ecdhCurves = names.join(':');
    }
  }
  if (out.minVersion === 'TLSv1.3' && out.maxVersion === 'TLSv1.2') {
    problems.push({ key: OptionKeys.maxTlsVersion, kind: 'invalid', message: `option "${OptionKeys.maxTlsVersion}" (TLSv1.2) is below "${OptionKeys.minTlsVersion}" (TLSv1.3)` });
  }
  return { ...out, problems };
}
