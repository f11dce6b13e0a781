import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HandshakeRecord } from '../observability/handshakes.ts';
import type { BackendAnswer } from './backends.ts';
import { certificateNames, commonName, explain, formatVerdict, tlsName, type ProfileFacts } from './verdict.ts';

const profile = (policy: string, extra: Partial<ProfileFacts> = {}): ProfileFacts => ({
  policy,
  sni: 'backend.demo',
  verify: { kind: 'hostname', hostname: 'backend.demo' },
  trust: { kind: 'bundle', sources: ['ConfigMap/demo/demo-ca'] },
  ...extra,
});

const answer = (backend: string, clientCertificate: string | null = null): BackendAnswer => ({ backend, sni: 'backend.demo', host: '127.0.0.1:8080', path: `/${backend}`, tls: 'TLSv1.3', clientCertificate });

const handshake = (extra: Partial<HandshakeRecord>): HandshakeRecord => ({
  time: '2026-01-01T00:00:00.000Z',
  backend: 'Service/demo/x:443',
  endpoint: '127.0.0.1:1234',
  policy: 'demo/x-tls',
  outcome: 'ok',
  resumed: false,
  ms: 3,
  ...extra,
});

const demoLeaf = { subject: 'CN=backend.demo', subjectAltName: 'DNS:backend.demo', issuer: 'CN=lastmile demo CA', validTo: 'Dec 1 00:00:00 2026 GMT' };

describe('demo verdicts', () => {
  test('200 through verified TLS names version, identity, SNI and the CA that verified it', () => {
    const line = formatVerdict({ path: '/good', status: 200, answer: answer('good'), profile: profile('demo/good-tls'), handshake: handshake({ peerCertificate: demoLeaf }) });
    assert.equal(line, '200  /good         TLS 1.3 to backend.demo (SNI backend.demo), certificate verified by lastmile demo CA (ConfigMap demo/demo-ca)');
  });

  test('200 with a client certificate says which one the backend saw and where it came from', () => {
    const text = explain({
      path: '/mtls',
      status: 200,
      answer: answer('mtls', 'CN=lastmile demo gateway'),
      profile: profile('demo/mtls-tls', { clientCertificate: 'Secret/demo/gateway-client' }),
      handshake: handshake({ peerCertificate: demoLeaf }),
    });
    assert.match(text, /; client certificate CN=lastmile demo gateway \(Secret demo\/gateway-client\) presented$/);
  });

  test('without a handshake record (reused connection) the trust comes from the profile alone', () => {
    assert.match(explain({ path: '/good', status: 200, answer: answer('good'), profile: profile('demo/good-tls') }), /certificate verified by ConfigMap demo\/demo-ca$/);
    assert.match(explain({ path: '/good', status: 200, answer: answer('good'), profile: profile('demo/good-tls', { trust: { kind: 'system' } }) }), /verified by the system trust store$/);
  });

  test('hostname mismatch: what the certificate is for and what the policy wants', () => {
    const line = formatVerdict({
      path: '/wrong-host',
      status: 502,
      code: 'upstream_tls_hostname_mismatch',
      profile: profile('demo/wrong-host-tls'),
      handshake: handshake({ outcome: 'failed', reason: 'upstream_tls_hostname_mismatch', peerCertificate: { ...demoLeaf, subject: 'CN=other.demo', subjectAltName: 'DNS:other.demo' } }),
    });
    assert.equal(line, '502  /wrong-host   upstream_tls_hostname_mismatch: certificate is for other.demo, policy wants backend.demo');
  });

  test('unknown authority: who issued it and which policy does not trust it', () => {
    const text = explain({
      path: '/untrusted',
      status: 502,
      code: 'upstream_tls_unknown_authority',
      profile: profile('demo/untrusted-tls'),
      handshake: handshake({ outcome: 'failed', reason: 'upstream_tls_unknown_authority', peerCertificate: { ...demoLeaf, issuer: 'CN=untrusted demo CA' } }),
    });
    assert.equal(text, 'upstream_tls_unknown_authority: certificate issued by untrusted demo CA, not trusted by policy demo/untrusted-tls');
  });

  test('SAN mismatch lists the wanted names', () => {
    const text = explain({
      path: '/x',
      status: 502,
      code: 'upstream_tls_san_mismatch',
      profile: profile('demo/x-tls', { verify: { kind: 'subjectAltNames', dnsNames: ['a.demo'], uris: ['spiffe://demo/x'] } }),
      handshake: handshake({ outcome: 'failed', reason: 'upstream_tls_san_mismatch', peerCertificate: demoLeaf }),
    });
    assert.equal(text, 'upstream_tls_san_mismatch: certificate is for backend.demo, policy wants a.demo or spiffe://demo/x');
  });

  test('never invents a reason: a handshake with another code is not used; the bare code stays', () => {
    const e = { path: '/x', status: 502, code: 'upstream_tls_unknown_authority', profile: profile('demo/x-tls'), handshake: handshake({ outcome: 'failed' as const, reason: 'upstream_tls_hostname_mismatch', peerCertificate: demoLeaf, detail: 'other story' }) };
    assert.equal(explain(e), 'upstream_tls_unknown_authority');
    assert.equal(explain({ path: '/x', status: 502, code: 'upstream_reset' }), 'upstream_reset');
  });

  test('other codes carry the gateway story; an unusable backend its IR message', () => {
    assert.equal(
      explain({ path: '/x', status: 502, code: 'upstream_tls_handshake_failed', profile: profile('demo/x-tls'), handshake: handshake({ outcome: 'failed', reason: 'upstream_tls_handshake_failed', detail: 'backend rejected the client certificate' }) }),
      'upstream_tls_handshake_failed: backend rejected the client certificate',
    );
    assert.equal(explain({ path: '/x', status: 500, code: 'backend_tls_policy_invalid', unusable: 'policy demo/x-tls has no valid CA certificate' }), 'backend_tls_policy_invalid: policy demo/x-tls has no valid CA certificate');
  });

  test('no answer at all, and an answer without a code', () => {
    assert.equal(formatVerdict({ path: '/x', status: 0, requestError: 'connect ECONNREFUSED 127.0.0.1:1' }), '---  /x            no answer: connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(explain({ path: '/x', status: 404 }), 'answered 404 without a lastmile error code');
  });

  test('helpers', () => {
    assert.equal(tlsName('TLSv1.2'), 'TLS 1.2');
    assert.equal(tlsName(null), 'TLS');
    assert.equal(commonName('CN=a b, O=c'), 'a b');
    assert.equal(commonName('O=c'), 'O=c');
    assert.equal(certificateNames({ subject: 'CN=x', subjectAltName: 'DNS:a.demo, URI:spiffe://d/x' }), 'a.demo, spiffe://d/x');
    assert.equal(certificateNames({ subject: 'CN=x' }), 'x');
  });
});
