/**
 * BackendTLSPolicy: every rule of spec.md 2.2–2.7 (each CEL rule, pattern, limit, required field
 * and enum), one object that passes and one that fails, with code, field path, the API server's
 * message and the source position.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { check, expectDiagnostic, expectValid, posOf, warningsOf } from './test-helpers.ts';

const V1 = 'gateway.networking.k8s.io/v1';
const HOSTNAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const WELL_KNOWN_PATTERN =
  '^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$';
const GROUP_PATTERN = '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const KIND_PATTERN = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
const SAN_HOSTNAME_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const URI_PATTERN = '^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\\?([^#]*))?(#(.*))?';

const REFS = `  targetRefs:
  - group: ""
    kind: Service
    name: backend
`;
const VALIDATION = `  validation:
    hostname: backend.example.com
    caCertificateRefs:
    - group: ""
      kind: ConfigMap
      name: ca
`;

/** A policy manifest; `spec` is the YAML under `spec:` (2-space indent). */
function policy(spec: string, apiVersion = V1): string {
  return `apiVersion: ${apiVersion}
kind: BackendTLSPolicy
metadata:
  name: p
  namespace: app
spec:
${spec}`;
}

/** A policy whose validation block is `validation` (4-space indented fields). */
function withValidation(fields: string): string {
  return policy(`${REFS}  validation:\n${fields}`);
}

function targetRefs(items: string): string {
  return policy(`  targetRefs:\n${items}${VALIDATION}`);
}

function ref(name: string, sectionName?: string): string {
  return `  - group: ""\n    kind: Service\n    name: ${name}\n${sectionName !== undefined ? `    sectionName: ${sectionName}\n` : ''}`;
}

describe('BackendTLSPolicy 2.1: the object', () => {
  test('a complete valid policy comes back defaulted, with namespace and canonical kind', () => {
    const obj = expectValid(policy(REFS + VALIDATION));
    assert.equal(obj['kind'], 'BackendTLSPolicy');
    assert.deepEqual(obj['metadata'], { name: 'p', namespace: 'app' });
  });

  test('spec is required', () => {
    const y = `apiVersion: ${V1}\nkind: BackendTLSPolicy\nmetadata:\n  name: p\n`;
    expectDiagnostic(y, { code: 'schema_required', field: 'spec', message: 'Required value', at: { line: 1, col: 1 } });
  });

  test('status written in a manifest is ignored, as the API server does with a status subresource', () => {
    const obj = expectValid(policy(REFS + VALIDATION) + 'status:\n  nonsense: true\n');
    assert.equal(obj['status'], undefined);
  });

  test('unknown fields are errors (kubectl apply strict field validation)', () => {
    const y = policy(REFS + VALIDATION + '  mode: strict\n');
    expectDiagnostic(y, { code: 'schema_unknown_field', field: 'spec.mode', message: 'unknown field "spec.mode"', at: 'strict' });
  });

  test('v1alpha3 is an alias: same verdict, plus the deprecation warning', () => {
    const ok = policy(REFS + VALIDATION, 'gateway.networking.k8s.io/v1alpha3');
    const warnings = warningsOf(ok);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.code, 'deprecated_version');
    assert.equal(
      warnings[0]?.message,
      'The v1alpha3 version of BackendTLSPolicy has been deprecated and will be removed in a future release of the API. Please upgrade to v1.',
    );
    assert.equal(warnings[0]?.namespace, 'app');
    const bad = policy(`${REFS}  validation:\n    hostname: Foo\n    wellKnownCACertificates: System\n`, 'gateway.networking.k8s.io/v1alpha3');
    expectDiagnostic(bad, {
      code: 'schema_pattern',
      field: 'spec.validation.hostname',
      message: `Invalid value: "Foo": spec.validation.hostname in body should match '${HOSTNAME_PATTERN}'`,
      at: 'Foo',
    });
  });

  test('an unserved version is rejected precisely', () => {
    expectDiagnostic(policy(REFS + VALIDATION, 'gateway.networking.k8s.io/v1beta1'), {
      code: 'unknown_version',
      field: 'apiVersion',
      message:
        'no matches for kind "BackendTLSPolicy" in version "gateway.networking.k8s.io/v1beta1" (served versions: "gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha3")',
      at: 'gateway.networking.k8s.io/v1beta1',
    });
  });
});

describe('BackendTLSPolicy 2.2: spec.targetRefs', () => {
  test('targetRefs is required', () => {
    const y = policy(VALIDATION);
    expectDiagnostic(y, { code: 'schema_required', field: 'spec.targetRefs', message: 'Required value', at: 'spec:' });
  });

  test('at least one targetRef', () => {
    const y = policy(`  targetRefs: []\n${VALIDATION}`);
    expectDiagnostic(y, {
      code: 'schema_limit',
      field: 'spec.targetRefs',
      message: 'Invalid value: 0: spec.targetRefs in body should have at least 1 items',
      at: 'targetRefs:',
    });
  });

  test('at most 16 targetRefs (16 pass with a warning, 17 fail)', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => ref(`svc-${i}`)).join('');
    const warnings = warningsOf(targetRefs(sixteen));
    assert.ok(warnings.some((w) => w.field === 'spec.targetRefs' && /16 targetRefs/.test(w.message)));
    const y = targetRefs(sixteen + ref('svc-16'));
    expectDiagnostic(y, { code: 'schema_limit', field: 'spec.targetRefs', message: 'Too many: 17: must have at most 16 items', at: 'targetRefs:' });
  });

  test('CEL: sectionName must be specified on every ref to the same target, or on none', () => {
    expectValid(targetRefs(ref('a') + ref('b')));
    expectValid(targetRefs(ref('a', 'http') + ref('a', 'https')));
    const y = targetRefs(ref('a', 'http') + ref('a'));
    expectDiagnostic(y, {
      code: 'cel_rule',
      field: 'spec.targetRefs',
      message: 'Invalid value: "array": sectionName must be specified when targetRefs includes 2 or more references to the same target',
      at: 'targetRefs:',
    });
  });

  test('CEL: sectionName must be unique when a target repeats', () => {
    const unique = 'Invalid value: "array": sectionName must be unique when targetRefs includes 2 or more references to the same target';
    expectDiagnostic(targetRefs(ref('a') + ref('a')), { code: 'cel_rule', field: 'spec.targetRefs', message: unique, at: 'targetRefs:' });
    expectDiagnostic(targetRefs(ref('a', 'http') + ref('a', 'http')), { code: 'cel_rule', field: 'spec.targetRefs', message: unique });
    // Different kinds with the same name are different targets.
    expectValid(targetRefs(ref('a') + '  - group: ""\n    kind: ConfigMap\n    name: a\n'));
  });

  test('options: at most 16 entries', () => {
    const entries = (n: number): string => Array.from({ length: n }, (_, i) => `    example.com/o${i}: v\n`).join('');
    expectValid(policy(REFS + VALIDATION + `  options:\n${entries(16)}`));
    expectDiagnostic(policy(REFS + VALIDATION + `  options:\n${entries(17)}`), {
      code: 'schema_limit',
      field: 'spec.options',
      message: 'Too many: 17: must have at most 16 items',
      at: 'options:',
    });
  });

  test('options: values are strings of at most 4096 characters', () => {
    expectValid(policy(REFS + VALIDATION + `  options:\n    example.com/empty: ""\n    example.com/long: ${'a'.repeat(4096)}\n`));
    expectDiagnostic(policy(REFS + VALIDATION + `  options:\n    example.com/long: ${'a'.repeat(4097)}\n`), {
      code: 'schema_limit',
      field: 'spec.options.example.com/long',
      message: 'Too long: may not be more than 4096 bytes',
      at: 'aaaa',
    });
    expectDiagnostic(policy(REFS + VALIDATION + '  options:\n    example.com/n: 5\n'), {
      code: 'schema_type',
      field: 'spec.options.example.com/n',
      message: 'Invalid value: "integer": spec.options.example.com/n in body must be of type string: "integer"',
      at: '5\n',
    });
  });
});

describe('BackendTLSPolicy 2.3: spec.validation', () => {
  test('validation is required', () => {
    expectDiagnostic(policy(REFS), { code: 'schema_required', field: 'spec.validation', message: 'Required value', at: 'spec:' });
  });

  test('hostname is required', () => {
    const y = withValidation('    wellKnownCACertificates: System\n');
    expectDiagnostic(y, { code: 'schema_required', field: 'spec.validation.hostname', message: 'Required value', at: 'validation:' });
  });

  test('hostname: lower-case DNS name without wildcard or trailing dot', () => {
    expectValid(withValidation('    hostname: a-1.example.com\n    wellKnownCACertificates: System\n'));
    for (const bad of ['Foo', '"*.example.com"', 'example.com.', 'a_b.example']) {
      const y = withValidation(`    hostname: ${bad}\n    wellKnownCACertificates: System\n`);
      const value = bad.replaceAll('"', '');
      expectDiagnostic(y, {
        code: 'schema_pattern',
        field: 'spec.validation.hostname',
        message: `Invalid value: ${JSON.stringify(value)}: spec.validation.hostname in body should match '${HOSTNAME_PATTERN}'`,
        at: bad,
      });
    }
  });

  test('hostname: 1 to 253 characters', () => {
    const label = 'a'.repeat(63);
    const h253 = `${label}.${label}.${label}.${'a'.repeat(61)}`;
    assert.equal(h253.length, 253);
    expectValid(withValidation(`    hostname: ${h253}\n    wellKnownCACertificates: System\n`));
    expectDiagnostic(withValidation(`    hostname: ${h253}b\n    wellKnownCACertificates: System\n`), {
      code: 'schema_limit',
      field: 'spec.validation.hostname',
      message: 'Too long: may not be more than 253 bytes',
      at: h253,
    });
    const empty = withValidation('    hostname: ""\n    wellKnownCACertificates: System\n');
    expectDiagnostic(empty, {
      code: 'schema_limit',
      field: 'spec.validation.hostname',
      message: 'Invalid value: "": spec.validation.hostname in body should be at least 1 chars long',
      at: posOf(empty, '""', 2),
    });
  });

  test('wellKnownCACertificates: System or a domain-prefixed name', () => {
    expectValid(withValidation('    hostname: a.example\n    wellKnownCACertificates: System\n'));
    expectValid(withValidation('    hostname: a.example\n    wellKnownCACertificates: my.company.com/my-custom-ca-certificates\n'));
    for (const bad of ['MySystem', 'my-system', 'in..va..lid./my-custom-ca-certificates']) {
      expectDiagnostic(withValidation(`    hostname: a.example\n    wellKnownCACertificates: ${bad}\n`), {
        code: 'schema_pattern',
        field: 'spec.validation.wellKnownCACertificates',
        message: `Invalid value: ${JSON.stringify(bad)}: spec.validation.wellKnownCACertificates in body should match '${WELL_KNOWN_PATTERN}'`,
        at: bad,
      });
    }
  });

  test('wellKnownCACertificates: at most 253 characters', () => {
    const long = `example.com/${'a'.repeat(242)}`;
    expectDiagnostic(withValidation(`    hostname: a.example\n    wellKnownCACertificates: ${long}\n`), {
      code: 'schema_limit',
      field: 'spec.validation.wellKnownCACertificates',
      message: 'Too long: may not be more than 253 bytes',
      at: long,
    });
  });

  test('CEL: not both caCertificateRefs and wellKnownCACertificates', () => {
    const y = withValidation('    hostname: a.example\n    wellKnownCACertificates: System\n    caCertificateRefs:\n    - {group: "", kind: ConfigMap, name: ca}\n');
    expectDiagnostic(y, {
      code: 'cel_rule',
      field: 'spec.validation',
      message: 'Invalid value: "object": must not contain both CACertificateRefs and WellKnownCACertificates',
      at: 'validation:',
    });
    // An empty list does not count as "set".
    expectValid(withValidation('    hostname: a.example\n    wellKnownCACertificates: System\n    caCertificateRefs: []\n'));
  });

  test('CEL: one of caCertificateRefs or wellKnownCACertificates', () => {
    const y = withValidation('    hostname: a.example\n');
    expectDiagnostic(y, {
      code: 'cel_rule',
      field: 'spec.validation',
      message: 'Invalid value: "object": must specify either CACertificateRefs or WellKnownCACertificates',
      at: 'validation:',
    });
    expectDiagnostic(withValidation('    hostname: a.example\n    caCertificateRefs: []\n'), {
      code: 'cel_rule',
      field: 'spec.validation',
      message: 'Invalid value: "object": must specify either CACertificateRefs or WellKnownCACertificates',
    });
  });

  test('caCertificateRefs: at most 8', () => {
    const refs = (n: number): string => Array.from({ length: n }, (_, i) => `    - {group: "", kind: ConfigMap, name: ca-${i}}\n`).join('');
    expectValid(withValidation(`    hostname: a.example\n    caCertificateRefs:\n${refs(8)}`));
    expectDiagnostic(withValidation(`    hostname: a.example\n    caCertificateRefs:\n${refs(9)}`), {
      code: 'schema_limit',
      field: 'spec.validation.caCertificateRefs',
      message: 'Too many: 9: must have at most 8 items',
      at: 'caCertificateRefs:',
    });
  });

  test('subjectAltNames: at most 5', () => {
    const sans = (n: number): string => Array.from({ length: n }, (_, i) => `    - {type: Hostname, hostname: s${i}.example}\n`).join('');
    expectValid(withValidation(`    hostname: a.example\n    wellKnownCACertificates: System\n    subjectAltNames:\n${sans(5)}`));
    expectDiagnostic(withValidation(`    hostname: a.example\n    wellKnownCACertificates: System\n    subjectAltNames:\n${sans(6)}`), {
      code: 'schema_limit',
      field: 'spec.validation.subjectAltNames',
      message: 'Too many: 6: must have at most 5 items',
      at: 'subjectAltNames:',
    });
  });
});

describe('BackendTLSPolicy 2.4: subjectAltNames[]', () => {
  const san = (item: string): string => withValidation(`    hostname: a.example\n    wellKnownCACertificates: System\n    subjectAltNames:\n    - ${item}\n`);

  test('type is required and is Hostname or URI', () => {
    const noType = san('hostname: b.example');
    expectDiagnostic(noType, {
      code: 'schema_required',
      field: 'spec.validation.subjectAltNames[0].type',
      message: 'Required value',
      at: 'hostname: b.example',
    });
    expectDiagnostic(san('{type: DNS, hostname: a.example}'), {
      code: 'schema_enum',
      field: 'spec.validation.subjectAltNames[0].type',
      message: 'Unsupported value: "DNS": supported values: "Hostname", "URI"',
      at: 'DNS',
    });
  });

  test('hostname: a DNS name, a leading *. allowed', () => {
    expectValid(san('{type: Hostname, hostname: "*.example.com"}'));
    expectDiagnostic(san('{type: Hostname, hostname: "a.*.example"}'), {
      code: 'schema_pattern',
      field: 'spec.validation.subjectAltNames[0].hostname',
      message: `Invalid value: "a.*.example": spec.validation.subjectAltNames[0].hostname in body should match '${SAN_HOSTNAME_PATTERN}'`,
      at: '"a.*.example"',
    });
  });

  test('uri: scheme and authority required', () => {
    expectValid(san('{type: URI, uri: "spiffe://cluster.local/ns/app/sa/api"}'));
    expectDiagnostic(san('{type: URI, uri: "urn:x:y"}'), {
      code: 'schema_pattern',
      field: 'spec.validation.subjectAltNames[0].uri',
      message: `Invalid value: "urn:x:y": spec.validation.subjectAltNames[0].uri in body should match '${URI_PATTERN}'`,
      at: '"urn:x:y"',
    });
  });

  test('CEL: Hostname type needs a hostname', () => {
    expectDiagnostic(san('{type: Hostname}'), {
      code: 'cel_rule',
      field: 'spec.validation.subjectAltNames[0]',
      message: 'Invalid value: "object": SubjectAltName element must contain Hostname, if Type is set to Hostname',
      at: '{type: Hostname}',
    });
  });

  test('CEL: only the Hostname type may carry a hostname', () => {
    expectDiagnostic(san('{type: URI, uri: "spiffe://a/b", hostname: a.example}'), {
      code: 'cel_rule',
      field: 'spec.validation.subjectAltNames[0]',
      message: 'Invalid value: "object": SubjectAltName element must not contain Hostname, if Type is not set to Hostname',
      at: '{type: URI',
    });
  });

  test('CEL: URI type needs a uri', () => {
    expectDiagnostic(san('{type: URI}'), {
      code: 'cel_rule',
      field: 'spec.validation.subjectAltNames[0]',
      message: 'Invalid value: "object": SubjectAltName element must contain URI, if Type is set to URI',
      at: '{type: URI}',
    });
  });

  test('CEL: only the URI type may carry a uri', () => {
    expectDiagnostic(san('{type: Hostname, hostname: a.example, uri: "spiffe://a/b"}'), {
      code: 'cel_rule',
      field: 'spec.validation.subjectAltNames[0]',
      message: 'Invalid value: "object": SubjectAltName element must not contain URI, if Type is not set to URI',
      at: '{type: Hostname',
    });
  });
});

describe('BackendTLSPolicy 2.5: targetRefs[]', () => {
  test('group, kind and name are required; group has no default', () => {
    const y = targetRefs('  - kind: Service\n    name: a\n');
    expectDiagnostic(y, { code: 'schema_required', field: 'spec.targetRefs[0].group', message: 'Required value', at: 'kind: Service' });
    expectDiagnostic(targetRefs('  - group: ""\n    name: a\n'), { code: 'schema_required', field: 'spec.targetRefs[0].kind', message: 'Required value' });
    expectDiagnostic(targetRefs('  - group: ""\n    kind: Service\n'), { code: 'schema_required', field: 'spec.targetRefs[0].name', message: 'Required value' });
  });

  test('group pattern', () => {
    expectDiagnostic(targetRefs('  - group: Core\n    kind: Service\n    name: a\n'), {
      code: 'schema_pattern',
      field: 'spec.targetRefs[0].group',
      message: `Invalid value: "Core": spec.targetRefs[0].group in body should match '${GROUP_PATTERN}'`,
      at: 'Core',
    });
  });

  test('kind pattern and length', () => {
    expectDiagnostic(targetRefs('  - group: ""\n    kind: 1Service\n    name: a\n'), {
      code: 'schema_pattern',
      field: 'spec.targetRefs[0].kind',
      message: `Invalid value: "1Service": spec.targetRefs[0].kind in body should match '${KIND_PATTERN}'`,
      at: '1Service',
    });
    expectDiagnostic(targetRefs(`  - group: ""\n    kind: ${'K'.repeat(64)}\n    name: a\n`), {
      code: 'schema_limit',
      field: 'spec.targetRefs[0].kind',
      message: 'Too long: may not be more than 63 bytes',
    });
  });

  test('name length 1..253', () => {
    expectDiagnostic(targetRefs(`  - group: ""\n    kind: Service\n    name: ${'n'.repeat(254)}\n`), {
      code: 'schema_limit',
      field: 'spec.targetRefs[0].name',
      message: 'Too long: may not be more than 253 bytes',
    });
    expectDiagnostic(targetRefs('  - group: ""\n    kind: Service\n    name: ""\n'), {
      code: 'schema_limit',
      field: 'spec.targetRefs[0].name',
      message: 'Invalid value: "": spec.targetRefs[0].name in body should be at least 1 chars long',
    });
  });

  test('sectionName pattern', () => {
    expectValid(targetRefs(ref('a', 'https')));
    expectDiagnostic(targetRefs(ref('a', 'HTTPS')), {
      code: 'schema_pattern',
      field: 'spec.targetRefs[0].sectionName',
      message: `Invalid value: "HTTPS": spec.targetRefs[0].sectionName in body should match '${HOSTNAME_PATTERN}'`,
      at: 'HTTPS',
    });
  });

  test('there is no namespace field', () => {
    expectDiagnostic(targetRefs('  - group: ""\n    kind: Service\n    name: a\n    namespace: other\n'), {
      code: 'schema_unknown_field',
      field: 'spec.targetRefs[0].namespace',
      message: 'unknown field "spec.targetRefs[0].namespace"',
      at: 'other',
    });
  });
});

describe('BackendTLSPolicy 2.6: caCertificateRefs[]', () => {
  test('group, kind and name are required', () => {
    const y = withValidation('    hostname: a.example\n    caCertificateRefs:\n    - kind: ConfigMap\n      name: ca\n');
    expectDiagnostic(y, { code: 'schema_required', field: 'spec.validation.caCertificateRefs[0].group', message: 'Required value', at: 'kind: ConfigMap' });
  });

  test('kind pattern', () => {
    expectDiagnostic(withValidation('    hostname: a.example\n    caCertificateRefs:\n    - {group: "", kind: "Config Map", name: ca}\n'), {
      code: 'schema_pattern',
      field: 'spec.validation.caCertificateRefs[0].kind',
      message: `Invalid value: "Config Map": spec.validation.caCertificateRefs[0].kind in body should match '${KIND_PATTERN}'`,
      at: '"Config Map"',
    });
  });
});

describe('BackendTLSPolicy: diagnostics carry identity and several problems at once', () => {
  test('every problem is reported, schema errors before CEL, with kind/namespace/name', () => {
    const y = policy(`  targetRefs:\n${ref('a', 'x')}${ref('a')}  validation:\n    hostname: Bad\n`);
    const { diagnostics } = check(y);
    const codes = diagnostics.map((d) => d.code);
    assert.deepEqual(codes, ['schema_pattern', 'cel_rule', 'cel_rule']);
    for (const d of diagnostics) {
      assert.equal(d.kind, 'BackendTLSPolicy');
      assert.equal(d.namespace, 'app');
      assert.equal(d.name, 'p');
    }
    assert.deepEqual(posOf(y, 'Bad'), { line: diagnostics[0]?.line, col: diagnostics[0]?.col });
  });
});
