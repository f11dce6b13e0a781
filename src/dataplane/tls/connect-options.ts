/**
 * Turns an upstream TLS profile (ir/types.ts UpstreamTlsProfileIR) into the options of
 * `tls.connect`. Every connection the engine opens to a backend under a BackendTLSPolicy goes
 * through here, so this file is where "never an unverified connection" is enforced:
 * `rejectUnauthorized` is always true and the identity check always comes from the profile.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { PeerCertificate, SecureContext, SecureContextOptions } from 'node:tls';
import type { UpstreamTlsProfileIR } from '../../ir/types.ts';
import { checkSubjectAltNames } from './san-match.ts';

let systemCas: readonly string[] | undefined;

/**
 * The "System" trust store (spec.md 4.5, wellKnownCACertificates: System): the OS store as Node
 * reads it, or Node's bundled Mozilla roots when the OS store is empty (e.g. a scratch image).
 * Cached: reading the OS store is slow and it does not change under a running process.
 */
export function systemCaCertificates(): readonly string[] {
  if (systemCas === undefined) {
    let fromOs: readonly string[] = [];
    try {
      fromOs = tls.getCACertificates('system');
    } catch {
      fromOs = [];
    }
    systemCas = fromOs.length > 0 ? fromOs : tls.rootCertificates;
  }
  return systemCas;
}

/**
 * Options for `tls.createSecureContext`. Trust is the policy's bundle OR the system store, never
 * both (ecosystem.md gotcha 2: `ca` replaces the default roots, and merging them would let any
 * public CA vouch for a backend the policy pins to a private CA).
 */
export function secureContextOptions(profile: UpstreamTlsProfileIR): SecureContextOptions {
  const options: SecureContextOptions = {
    ca: profile.trust.kind === 'bundle' ? profile.trust.caPem : [...systemCaCertificates()],
  };
  if (profile.clientCertificate !== undefined) {
    // spec.md 5: the Gateway's backend client certificate, presented on every connection.
    options.cert = profile.clientCertificate.certPem;
    options.key = profile.clientCertificate.keyPem;
  }
  if (profile.minVersion !== undefined) options.minVersion = profile.minVersion;
  if (profile.maxVersion !== undefined) options.maxVersion = profile.maxVersion;
  if (profile.ciphers !== undefined) options.ciphers = profile.ciphers;
  if (profile.ecdhCurves !== undefined) options.ecdhCurve = profile.ecdhCurves;
  return options;
}

/**
 * The identity check (spec.md 2.3). Hostname mode: Node's RFC 6125 check against
 * `validation.hostname`. SAN mode: only the listed SANs count and the hostname is ignored
 * (spec.md 2.3 rule 3), whatever name Node passes in.
 */
export function identityCheck(profile: UpstreamTlsProfileIR): (host: string, cert: PeerCertificate) => Error | undefined {
  const verify = profile.verify;
  if (verify.kind === 'hostname') {
    const hostname = verify.hostname;
    return (_host, cert) => tls.checkServerIdentity(hostname, cert);
  }
  return (_host, cert) => checkSubjectAltNames(verify, cert);
}

/** ALPN offered to the backend: the profile's list, without `h2` unless h2 is allowed. */
export function alpnProtocols(profile: UpstreamTlsProfileIR, allowH2: boolean): string[] {
  const list = profile.alpn.filter((p) => allowH2 || p !== 'h2');
  if (list.length > 0) return list;
  return allowH2 ? ['h2', 'http/1.1'] : ['http/1.1'];
}

/** What the connector passes to `tls.connect` for one (endpoint, profile) pool. */
export interface UpstreamTlsOptions {
  readonly secureContext: SecureContext;
  /** SNI = validation.hostname (spec.md 2.3 rule 1); absent for an IP, which SNI cannot carry. */
  readonly servername: string | undefined;
  readonly ALPNProtocols: string[];
  readonly checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
  readonly rejectUnauthorized: true;
}

/**
 * Secure contexts by the exact options they were built from (see sharedSecureContext). Values
 * are weak: a context no pool holds any more is collected, and its entry removed.
 */
const contexts = new Map<string, WeakRef<SecureContext>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (contexts.get(key)?.deref() === undefined) contexts.delete(key);
});

/**
 * The secure context for a profile, shared by every profile whose context options are
 * identical: the key is a hash of the whole `secureContextOptions` result (the system store by
 * name: it is fixed for the process), so a different CA bundle, client certificate or key,
 * version bound, cipher list or curve list always gets its own context.
 *
 * Why: an edit that changes only validation.hostname or subjectAltNames gives the profile a new
 * id, and building its context again sat on the first request after the edit, blocking the
 * event loop: 0.25-0.8 ms with a one-certificate bundle (up to 6 ms on a loaded machine,
 * bench/control-plane --traffic, issue 6), and 40-48 ms with the system store (hundreds of
 * PEMs parsed again). Shared: ~0.01 ms.
 *
 * Why sharing is safe: what a SecureContext holds is the trust store, our own certificate and
 * the protocol settings, all in the key. What differs between such profiles is passed per
 * connection and untouched here: servername, checkServerIdentity, ALPN, and the TLS session: a
 * client only resumes a session it is handed, and connector.ts hands them out per endpoint and
 * profile id (shared-context.test.ts: a hostname edit makes a full handshake, never a resumption).
 */
export function sharedSecureContext(profile: UpstreamTlsProfileIR): SecureContext {
  const options = secureContextOptions(profile);
  const keyed = { trust: profile.trust.kind, ...options, ...(profile.trust.kind === 'system' ? { ca: undefined } : {}) };
  // Hashed: the key must not keep the client private key in a second, long-lived string.
  const key = createHash('sha256').update(JSON.stringify(keyed)).digest('base64');
  let context = contexts.get(key)?.deref();
  if (context === undefined) {
    context = tls.createSecureContext(options);
    contexts.set(key, new WeakRef(context));
    forget.register(context, key);
  }
  return context;
}

/**
 * Builds the connect options of a profile. The secure context is built once per distinct set of
 * context options (sharedSecureContext; parsing the system store's hundreds of PEMs per
 * connection would dominate reconnects); callers cache the result per profile id.
 */
export function tlsConnectOptions(profile: UpstreamTlsProfileIR, allowH2: boolean): UpstreamTlsOptions {
  return {
    secureContext: sharedSecureContext(profile),
    servername: isIP(profile.sni) === 0 ? profile.sni : undefined,
    ALPNProtocols: alpnProtocols(profile, allowH2),
    checkServerIdentity: identityCheck(profile),
    rejectUnauthorized: true,
  };
}
