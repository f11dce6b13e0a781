import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, assertValid, at } from './kind-test-helpers.ts';

const head = `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: health
  namespace: web
spec:
  parentRefs:
  - name: web
    namespace: infra
    sectionName: grpc
  hostnames:
  - grpc.example.com
`;

/** A GRPCRoute with one rule matching the given method block. */
const withMethod = (method: string): string => `${head}  rules:
  - matches:
    - method:
${method}    backendRefs:
    - name: health
      port: 9000
`;

describe('GRPCRoute schema', () => {
  it('accepts a realistic GRPCRoute and fills in the defaults', () => {
    const obj = assertValid(withMethod('        service: grpc.health.v1.Health\n        method: Check\n'));
    assert.deepEqual(at(obj, 'spec', 'rules', 0, 'matches', 0, 'method'), {
      type: 'Exact',
      service: 'grpc.health.v1.Health',
      method: 'Check',
    });
    assert.deepEqual(at(obj, 'spec', 'rules', 0, 'backendRefs', 0), {
      group: '',
      kind: 'Service',
      name: 'health',
      port: 9000,
      weight: 1,
    });
    assert.equal(at(obj, 'spec', 'parentRefs', 0, 'kind'), 'Gateway');
  });

  it('accepts a route without rules or matches (matches every call)', () => {
    assertValid(head);
    assertValid(`${head}  rules:\n  - backendRefs:\n    - name: health\n      port: 9000\n`);
  });

  it('requires service or method in a method match', () => {
    assertError(withMethod('        type: Exact\n'), 'spec.rules[0].matches[0].method', "One or both of 'service' or 'method' must be specified");
  });

  it('checks the characters of an Exact service and method', () => {
    assertError(
      withMethod('        service: grpc/health\n'),
      'spec.rules[0].matches[0].method',
      String.raw`service must only contain valid characters (matching ^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$)`,
    );
    assertError(
      withMethod('        method: Check-1\n'),
      'spec.rules[0].matches[0].method',
      'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
    );
    // Upper-case service names are valid ((?i) in the rule), and RegularExpression skips the check.
    assertValid(withMethod('        service: Grpc.Health.V1.Health\n'));
    assertValid(withMethod('        type: RegularExpression\n        service: "grpc\\\\..*"\n'));
  });

  it('requires the filter field to match the filter type, and no repeated header modifiers', () => {
    const withFilters = (filters: string): string => `${head}  rules:\n  - filters:\n${filters}`;
    assertError(
      withFilters('    - type: RequestMirror\n'),
      'spec.rules[0].filters[0]',
      'filter.requestMirror must be specified for RequestMirror filter.type',
    );
    assertError(
      withFilters(
        '    - type: ResponseHeaderModifier\n      responseHeaderModifier:\n        remove: [a]\n' +
          '    - type: ResponseHeaderModifier\n      responseHeaderModifier:\n        remove: [b]\n',
      ),
      'spec.rules[0].filters',
      'ResponseHeaderModifier filter cannot be repeated',
    );
  });

  it('allows at most 128 matches across all rules', () => {
    const match = '    - method:\n        service: a.B\n';
    assertError(
      `${head}  rules:\n${`  - matches:\n${match.repeat(43)}`.repeat(3)}`,
      'spec.rules',
      'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
    );
  });

  it('requires unique sectionNames for references to the same parent', () => {
    assertError(
      head.replace('  hostnames:', '  - name: web\n    namespace: infra\n    sectionName: grpc\n  hostnames:'),
      'spec.parentRefs',
      'sectionName must be unique when parentRefs includes 2 or more references to the same parent',
    );
  });
});
