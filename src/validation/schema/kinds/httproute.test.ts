import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, assertValid, at, validateYaml } from './kind-test-helpers.ts';

const head = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
  namespace: web
spec:
  parentRefs:
  - name: web
    namespace: infra
  hostnames:
  - shop.example.com
`;

const valid = `${head}  rules:
  - backendRefs:
    - name: shop
      port: 8080
`;

/** An HTTPRoute with the given rules block (list items indented by two spaces). */
const withRules = (rules: string): string => `${head}  rules:\n${rules}`;

/** One rule with an explicit match and the given filters block. */
const ruleWithFilters = (match: string, filters: string, backend = ''): string =>
  withRules(`  - matches:
    - path:
${match}
    filters:
${filters}${backend}`);

describe('HTTPRoute schema', () => {
  it('accepts a realistic HTTPRoute and fills in the defaults', () => {
    const obj = assertValid(valid);
    assert.deepEqual(at(obj, 'spec', 'parentRefs', 0), {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      name: 'web',
      namespace: 'infra',
    });
    assert.deepEqual(at(obj, 'spec', 'rules', 0, 'matches'), [{ path: { type: 'PathPrefix', value: '/' } }]);
    assert.deepEqual(at(obj, 'spec', 'rules', 0, 'backendRefs', 0), {
      group: '',
      kind: 'Service',
      name: 'shop',
      port: 8080,
      weight: 1,
    });
  });

  it('defaults rules when absent, and path type/value and header match type when omitted', () => {
    const obj = assertValid(head);
    assert.deepEqual(at(obj, 'spec', 'rules'), [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
    const obj2 = assertValid(
      withRules(`  - matches:
    - headers:
      - name: x-canary
        value: "yes"
    backendRefs:
    - name: shop
      port: 8080
`),
    );
    assert.deepEqual(at(obj2, 'spec', 'rules', 0, 'matches', 0), {
      headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }],
      path: { type: 'PathPrefix', value: '/' },
    });
  });

  it("rejects a path value that does not start with '/'", () => {
    assertError(
      withRules('  - matches:\n    - path:\n        type: PathPrefix\n        value: api\n'),
      'spec.rules[0].matches[0].path',
      "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    );
  });

  it("rejects '//' and '%2F' in Exact paths but allows them in regular expressions", () => {
    assertError(
      withRules('  - matches:\n    - path:\n        type: Exact\n        value: /a//b\n'),
      'spec.rules[0].matches[0].path',
      "must not contain '//' when type one of ['Exact', 'PathPrefix']",
    );
    assertError(
      withRules('  - matches:\n    - path:\n        type: Exact\n        value: /a%2Fb\n'),
      'spec.rules[0].matches[0].path',
      "must not contain '%2F' when type one of ['Exact', 'PathPrefix']",
    );
    assertValid(withRules('  - matches:\n    - path:\n        type: RegularExpression\n        value: "^/a//b.*"\n'));
  });

  it('requires exactly one PathPrefix match for a ReplacePrefixMatch redirect', () => {
    assertError(
      ruleWithFilters(
        '        type: Exact\n        value: /old',
        `    - type: RequestRedirect
      requestRedirect:
        path:
          type: ReplacePrefixMatch
          replacePrefixMatch: /new
`,
      ),
      'spec.rules[0]',
      'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    );
    assertValid(
      ruleWithFilters(
        '        type: PathPrefix\n        value: /old',
        `    - type: RequestRedirect
      requestRedirect:
        path:
          type: ReplacePrefixMatch
          replacePrefixMatch: /new
`,
      ),
    );
  });

  it('requires exactly one PathPrefix match for a ReplacePrefixMatch rewrite in a backendRef', () => {
    assertError(
      withRules(`  - matches:
    - path:
        type: Exact
        value: /old
    backendRefs:
    - name: shop
      port: 8080
      filters:
      - type: URLRewrite
        urlRewrite:
          path:
            type: ReplacePrefixMatch
            replacePrefixMatch: /new
`),
      'spec.rules[0]',
      'Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
    );
  });

  it('rejects a redirect together with backendRefs', () => {
    assertError(
      ruleWithFilters(
        '        type: PathPrefix\n        value: /',
        '    - type: RequestRedirect\n      requestRedirect:\n        scheme: https\n',
        '    backendRefs:\n    - name: shop\n      port: 8080\n',
      ),
      'spec.rules[0]',
      'RequestRedirect filter must not be used together with backendRefs',
    );
  });

  it('requires the filter field to match the filter type', () => {
    const yaml = ruleWithFilters(
      '        type: PathPrefix\n        value: /',
      '    - type: RequestHeaderModifier\n      requestRedirect:\n        scheme: https\n',
    );
    assertError(yaml, 'spec.rules[0].filters[0]', 'filter.requestRedirect must be nil if the filter.type is not RequestRedirect');
    assertError(
      yaml,
      'spec.rules[0].filters[0]',
      'filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type',
    );
  });

  it('defaults a redirect status code and rejects one outside the enum', () => {
    const redirect = (extra: string): string =>
      ruleWithFilters('        type: PathPrefix\n        value: /', `    - type: RequestRedirect\n      requestRedirect:\n        scheme: https\n${extra}`);
    const obj = assertValid(redirect(''));
    assert.equal(at(obj, 'spec', 'rules', 0, 'filters', 0, 'requestRedirect', 'statusCode'), 302);
    assertError(redirect('        statusCode: 304\n'), 'spec.rules[0].filters[0].requestRedirect.statusCode', 'Unsupported value');
  });

  it('rejects a redirect together with a rewrite, and a repeated header modifier', () => {
    assertError(
      ruleWithFilters(
        '        type: PathPrefix\n        value: /',
        `    - type: RequestRedirect
      requestRedirect:
        scheme: https
    - type: URLRewrite
      urlRewrite:
        hostname: shop.internal
`,
      ),
      'spec.rules[0].filters',
      'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
    );
    assertError(
      ruleWithFilters(
        '        type: PathPrefix\n        value: /',
        `    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - name: x-a
          value: "1"
    - type: RequestHeaderModifier
      requestHeaderModifier:
        remove: [x-b]
`,
      ),
      'spec.rules[0].filters',
      'RequestHeaderModifier filter cannot be repeated',
    );
  });

  it('rejects both percent and fraction on a mirror, and defaults the denominator', () => {
    const mirror = (share: string): string =>
      ruleWithFilters(
        '        type: PathPrefix\n        value: /',
        `    - type: RequestMirror
      requestMirror:
        backendRef:
          name: shadow
          port: 8080
${share}`,
      );
    assertError(
      mirror('        percent: 10\n        fraction:\n          numerator: 1\n'),
      'spec.rules[0].filters[0].requestMirror',
      'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
    );
    const obj = assertValid(mirror('        fraction:\n          numerator: 1\n'));
    assert.equal(at(obj, 'spec', 'rules', 0, 'filters', 0, 'requestMirror', 'fraction', 'denominator'), 100);
    assertError(
      mirror('        fraction:\n          numerator: 200\n'),
      'spec.rules[0].filters[0].requestMirror.fraction',
      'numerator must be less than or equal to denominator',
    );
  });

  it('requires a port on a Service backendRef', () => {
    assertError(valid.replace('      port: 8080\n', ''), 'spec.rules[0].backendRefs[0]', 'Must have port for Service reference');
  });

  it('rejects a backendRequest timeout longer than the request timeout', () => {
    assertError(
      `${valid}    timeouts:\n      request: 10s\n      backendRequest: 1m\n`,
      'spec.rules[0].timeouts',
      'backendRequest timeout cannot be longer than request timeout',
    );
    assertValid(`${valid}    timeouts:\n      request: 1m\n      backendRequest: 10s\n`);
  });

  it('allows at most 16 rules and 64 matches per rule', () => {
    const rule = '  - backendRefs:\n    - name: shop\n      port: 8080\n';
    assertError(withRules(rule.repeat(17)), 'spec.rules', 'must have at most 16 items');
    const match = '    - path:\n        value: /x\n';
    assertError(withRules(`  - matches:\n${match.repeat(65)}`), 'spec.rules[0].matches', 'must have at most 64 items');
  });

  it('allows at most 128 matches across all rules', () => {
    const match = '    - path:\n        value: /x\n';
    const rule = `  - matches:\n${match.repeat(43)}`;
    assertError(
      withRules(rule.repeat(3)),
      'spec.rules',
      'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
    );
    assertValid(withRules(`  - matches:\n${match.repeat(64)}  - matches:\n${match.repeat(64)}`));
  });

  it('requires sectionName on every reference to the same parent, and unique ones', () => {
    const withParents = (parents: string): string =>
      `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\n  namespace: web\nspec:\n  parentRefs:\n${parents}`;
    assertError(
      withParents('  - name: web\n    namespace: infra\n    sectionName: http\n  - name: web\n    namespace: infra\n'),
      'spec.parentRefs',
      'sectionName must be specified when parentRefs includes 2 or more references to the same parent',
    );
    assertError(
      withParents('  - name: web\n    namespace: infra\n    sectionName: http\n  - name: web\n    namespace: infra\n    sectionName: http\n'),
      'spec.parentRefs',
      'sectionName must be unique when parentRefs includes 2 or more references to the same parent',
    );
    // Different namespaces are different parents (exercises the escaped `namespace` property).
    assertValid(withParents('  - name: web\n    namespace: infra\n    sectionName: http\n  - name: web\n    namespace: other\n'));
    assertValid(withParents('  - name: web\n    sectionName: http\n  - name: web\n    sectionName: https\n'));
  });

  it('rejects an invalid hostname and an unknown method', () => {
    assertError(valid.replace('shop.example.com', 'Shop.Example.com'), 'spec.hostnames[0]', 'should match');
    assertError(
      withRules('  - matches:\n    - method: FETCH\n'),
      'spec.rules[0].matches[0].method',
      'Unsupported value',
    );
  });

  it('checks CORS lists', () => {
    const { errors } = validateYaml(
      ruleWithFilters(
        '        type: PathPrefix\n        value: /',
        `    - type: CORS
      cors:
        allowOrigins: ["*", "https://shop.example.com"]
        allowMethods: [GET]
`,
      ),
    );
    assert.ok(
      errors.some((d) => d.field === 'spec.rules[0].filters[0].cors.allowOrigins' && d.message.includes("AllowOrigins cannot contain '*' alongside other origins")),
      JSON.stringify(errors),
    );
  });
});
