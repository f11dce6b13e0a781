/**
 * The base error of lastmile: every thrown error carries a stable `code` (users grep them,
 * dashboards count them) and keeps the underlying error as `cause`.
 * Validation problems are not thrown: they are Diagnostic values (validation/diagnostic.ts).
 */
export class LastmileError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LastmileError';
    this.code = code;
  }
}

/**
 * The error codes a client, the logs and the metrics share (design.md "Error codes").
 * Extend with care: dashboards count these.
 */
export const ErrorCodes = {
  routeNotFound: 'route_not_found',
  backendNotFound: 'backend_not_found',
  backendTlsPolicyInvalid: 'backend_tls_policy_invalid',
  noReadyEndpoints: 'no_ready_endpoints',
  upstreamConnectFailed: 'upstream_connect_failed',
  upstreamTlsUnknownAuthority: 'upstream_tls_unknown_authority',
  upstreamTlsHostnameMismatch: 'upstream_tls_hostname_mismatch',
  upstreamTlsSanMismatch: 'upstream_tls_san_mismatch',
  upstreamTlsCertificateExpired: 'upstream_tls_certificate_expired',
  upstreamTlsCertificateNotYetValid: 'upstream_tls_certificate_not_yet_valid',
  upstreamTlsProtocolMismatch: 'upstream_tls_protocol_mismatch',
  upstreamTlsHandshakeFailed: 'upstream_tls_handshake_failed',
  upstreamTimeout: 'upstream_timeout',
  upstreamReset: 'upstream_reset',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The HTTP status each client-facing error code answers with (design.md "Contracts"). */
export const errorStatus: Readonly<Record<ErrorCode, number>> = {
  route_not_found: 404,
  backend_not_found: 500,
  backend_tls_policy_invalid: 500,
  no_ready_endpoints: 503,
  upstream_connect_failed: 502,
  upstream_tls_unknown_authority: 502,
  upstream_tls_hostname_mismatch: 502,
  upstream_tls_san_mismatch: 502,
  upstream_tls_certificate_expired: 502,
  upstream_tls_certificate_not_yet_valid: 502,
  upstream_tls_protocol_mismatch: 502,
  upstream_tls_handshake_failed: 502,
  upstream_timeout: 504,
  upstream_reset: 502,
};
