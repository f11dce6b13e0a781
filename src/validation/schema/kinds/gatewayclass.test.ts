import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, assertValid, at } from './kind-test-helpers.ts';

const valid = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: lastmile
spec:
  controllerName: lastmile.dev/gateway-controller
  description: The lastmile gateway
`;

describe('GatewayClass schema', () => {
  it('accepts a realistic GatewayClass', () => {
    const obj = assertValid(valid);
    assert.equal(at(obj, 'spec', 'controllerName'), 'lastmile.dev/gateway-controller');
  });

  it('accepts a parametersRef with a namespace', () => {
    assertValid(`${valid}  parametersRef:
    group: lastmile.dev
    kind: Config
    name: tuning
    namespace: lastmile-system
`);
  });

  it('rejects a controllerName that is not domain/path', () => {
    assertError(valid.replace('lastmile.dev/gateway-controller', 'lastmile'), 'spec.controllerName', 'should match');
  });

  it('rejects a description longer than 64 characters', () => {
    assertError(valid.replace('The lastmile gateway', 'x'.repeat(65)), 'spec.description', 'Too long');
  });

  it('requires spec and spec.controllerName', () => {
    assertError('apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: x\n', 'spec', 'Required value');
    assertError(valid.replace('  controllerName: lastmile.dev/gateway-controller\n', ''), 'spec.controllerName', 'Required value');
  });

  it('requires group, kind and name in parametersRef', () => {
    assertError(`${valid}  parametersRef:\n    name: tuning\n`, 'spec.parametersRef.group', 'Required value');
  });
});
