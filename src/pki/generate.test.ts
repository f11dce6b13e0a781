import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCa } from './generate.ts';

test('a CA issues leaves with DNS and URI SANs that verify against it', async () => {
  const ca = await createCa({ commonName: 'unit CA' });
  const leaf = await ca.issue({ dnsNames: ['abc.example.com', 'other.example.com'], uris: ['spiffe://abc.example.com/test-identity'] });
  const caCert = new X509Certificate(ca.certPem);
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(caCert.ca, true);
  assert.equal(cert.ca, false);
  assert.ok(cert.verify(caCert.publicKey));
  assert.ok(cert.checkIssued(caCert));
  assert.equal(cert.checkHost('abc.example.com'), 'abc.example.com');
  assert.match(cert.subjectAltName ?? '', /URI:spiffe:\/\/abc\.example\.com\/test-identity/);
  assert.match(leaf.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});

test('an expired leaf carries the validity it was asked for', async () => {
  const ca = await createCa();
  const notAfter = new Date(Date.now() - 60_000);
  const leaf = await ca.issue({ dnsNames: ['old.example.com'], notBefore: new Date(Date.now() - 3_600_000), notAfter });
  const cert = new X509Certificate(leaf.certPem);
  assert.ok(cert.validToDate.getTime() < Date.now());
});
