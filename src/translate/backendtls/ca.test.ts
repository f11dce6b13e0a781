import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCa } from '../../pki/generate.ts';
import { createSnapshot } from '../../store/create-snapshot.ts';
import { parseCaBundle, resolveCaRef } from './ca.ts';

test('parseCaBundle: one or more CA certificates, re-encoded, in order', async () => {
  const a = await createCa({ commonName: 'a' });
  const b = await createCa({ commonName: 'b' });
  const r = parseCaBundle(`# comment\n${a.certPem}\n${b.certPem}`);
  assert.ok(r.ok);
  assert.equal(r.pems.length, 2);
  assert.equal(new X509Certificate(r.pems[0] ?? '').subject, 'CN=a');
  assert.equal(new X509Certificate(r.pems[1] ?? '').subject, 'CN=b');
});

test('parseCaBundle: rejects empty, garbage and non-CA certificates', async () => {
  const ca = await createCa();
  const leaf = await ca.issue({ dnsNames: ['x.example.com'] });
  assert.deepEqual(parseCaBundle(''), { ok: false, why: 'contains no PEM certificate' });
  assert.deepEqual(parseCaBundle('hello'), { ok: false, why: 'contains no PEM certificate' });
  const garbage = parseCaBundle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----');
  assert.equal(garbage.ok, false);
  const notCa = parseCaBundle(ca.certPem + leaf.certPem);
  assert.ok(!notCa.ok && /certificate #2 .* is not a CA certificate/.test(notCa.why));
});

test('resolveCaRef: ConfigMap and Secret ca.crt, missing object/key, wrong kind', async () => {
  const ca = await createCa();
  const snapshot = createSnapshot([
    { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data: { 'ca.crt': ca.certPem } } },
    { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nokey', namespace: 'ns' }, data: {} } },
    { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, data: { 'ca.crt': Buffer.from(ca.certPem).toString('base64') } } },
  ]);
  assert.deepEqual(resolveCaRef(snapshot, 'ns', { group: '', kind: 'ConfigMap', name: 'cm' }, 0).error, undefined);
  assert.equal(resolveCaRef(snapshot, 'ns', { group: '', kind: 'Secret', name: 's' }, 0).pems?.length, 1);
  assert.deepEqual(resolveCaRef(snapshot, 'ns', { group: '', kind: 'ConfigMap', name: 'gone' }, 1).error, {
    reason: 'InvalidCACertificateRef', message: 'caCertificateRefs[1] ConfigMap/ns/gone not found',
  });
  assert.equal(resolveCaRef(snapshot, 'ns', { group: '', kind: 'ConfigMap', name: 'nokey' }, 0).error?.reason, 'InvalidCACertificateRef');
  assert.equal(resolveCaRef(snapshot, 'other', { group: '', kind: 'ConfigMap', name: 'cm' }, 0).error?.reason, 'InvalidCACertificateRef');
  assert.equal(resolveCaRef(snapshot, 'ns', { group: 'x.io', kind: 'Bundle', name: 'b' }, 0).error?.reason, 'InvalidKind');
});
