/** apiVersion/kind resolution and metadata checks, in the API server's words. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { check, expectDiagnostic, expectValid, warningsOf } from './test-helpers.ts';

const cm = (metadata: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n${metadata}data:\n  a: b\n`;

describe('apiVersion and kind', () => {
  test('kind and apiVersion must be set', () => {
    expectDiagnostic('metadata:\n  name: x\n', { code: 'unknown_kind', field: 'kind', message: 'kind not set', at: { line: 1, col: 1 } });
    expectDiagnostic('kind: ConfigMap\nmetadata:\n  name: x\n', { code: 'unknown_version', field: 'apiVersion', message: 'apiVersion not set' });
  });

  test('unknown kinds are named, with a hint for a wrong case', () => {
    expectDiagnostic('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n', {
      code: 'unknown_kind',
      field: 'kind',
      message: /^no matches for kind "Pod" in version "v1" \(lastmile reads GatewayClass, Gateway/,
      at: 'Pod',
    });
    expectDiagnostic('apiVersion: v1\nkind: configmap\nmetadata: {name: x}\n', {
      code: 'unknown_kind',
      field: 'kind',
      message: 'no matches for kind "configmap" in version "v1" (kinds are case-sensitive: did you mean "ConfigMap"?)',
    });
  });

  test('a known kind in the wrong group or version', () => {
    expectDiagnostic('apiVersion: gateway.networking.k8s.io/v1\nkind: Service\nmetadata: {name: x}\n', {
      code: 'unknown_version',
      field: 'apiVersion',
      message: 'no matches for kind "Service" in version "gateway.networking.k8s.io/v1" (served versions: "v1")',
      at: 'gateway.networking.k8s.io/v1',
    });
  });

  test('a document that is not a mapping', () => {
    for (const y of ['just a string\n', '- a\n- b\n', '42\n', '']) {
      const r = check(y);
      assert.equal(r.object, undefined);
      assert.equal(r.diagnostics[0]?.code, 'not_an_object');
    }
  });
});

describe('metadata', () => {
  test('name is required', () => {
    expectDiagnostic('apiVersion: v1\nkind: ConfigMap\n', {
      code: 'metadata',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
      at: { line: 1, col: 1 },
    });
    expectDiagnostic(cm('  namespace: a\n'), { code: 'metadata', field: 'metadata.name', message: 'Required value: name or generateName is required', at: 'metadata:' });
  });

  test('names are RFC 1123 subdomains; Service names DNS-1035 labels', () => {
    expectValid(cm('  name: a.b-c\n'));
    expectDiagnostic(cm('  name: Bad_Name\n'), {
      code: 'metadata',
      field: 'metadata.name',
      message:
        "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      at: 'Bad_Name',
    });
    expectDiagnostic(cm(`  name: ${'a'.repeat(254)}\n`), { code: 'metadata', field: 'metadata.name', message: /must be no more than 253 characters$/ });
    expectDiagnostic('apiVersion: v1\nkind: Service\nmetadata:\n  name: 1svc\nspec:\n  ports: [{port: 80}]\n', {
      code: 'metadata',
      field: 'metadata.name',
      message:
        "Invalid value: \"1svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      at: '1svc',
    });
  });

  test('namespace defaults to default and must be an RFC 1123 label', () => {
    const obj = expectValid(cm('  name: a\n'));
    assert.equal((obj['metadata'] as Record<string, unknown>)['namespace'], 'default');
    expectDiagnostic(cm('  name: a\n  namespace: my.ns\n'), {
      code: 'metadata',
      field: 'metadata.namespace',
      message: /^Invalid value: "my.ns": a lowercase RFC 1123 label must consist of/,
      at: 'my.ns',
    });
  });

  test('cluster-scoped kinds drop a namespace with a warning', () => {
    const y = 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: gc\n  namespace: x\nspec:\n  controllerName: lastmile.dev/gateway-controller\n';
    const w = warningsOf(y);
    assert.equal(w[0]?.field, 'metadata.namespace');
    const obj = expectValid(y);
    assert.equal((obj['metadata'] as Record<string, unknown>)['namespace'], undefined);
  });

  test('label keys and values follow the Kubernetes rules', () => {
    expectValid(cm('  name: a\n  labels:\n    app.kubernetes.io/name: web\n    empty: ""\n'));
    expectDiagnostic(cm('  name: a\n  labels:\n    "a/b/c": x\n'), {
      code: 'metadata',
      field: 'metadata.labels',
      message: /^Invalid value: "a\/b\/c": a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e.g. 'example.com\/MyName'\)$/,
      at: { line: 6, col: 14 }, // the label's line (its value)
    });
    expectDiagnostic(cm('  name: a\n  labels:\n    Bad.Prefix/x: y\n'), {
      code: 'metadata',
      field: 'metadata.labels',
      message: /^Invalid value: "Bad.Prefix\/x": prefix part a lowercase RFC 1123 subdomain/,
    });
    expectDiagnostic(cm('  name: a\n  labels:\n    k: "not ok!"\n'), {
      code: 'metadata',
      field: 'metadata.labels',
      message: /^Invalid value: "not ok!": a valid label must be an empty string or consist of alphanumeric characters/,
      at: '"not ok!"',
    });
    expectDiagnostic(cm(`  name: a\n  labels:\n    k: ${'v'.repeat(64)}\n`), { code: 'metadata', field: 'metadata.labels', message: /must be no more than 63 characters$/ });
    expectDiagnostic(cm('  name: a\n  labels:\n    port: 8080\n'), {
      code: 'schema_type',
      field: 'metadata.labels.port',
      message: 'Invalid value: "integer": metadata.labels.port in body must be of type string: "integer" (quote the value)',
      at: '8080',
    });
  });

  test('annotation keys are qualified names (any case); values are free text within 256 KiB', () => {
    expectValid(cm('  name: a\n  annotations:\n    Example.com/Owner: "anything at all: {}"\n'));
    expectDiagnostic(cm('  name: a\n  annotations:\n    "bad key": x\n'), { code: 'metadata', field: 'metadata.annotations', message: /^Invalid value: "bad key": name part must consist of/ });
    expectDiagnostic(cm(`  name: a\n  annotations:\n    big: ${'x'.repeat(262145)}\n`), {
      code: 'metadata',
      field: 'metadata.annotations',
      message: 'Too long: must have at most 262144 bytes',
    });
  });

  test('unknown metadata fields are errors', () => {
    expectDiagnostic(cm('  name: a\n  lables: {}\n'), { code: 'schema_unknown_field', field: 'metadata.lables', message: 'unknown field "metadata.lables"', at: 'lables' });
  });

  test('diagnostics name the object: kind, namespace, name', () => {
    const d = expectDiagnostic(cm('  name: a\n  namespace: team\n  labels: {k: "x y"}\n'), { code: 'metadata', field: 'metadata.labels', message: /^Invalid value: "x y"/ });
    assert.deepEqual([d.kind, d.namespace, d.name], ['ConfigMap', 'team', 'a']);
  });
});
