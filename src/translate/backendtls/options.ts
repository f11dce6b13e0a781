/**
 * BackendTLSPolicy `spec.options` (spec.md 2.8): lastmile reads its own `lastmile.dev/` keys and
 * ignores keys of other prefixes (reported in the Accepted message). An unknown `lastmile.dev/`
 * key or a bad value makes the policy invalid: we fail closed rather than guess what was meant.
 */
import { createSecureContext } from 'node:tls';

export const OPTION_PREFIX = 'lastmile.dev/';
export const OptionKeys = {
  minTlsVersion: 'lastmile.dev/min-tls-version',
  maxTlsVersion: 'lastmile.dev/max-tls-version',
  cipherSuites: 'lastmile.dev/cipher-suites',
  ecdhCurves: 'lastmile.dev/ecdh-curves',
} as const;

type TlsVersion = 'TLSv1.2' | 'TLSv1.3';
const VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];

export interface TlsOptions {
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  readonly ciphers?: string;
  readonly ecdhCurves?: string;
}

export interface OptionsResult {
  readonly options: TlsOptions;
  /** Keys outside `lastmile.dev/`, sorted. */
  readonly ignored: readonly string[];
  /** Problems that make the policy invalid. */
  readonly errors: readonly string[];
}

function isVersion(v: string): v is TlsVersion {
  return (VERSIONS as readonly string[]).includes(v);
}

/**
 * Checks a cipher list or curve list the way the data plane will use it: OpenSSL through
 * node:tls (no I/O; a secure context is only built, never used).
 */
function acceptedByOpenSsl(options: { ciphers?: string; ecdhCurve?: string }): boolean {
  try {
    createSecureContext(options);
    return true;
  } catch {
    return false;
  }
}

export function parseOptions(raw: Readonly<Record<string, string>> | undefined): OptionsResult {
  const options: { -readonly [K in keyof TlsOptions]: TlsOptions[K] } = {};
  const ignored: string[] = [];
  const errors: string[] = [];
  for (const key of Object.keys(raw ?? {}).sort()) {
    const value = raw?.[key] ?? '';
    if (!key.startsWith(OPTION_PREFIX)) {
      ignored.push(key);
      continue;
    }
    switch (key) {
      case OptionKeys.minTlsVersion:
      case OptionKeys.maxTlsVersion:
        if (!isVersion(value)) errors.push(`option ${key}: "${value}" is not one of ${VERSIONS.join(', ')}`);
        else if (key === OptionKeys.minTlsVersion) options.minVersion = value;
        else options.maxVersion = value;
        break;
      case OptionKeys.cipherSuites:
        if (value.trim() === '' || !acceptedByOpenSsl({ ciphers: value })) errors.push(`option ${key}: "${value}" is not a cipher list OpenSSL accepts`);
        else options.ciphers = value;
        break;
      case OptionKeys.ecdhCurves:
        if (value.trim() === '' || !acceptedByOpenSsl({ ecdhCurve: value })) errors.push(`option ${key}: "${value}" is not a curve list OpenSSL accepts`);
        else options.ecdhCurves = value;
        break;
      default:
        errors.push(`option ${key} is not a known ${OPTION_PREFIX} option (known: ${Object.values(OptionKeys).join(', ')})`);
    }
  }
  if (options.minVersion === 'TLSv1.3' && options.maxVersion === 'TLSv1.2') {
    errors.push(`option ${OptionKeys.minTlsVersion} is above ${OptionKeys.maxTlsVersion}`);
  }
  return { options, ignored, errors };
}
