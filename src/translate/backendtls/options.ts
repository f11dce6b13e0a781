/**
 * BackendTLSPolicy `spec.options` (spec.md 2.8) as translation needs them. The reading itself is
 * validation's parser (validation/implementation/options.ts), so `lastmile validate` and the
 * running gateway always agree on what a key or value means. Unknown `lastmile.dev/` keys,
 * un-prefixed (reserved) keys and bad values make the policy invalid: we fail closed rather than
 * guess what was meant. Keys of other domains are noted in the Accepted message and ignored.
 */
import { parseBackendTlsOptions } from '../../validation/implementation/options.ts';

type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface TlsOptions {
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  readonly ciphers?: string;
  readonly ecdhCurves?: string;
}

export interface OptionsResult {
  readonly options: TlsOptions;
  /** Keys of other implementations' domains, sorted. */
  readonly ignored: readonly string[];
  /** Problems that make the policy invalid, sorted by key. */
  readonly errors: readonly string[];
}

export function parseOptions(raw: Readonly<Record<string, string>> | undefined): OptionsResult {
  const parsed = parseBackendTlsOptions(raw);
  const problems = [...parsed.problems].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const options: { -readonly [K in keyof TlsOptions]: TlsOptions[K] } = {};
  if (parsed.minVersion) options.minVersion = parsed.minVersion;
  if (parsed.maxVersion) options.maxVersion = parsed.maxVersion;
  if (parsed.ciphers) options.ciphers = parsed.ciphers;
  if (parsed.ecdhCurves) options.ecdhCurves = parsed.ecdhCurves;
  return {
    options,
    ignored: problems.filter((p) => p.kind === 'foreign').map((p) => p.key),
    errors: problems.filter((p) => p.kind !== 'foreign').map((p) => p.message),
  };
}
