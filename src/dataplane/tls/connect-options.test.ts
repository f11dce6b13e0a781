import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { makePki, spiffeId, startTlsBackend, tlsProfile } from '../upstream/testing.ts';
import type { Pki, TestBackend } from '../upstream/testing.ts';
import { alpnProtocols, identityCheck, secureContextOptions, sharedSecureContext, systemCaCertificates, tlsConnectOptions } from './connect-options.ts';

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

  test('profiles that differ only in SNI, identity check or ALPN share one secure context', () => {
    const base = tlsProfile({ caPem: pki.ca.certPem });
    const others = [
      tlsProfile({ caPem: pki.ca.certPem, sni: 'other.test', verify: { kind: 'hostname', hostname: 'other.test' } }),
      tlsProfile({ caPem: pki.ca.certPem, verify: { kind: 'subjectAltNames', dnsNames: ['x.test'], uris: [spiffeId] } }),
      tlsProfile({ caPem: pki.ca.certPem, alpn: ['h2', 'http/1.1'], policy: { namespace: 'other', name: 'p' } }),
    ];
    for (const other of others) {
      assert.notEqual(other.id, base.id);
      assert.equal(sharedSecureContext(other), sharedSecureContext(base));
      assert.equal(tlsConnectOptions(other, true).secureContext, tlsConnectOptions(base, false).secureContext);
    }
    // The per-connection settings stay the profile's own.
    const o = tlsConnectOptions(others[0]!, false);
    assert.equal(o.servername, 'other.test');
    assert.ok(o.checkServerIdentity('api.test', peer(pki.leaf.certPem)), 'other.test does not match the api.test certificate');
    assert.equal(sharedSecureContext(tlsProfile({})), sharedSecureContext(tlsProfile({ sni: 'x.test' })), 'system trust is shared too');
  });

  test('a different CA, client certificate, key, version, cipher or curve list never shares a context', () => {
    const client = { ...pki.client, source: 'Secret/default/c' };
    const variants = [
      tlsProfile({ caPem: pki.ca.certPem }),
      tlsProfile({ caPem: pki.otherCa.certPem }),
      tlsProfile({ caPem: `${pki.ca.certPem}${pki.otherCa.certPem}` }),
      tlsProfile({}),
      tlsProfile({ caPem: pki.ca.certPem, clientCertificate: client }),
      tlsProfile({ caPem: pki.ca.certPem, clientCertificate: { ...client, certPem: pki.leaf.certPem, keyPem: pki.leaf.keyPem } }),
      tlsProfile({ caPem: pki.ca.certPem, minVersion: 'TLSv1.3' }),
      tlsProfile({ caPem: pki.ca.certPem, maxVersion: 'TLSv1.2' }),
      tlsProfile({ caPem: pki.ca.certPem, ciphers: 'TLS_AES_256_GCM_SHA384' }),
      tlsProfile({ caPem: pki.ca.certPem, ecdhCurves: 'X25519' }),
    ];
    const contexts = variants.map((p) => sharedSecureContext(p));
    assert.equal(new Set(contexts).size, variants.length);
  });

  describe('a shared context over real handshakes', () => {
    let backend: TestBackend;
    before(async () => {
      backend = await startTlsBackend(pki.leaf);
    });
    after(() => backend.close());

    const handshake = (options: ReturnType<typeof tlsConnectOptions>): Promise<Error | undefined> => new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: backend.port, ...options });
      socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', resolve);
    });

    test('verification stays per profile: a wrong hostname or an untrusting CA is still refused', async () => {
      const good = tlsConnectOptions(tlsProfile({ caPem: pki.ca.certPem }), false);
      const wrongName = tlsConnectOptions(tlsProfile({ caPem: pki.ca.certPem, sni: 'other.test', verify: { kind: 'hostname', hostname: 'other.test' } }), false);
      const wrongSan = tlsConnectOptions(tlsProfile({ caPem: pki.ca.certPem, verify: { kind: 'subjectAltNames', dnsNames: ['nope.test'], uris: [] } }), false);
      const otherCa = tlsConnectOptions(tlsProfile({ caPem: pki.otherCa.certPem }), false);
      assert.equal(wrongName.secureContext, good.secureContext);
      assert.equal(wrongSan.secureContext, good.secureContext);
      assert.equal(await handshake(good), undefined);
      assert.equal((await handshake(wrongName) as Error & { code?: string })?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.ok(await handshake(wrongSan), 'SAN mode with an unlisted SAN is refused on the shared context');
      assert.equal((await handshake(otherCa) as Error & { code?: string })?.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      assert.equal(await handshake(good), undefined, 'the refusals left the shared context as it was');
    });
  });
});
