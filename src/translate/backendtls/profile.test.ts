import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, profileId } from './profile.ts';

const base = {
  policy: { namespace: 'ns', name: 'p' },
  sni: 'a.example.com',
  trust: { kind: 'bundle' as const, caPem: 'PEM', sources: ['ConfigMap/ns/ca'] },
  verify: { kind: 'hostname' as const, hostname: 'a.example.com' },
  alpn: ['http/1.1'],
};

test('canonicalJson sorts keys at every level', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
});

test('profileId is stable across key order and changes with any field', () => {
  const id = profileId(base);
  assert.match(id, /^[0-9a-f]{64}$/);
  const reordered = { alpn: ['http/1.1'], verify: base.verify, trust: base.trust, sni: base.sni, policy: base.policy };
  assert.equal(profileId(reordered), id);
  assert.notEqual(profileId({ ...base, sni: 'b.example.com' }), id);
  assert.notEqual(profileId({ ...base, trust: { ...base.trust, caPem: 'OTHER' } }), id);
  assert.notEqual(profileId({ ...base, clientCertificate: { certPem: 'c', keyPem: 'k', source: 'Secret/ns/c' } }), id);
  assert.notEqual(profileId({ ...base, alpn: ['h2'] }), id);
});

test('profileId is the sha256 of the canonical JSON, whether the trust object is shared or not', async () => {
  const { createHash } = await import('node:crypto');
  const reference = (p: object): string => createHash('sha256').update(canonicalJson(p)).digest('hex');
  const shared = base.trust;
  const variants = [
    base,
    { ...base, sni: 'b.example.com', trust: shared },
    { ...base, trust: { kind: 'system' as const } },
    { ...base, clientCertificate: { certPem: 'c', keyPem: 'k', source: 'Secret/ns/c' }, minVersion: 'TLSv1.3' as const, ciphers: undefined },
    { ...base, trust: { ...shared, caPem: 'line\n"quoted"\u2028' } },
  ];
  for (const p of variants) assert.equal(profileId(p), reference(p));
  // Asked again with the same (memoized) trust object: the same answers.
  for (const p of variants) assert.equal(profileId(p), reference(p));
});
