import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from './age.ts';
import { renderEntries, titleCase } from './blocks.ts';
import { presentable, REDACTED, resourceName } from './output.ts';
import { summarizeCondition } from './status.ts';
import { formatTable } from './table.ts';

test('table: columns aligned with three spaces, no trailing padding', () => {
  const text = formatTable([
    ['NAME', 'TYPE', 'AGE'],
    ['web', 'ClusterIP', '5s'],
    ['githubstatus', 'ExternalName', '10m'],
  ]);
  assert.equal(text, 'NAME           TYPE           AGE\nweb            ClusterIP      5s\ngithubstatus   ExternalName   10m\n');
});

test('age: kubectl short forms', () => {
  const s = 1000;
  assert.equal(humanDuration(-5 * s), '<invalid>');
  assert.equal(humanDuration(-1 * s), '0s');
  assert.equal(humanDuration(45 * s), '45s');
  assert.equal(humanDuration(119 * s), '119s');
  assert.equal(humanDuration(200 * s), '3m20s');
  assert.equal(humanDuration(300 * s), '5m');
  assert.equal(humanDuration(12 * 60 * s), '12m');
  assert.equal(humanDuration((5 * 60 + 4) * 60 * s), '5h4m');
  assert.equal(humanDuration(30 * 3600 * s), '30h');
  assert.equal(humanDuration((3 * 24 + 2) * 3600 * s), '3d2h');
  assert.equal(humanDuration(400 * 86400 * s), '400d');
  assert.equal(humanDuration((3 * 365 + 12) * 86400 * s), '3y12d');
  assert.equal(humanDuration(10 * 365 * 86400 * s), '10y');
});

test('status summary across ancestors', () => {
  const c = (status: string, reason: string) => ({ conditions: [{ type: 'Accepted', status, reason }] });
  assert.equal(summarizeCondition([], 'Accepted'), '-');
  assert.equal(summarizeCondition(undefined, 'Accepted'), '-');
  assert.equal(summarizeCondition([c('True', 'Accepted'), c('True', 'Accepted')], 'Accepted'), 'True');
  assert.equal(summarizeCondition([c('False', 'NoValidCACertificate')], 'Accepted'), 'False (NoValidCACertificate)');
  assert.equal(summarizeCondition([c('False', 'Invalid'), c('False', 'Conflicted')], 'Accepted'), 'False (Conflicted,Invalid)');
  assert.equal(summarizeCondition([c('True', 'Accepted'), c('False', 'Invalid')], 'Accepted'), 'Mixed');
  assert.equal(summarizeCondition([{ conditions: [] }], 'Accepted'), 'Unknown');
});

test('secrets are redacted in whole-object output, keys kept', () => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { 'tls.key': 'c2VjcmV0' }, stringData: { token: 'plain' } };
  const shown = presentable(secret);
  assert.deepEqual(shown['data'], { 'tls.key': REDACTED });
  assert.deepEqual(shown['stringData'], { token: REDACTED });
  assert.equal(JSON.stringify(shown).includes('c2VjcmV0'), false);
  assert.equal(secret.data['tls.key'], 'c2VjcmV0', 'the input object is not modified');
});

test('resource names as kubectl prints them', () => {
  assert.equal(resourceName({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }), 'service/web');
  assert.equal(
    resourceName({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'api-tls' } }),
    'backendtlspolicy.gateway.networking.k8s.io/api-tls',
  );
});

test('describe blocks: titles and aligned values', () => {
  assert.equal(titleCase('caCertificateRefs'), 'Ca Certificate Refs');
  assert.equal(titleCase('wellKnownCACertificates'), 'Well Known CA Certificates');
  assert.equal(titleCase('lastmile.dev/min-tls-version'), 'lastmile.dev/min-tls-version');
  const lines = renderEntries([
    { label: 'Name', value: 'x' },
    { label: 'Labels', value: 'a=1\nb=2' },
    { label: 'Spec', children: [{ label: 'Hostnames', lines: ['a.example.com'] }] },
  ]);
  assert.deepEqual(lines, ['Name:    x', 'Labels:  a=1', '         b=2', 'Spec:', '  Hostnames:', '    a.example.com']);
});
