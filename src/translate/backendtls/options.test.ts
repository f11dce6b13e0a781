import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from './options.ts';

test('parseOptions: lastmile.dev keys into the profile, other domains ignored', () => {
  const r = parseOptions({
    'lastmile.dev/min-tls-version': 'TLSv1.3',
    'lastmile.dev/cipher-suites': 'ECDHE-RSA-AES128-GCM-SHA256',
    'lastmile.dev/ecdh-curves': 'X25519,P-256',
    'example.com/x': 'y',
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.ignored, ['example.com/x']);
  assert.deepEqual(r.options, { minVersion: 'TLSv1.3', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ecdhCurves: 'X25519:P-256' });
});

test('parseOptions: unknown lastmile.dev key, reserved key and bad values fail closed', () => {
  assert.equal(parseOptions({ 'lastmile.dev/nope': '1' }).errors.length, 1);
  assert.equal(parseOptions({ 'min-tls-version': 'TLSv1.3' }).errors.length, 1);
  assert.equal(parseOptions({ 'lastmile.dev/min-tls-version': 'TLSv1.1' }).errors.length, 1);
  assert.equal(parseOptions({ 'lastmile.dev/cipher-suites': 'NOPE' }).errors.length, 1);
  assert.equal(parseOptions({ 'lastmile.dev/cipher-suites': 'HIGH' }).errors.length, 1);
  assert.equal(parseOptions({ 'lastmile.dev/ecdh-curves': 'not-a-curve' }).errors.length, 1);
  assert.equal(parseOptions({ 'lastmile.dev/min-tls-version': 'TLSv1.3', 'lastmile.dev/max-tls-version': 'TLSv1.2' }).errors.length, 1);
});
