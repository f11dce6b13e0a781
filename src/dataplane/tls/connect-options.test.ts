import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { before, describe, test } from 'node:test';
import { makePki, spiffeId, tlsProfile } from '../upstream/testing.ts';
import type { Pki } from '../upstream/testing.ts';
import { alpnProtocols, identityCheck, secureContextOptions, systemCaCertificates, tlsConnectOptions } from './connect-options.ts';

let pki: Pki;
before(async () => {
  pki = await makePki();
});

/** The PeerCertificate fields the identity checks read, from a PEM. */
function peer(pem: string): PeerCertificate {
  const x = new X509Certificate(pem);
  const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1];
  return { subject: { CN: cn }, subjectaltname: x.subjectAltName } as unknown as PeerCertificate;
}

describe('connect options', () => {
  test('system trust is the system store (or Node roots), cached, and never merged with a bundle', () => {
    const system = systemCaCertificates();
    assert.ok(system.length > 0);
    assert.equal(systemCaCertificates(), system);
    const fromOs = tls.getCACertificates('system');
    assert.deepEqual([...system], fromOs.length > 0 ? fromOs : tls.rootCertificates);

    const sys = secureContextOptions(tlsProfile({}));
    assert.deepEqual(sys.ca, [...system]);
    const bundle = secureContextOptions(tlsProfile({ caPem: pki.ca.certPem }));
    assert.equal(bundle.ca, pki.ca.certPem, 'a bundle is the whole trust: no system roots added');
  });

  test('client certificate and version, cipher and curve options come from the profile', () => {
    const o = secureContextOptions(
      tlsProfile({
        caPem: pki.ca.certPem,
        clientCertificate: { ...pki.client, source: 'Secret/default/c' },
        minVersion: 'TLSv1.3',
        maxVersion: 'TLSv1.3',
        ciphers: 'TLS_AES_256_GCM_SHA384',
        ecdhCurves: 'X25519',
      }),
    );
    assert.equal(o.cert, pki.client.certPem);
    assert.equal(o.key, pki.client.keyPem);
    assert.equal(o.minVersion, 'TLSv1.3');
    assert.equal(o.maxVersion, 'TLSv1.3');
    assert.equal(o.ciphers, 'TLS_AES_256_GCM_SHA384');
    assert.equal(o.ecdhCurve, 'X25519');
    const plain = secureContextOptions(tlsProfile({ caPem: pki.ca.certPem }));
    assert.equal(plain.cert, undefined);
    assert.equal(plain.minVersion, undefined);
  });

  test('hostname mode checks validation.hostname, whatever host Node passes', () => {
    const check = identityCheck(tlsProfile({ verify: { kind: 'hostname', hostname: 'api.test' } }));
    assert.equal(check('ignored.example', peer(pki.leaf.certPem)), undefined);
    const other = identityCheck(tlsProfile({ verify: { kind: 'hostname', hostname: 'other.test' } }));
    assert.equal((other('api.test', peer(pki.leaf.certPem)) as Error & { code: string }).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('SAN mode ignores the hostname entirely', () => {
    const check = identityCheck(tlsProfile({ verify: { kind: 'subjectAltNames', dnsNames: ['other.test'], uris: [] } }));
    assert.ok(check('api.test', peer(pki.leaf.certPem)), 'the cert matches api.test but that is not listed');
    const uri = identityCheck(tlsProfile({ verify: { kind: 'subjectAltNames', dnsNames: [], uris: [spiffeId] } }));
    assert.equal(uri('whatever', peer(pki.leaf.certPem)), undefined);
  });

  test('ALPN drops h2 unless allowed; connect options always reject unauthorized', () => {
    const p = tlsProfile({ caPem: pki.ca.certPem, alpn: ['h2', 'http/1.1'] });
    assert.deepEqual(alpnProtocols(p, false), ['http/1.1']);
    assert.deepEqual(alpnProtocols(p, true), ['h2', 'http/1.1']);
    assert.deepEqual(alpnProtocols(tlsProfile({ alpn: [] }), true), ['h2', 'http/1.1']);
    const o = tlsConnectOptions(p, false);
    assert.equal(o.rejectUnauthorized, true);
    assert.equal(o.servername, 'api.test');
    assert.equal(tlsConnectOptions(tlsProfile({ caPem: pki.ca.certPem, sni: '10.0.0.1' }), false).servername, undefined);
  });
});
