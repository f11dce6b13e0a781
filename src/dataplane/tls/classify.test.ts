import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyUpstreamError, kConnectPhase, UpstreamTimeoutError } from './classify.ts';

function err(code: string, extra: Record<string | symbol, unknown> = {}): Error {
  return Object.assign(new Error(`boom ${code}`), { code }, extra);
}

describe('classifyUpstreamError', () => {
  const table: [string, string][] = [
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'upstream_tls_unknown_authority'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'upstream_tls_unknown_authority'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'upstream_tls_unknown_authority'],
    ['UNABLE_TO_GET_ISSUER_CERT', 'upstream_tls_unknown_authority'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'upstream_tls_unknown_authority'],
    ['CERT_HAS_EXPIRED', 'upstream_tls_certificate_expired'],
    ['CERT_NOT_YET_VALID', 'upstream_tls_certificate_not_yet_valid'],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'upstream_tls_protocol_mismatch'],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'upstream_tls_protocol_mismatch'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'upstream_tls_protocol_mismatch'],
    ['ERR_SSL_NO_SHARED_CIPHER', 'upstream_tls_protocol_mismatch'],
    ['ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', 'upstream_tls_protocol_mismatch'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'upstream_tls_protocol_mismatch'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'upstream_tls_handshake_failed'],
    ['ERR_SSL_DECRYPTION_FAILED', 'upstream_tls_handshake_failed'],
    ['ECONNREFUSED', 'upstream_connect_failed'],
    ['EHOSTUNREACH', 'upstream_connect_failed'],
    ['ENOTFOUND', 'upstream_connect_failed'],
    ['EAI_AGAIN', 'upstream_connect_failed'],
    ['UND_ERR_CONNECT_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_SOCKET', 'upstream_reset'],
    ['ECONNRESET', 'upstream_reset'],
    ['EPIPE', 'upstream_reset'],
  ];
  for (const [code, expected] of table) {
    test(`${code} -> ${expected}`, () => assert.equal(classifyUpstreamError(err(code), 'hostname').code, expected));
  }

  test('a name mismatch depends on the identity mode', () => {
    assert.equal(classifyUpstreamError(err('ERR_TLS_CERT_ALTNAME_INVALID'), 'hostname').code, 'upstream_tls_hostname_mismatch');
    assert.equal(classifyUpstreamError(err('ERR_TLS_CERT_ALTNAME_INVALID'), 'subjectAltNames').code, 'upstream_tls_san_mismatch');
  });

  test('our own timeouts are upstream_timeout', () => {
    assert.equal(classifyUpstreamError(new UpstreamTimeoutError('request timeout')).code, 'upstream_timeout');
  });

  test('a reset during the TLS handshake is a handshake failure; during TCP connect a connect failure', () => {
    assert.equal(classifyUpstreamError(err('ECONNRESET', { [kConnectPhase]: 'tls' })).code, 'upstream_tls_handshake_failed');
    assert.equal(classifyUpstreamError(err('ECONNRESET', { [kConnectPhase]: 'tcp' })).code, 'upstream_connect_failed');
  });

  test('an AggregateError is classified by its members', () => {
    const agg = new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')], 'all failed');
    assert.equal(classifyUpstreamError(agg).code, 'upstream_connect_failed');
  });

  test('the reason names the underlying code', () => {
    assert.match(classifyUpstreamError(err('CERT_HAS_EXPIRED')).reason, /CERT_HAS_EXPIRED/);
  });
});
