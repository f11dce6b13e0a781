/**
 * Maps what Node, OpenSSL and undici throw at an upstream connection to lastmile's stable error
 * codes (design.md "Error codes"), with a short human reason. The client sees only the code; the
 * reason goes into the detail for logs, metrics and the admin API.
 */
import { ErrorCodes } from '../../errors.ts';
import type { ErrorCode } from '../../errors.ts';
import type { CertificateSummary } from './describe.ts';

/** Where a connector error happened: TCP connect, or the TLS handshake after TCP connected. */
export type ConnectPhase = 'tcp' | 'tls';

/** Set by the connector on the errors it reports. */
export const kConnectPhase = Symbol.for('lastmile.upstream.connectPhase');
/** Set by the connector: the backend's certificate, read before the socket was destroyed. */
export const kPeerCertificate = Symbol.for('lastmile.upstream.peerCertificate');

/** Annotations the connector adds to an error; read with {@link connectInfo}. */
export interface ConnectAnnotations {
  [kConnectPhase]?: ConnectPhase;
  [kPeerCertificate]?: CertificateSummary;
}

/** Raised by the engine's own timers (connect, backendRequest, request timeouts). */
export class UpstreamTimeoutError extends Error {
  readonly code = 'LASTMILE_UPSTREAM_TIMEOUT';
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamTimeoutError';
  }
}

/** A classified failure: the client-facing code and what happened, in a few words. */
export interface Classified {
  readonly code: ErrorCode;
  readonly reason: string;
}

const unknownAuthority = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'INVALID_CA',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
]);

const connectFailed = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EAI_NODATA',
  'EADDRNOTAVAIL',
  'EACCES',
  'EPERM',
]);

const timeouts = new Set([
  'LASTMILE_UPSTREAM_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

/** TLS version, cipher, curve or ALPN disagreements, or a peer that does not speak TLS at all. */
const protocolMismatch =
  /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE|NO_SUITABLE|APPLICATION_PROTOCOL|INSUFFICIENT_SECURITY|HANDSHAKE_FAILURE|NO_SHARED_GROUP|WRONG_CURVE|UNSUPPORTED_ELLIPTIC_CURVE/;

function errorCode(err: unknown): string {
  if (err === null || typeof err !== 'object') return '';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  // net.connect with several addresses reports an AggregateError; its members say why.
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const c = errorCode(inner);
      if (c !== '') return c;
    }
  }
  return '';
}

/** The phase and peer certificate the connector recorded on an error, if any. */
export function connectInfo(err: unknown): { phase?: ConnectPhase; peer?: CertificateSummary } {
  if (err === null || typeof err !== 'object') return {};
  const a = err as ConnectAnnotations;
  return { phase: a[kConnectPhase], peer: a[kPeerCertificate] };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Classifies an upstream failure. `verifyKind` is the profile's identity mode: a name mismatch is
 * a hostname mismatch in hostname mode and a SAN mismatch in subjectAltNames mode.
 */
export function classifyUpstreamError(err: unknown, verifyKind?: 'hostname' | 'subjectAltNames'): Classified {
  const code = errorCode(err);
  const { phase } = connectInfo(err);
  const why = code === '' ? message(err) : `${code}: ${message(err)}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return verifyKind === 'subjectAltNames'
      ? { code: ErrorCodes.upstreamTlsSanMismatch, reason: `certificate SANs do not match the policy (${why})` }
      : { code: ErrorCodes.upstreamTlsHostnameMismatch, reason: `certificate does not match the hostname (${why})` };
  }
  if (unknownAuthority.has(code)) {
    return { code: ErrorCodes.upstreamTlsUnknownAuthority, reason: `certificate not signed by a trusted CA (${why})` };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return { code: ErrorCodes.upstreamTlsCertificateExpired, reason: `certificate expired (${why})` };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return { code: ErrorCodes.upstreamTlsCertificateNotYetValid, reason: `certificate not yet valid (${why})` };
  }
  if (timeouts.has(code)) {
    return { code: ErrorCodes.upstreamTimeout, reason: `timed out (${why})` };
  }
  if (connectFailed.has(code)) {
    return { code: ErrorCodes.upstreamConnectFailed, reason: `could not connect (${why})` };
  }
  if (/CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA|ALERT_CERTIFICATE_UNKNOWN|ALERT_ACCESS_DENIED/.test(code)) {
    return { code: ErrorCodes.upstreamTlsHandshakeFailed, reason: `backend rejected or required the client certificate (${why})` };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) {
    if (protocolMismatch.test(code)) {
      return { code: ErrorCodes.upstreamTlsProtocolMismatch, reason: `TLS version, cipher or ALPN not agreed (${why})` };
    }
    return { code: ErrorCodes.upstreamTlsHandshakeFailed, reason: `TLS handshake failed (${why})` };
  }
  if (phase === 'tls') {
    // A reset or an unrecognised X.509 verify code while the handshake was still running.
    return { code: ErrorCodes.upstreamTlsHandshakeFailed, reason: `TLS handshake failed (${why})` };
  }
  if (phase === 'tcp') {
    return { code: ErrorCodes.upstreamConnectFailed, reason: `could not connect (${why})` };
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    // The request could not be written (e.g. a header undici refuses): nothing reached the backend.
    return { code: ErrorCodes.upstreamConnectFailed, reason: `request could not be sent (${why})` };
  }
  return { code: ErrorCodes.upstreamReset, reason: `connection to the backend failed (${why})` };
}
