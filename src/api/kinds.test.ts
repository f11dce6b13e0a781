import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiVersion, resolveKindName } from './kinds.ts';

test('resolves kubectl names: kind, plural, singular, short name, group-qualified', () => {
  assert.equal(resolveKindName('btlspolicy')?.kind, 'BackendTLSPolicy');
  assert.equal(resolveKindName('BackendTLSPolicies')?.kind, 'BackendTLSPolicy');
  assert.equal(resolveKindName('backendtlspolicies.gateway.networking.k8s.io')?.kind, 'BackendTLSPolicy');
  assert.equal(resolveKindName('svc')?.kind, 'Service');
  assert.equal(resolveKindName('cm')?.kind, 'ConfigMap');
  assert.equal(resolveKindName('gtw')?.kind, 'Gateway');
  assert.equal(resolveKindName('nope'), undefined);
});

test('splits apiVersion into group and version', () => {
  assert.deepEqual(parseApiVersion('v1'), { group: '', version: 'v1' });
  assert.deepEqual(parseApiVersion('gateway.networking.k8s.io/v1alpha3'), { group: 'gateway.networking.k8s.io', version: 'v1alpha3' });
});
