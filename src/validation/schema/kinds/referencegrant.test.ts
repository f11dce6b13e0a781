import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, assertValid, at } from './kind-test-helpers.ts';

const valid = `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: routes-to-backends
  namespace: backends
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    namespace: web
  to:
  - group: ""
    kind: Service
`;

describe('ReferenceGrant schema', () => {
  it('accepts a realistic ReferenceGrant (v1beta1 and v1)', () => {
    const obj = assertValid(valid);
    assert.equal(at(obj, 'spec', 'to', 0, 'kind'), 'Service');
    assertValid(valid.replace('v1beta1', 'v1'));
  });

  it('requires from and to', () => {
    assertError(valid.replace(/  from:\n(    .*\n|  - .*\n)*/, ''), 'spec.from', 'Required value');
    assertError(valid.replace(/  to:\n(    .*\n|  - .*\n)*/, ''), 'spec.to', 'Required value');
  });

  it('rejects an empty from list', () => {
    assertError(valid.replace(/  from:\n(    .*\n|  - .*\n)*/, '  from: []\n'), 'spec.from', 'should have at least 1 items');
  });

  it('requires namespace in from and group in to', () => {
    assertError(valid.replace('    namespace: web\n', ''), 'spec.from[0].namespace', 'Required value');
    assertError(valid.replace('  - group: ""\n    kind: Service', '  - kind: Service'), 'spec.to[0].group', 'Required value');
  });

  it('rejects a from kind with invalid characters', () => {
    assertError(valid.replace('kind: HTTPRoute', 'kind: HTTP_Route'), 'spec.from[0].kind', 'should match');
  });
});
