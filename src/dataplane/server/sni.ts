/**
 * Server certificate selection by SNI for an HTTPS listener: one SecureContext per certificate,
 * built once per IR swap, looked up with the same host table as virtual hosts (exact, then
 * wildcard suffixes longest first, then `*`). Certificates that do not load are reported, not
 * thrown (one bad Secret must not take down the listener's other certificates).
 */
import tls from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { ServerCertificateIR } from '../../ir/types.ts';
import { compileHosts, type HostTable } from '../router/hosts.ts';

export interface CertificateTable {
  /** The context for an SNI name; the default context when nothing more specific matches. */
  lookup(servername: string): SecureContext | undefined;
  /** Used when the client sends no SNI: the `*` certificate, else the first one. */
  readonly fallback: ServerCertificateIR | undefined;
  /** Certificates that could not be loaded, with the reason (never key material). */
  readonly errors: readonly { readonly source: string; readonly message: string }[];
}

export function compileCertificates(certs: readonly ServerCertificateIR[]): CertificateTable {
  const entries: { hostname: string; value: SecureContext }[] = [];
  const errors: { source: string; message: string }[] = [];
  const loaded: ServerCertificateIR[] = [];
  for (const c of certs) {
    let ctx: SecureContext;
    try {
      ctx = tls.createSecureContext({ cert: c.certPem, key: c.keyPem });
    } catch (err) {
      // OpenSSL messages name the failure (e.g. "key values mismatch"), not the key itself.
      errors.push({ source: c.source, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    loaded.push(c);
    for (const h of c.hostnames) entries.push({ hostname: h, value: ctx });
  }
  const fallback = loaded.find((c) => c.hostnames.includes('*')) ?? loaded[0];
  const table: HostTable<SecureContext> = compileHosts(entries);
  return { lookup: (name) => table.lookup(name.toLowerCase()), fallback, errors };
}
