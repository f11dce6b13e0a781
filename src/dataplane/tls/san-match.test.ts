import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { describe, test } from 'node:test';
import { checkSubjectAltNames, dnsNameMatches, parseSubjectAltNames } from './san-match.ts';

function cert(subjectaltname: string): PeerCertificate {
  return { subjectaltname, subject: { CN: 'x' } } as unknown as PeerCertificate;
}

describe('parseSubjectAltNames', () => {
  test('splits DNS, URI and IP entries', () => {
    assert.deepEqual(parseSubjectAltNames('DNS:a.test, DNS:*.b.test, URI:spiffe://c/ns/d, IP Address:10.0.0.1, email:x@y'), {
      dns: ['a.test', '*.b.test'],
      uris: ['spiffe://c/ns/d'],
      ips: ['10.0.0.1'],
    });
  });

  test('a quoted value with a comma cannot forge a second entry', () => {
    const parsed = parseSubjectAltNames('URI:"spiffe://x/a, DNS:evil.test", DNS:real.test');
    assert.deepEqual(parsed.uris, ['spiffe://x/a, DNS:evil.test']);
    assert.deepEqual(parsed.dns, ['real.test']);
  });

  test('empty or missing input gives no names', () => {
    assert.deepEqual(parseSubjectAltNames(undefined), { dns: [], uris: [], ips: [] });
    assert.deepEqual(parseSubjectAltNames(''), { dns: [], uris: [], ips: [] });
  });
});

describe('dnsNameMatches (RFC 6125)', () => {
  const cases: [string, string, boolean][] = [
    ['api.test', 'api.test', true],
    ['API.Test', 'api.test.', true],
    ['api.test', 'other.test', false],
    ['x.wild.test', '*.wild.test', true],
    ['a.b.wild.test', '*.wild.test', false],
    ['wild.test', '*.wild.test', false],
    ['*.wild.test', 'x.wild.test', true],
    ['*.wild.test', 'a.b.wild.test', false],
    ['*.wild.test', '*.wild.test', true],
    ['*.wild.test', '*.other.test', false],
    ['x.com', '*.com', false],
    ['10.0.0.1', '*.0.0.1', false],
    ['', 'api.test', false],
  ];
  for (const [listed, presented, expected] of cases) {
    test(`${listed} vs ${presented} -> ${expected}`, () => assert.equal(dnsNameMatches(listed, presented), expected));
  }
});

describe('checkSubjectAltNames', () => {
  const c = cert('DNS:api.test, URI:spiffe://cluster.local/ns/default/sa/api, IP Address:10.0.0.7');

  test('accepts a listed DNS name', () => {
    assert.equal(checkSubjectAltNames({ dnsNames: ['nope.test', 'api.test'], uris: [] }, c), undefined);
  });

  test('accepts a listed URI only on exact equality', () => {
    assert.equal(checkSubjectAltNames({ dnsNames: [], uris: ['spiffe://cluster.local/ns/default/sa/api'] }, c), undefined);
    assert.ok(checkSubjectAltNames({ dnsNames: [], uris: ['spiffe://cluster.local/ns/default/sa/ap'] }, c));
    assert.ok(checkSubjectAltNames({ dnsNames: [], uris: ['SPIFFE://cluster.local/ns/default/sa/api'] }, c));
  });

  test('an IP-shaped listed name matches an IP SAN', () => {
    assert.equal(checkSubjectAltNames({ dnsNames: ['10.0.0.7'], uris: [] }, c), undefined);
    assert.ok(checkSubjectAltNames({ dnsNames: ['10.0.0.8'], uris: [] }, c));
  });

  test('a URI SAN never satisfies a Hostname entry, nor the CN', () => {
    const err = checkSubjectAltNames({ dnsNames: ['x'], uris: [] }, cert('URI:x'));
    assert.ok(err);
    assert.equal((err as Error & { code: string }).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.match(err.message, /wanted one of \[DNS:x\]/);
  });
});
