/** Core kinds: the API server's Service, EndpointSlice, ConfigMap and Secret checks, and their defaults. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { check, expectDiagnostic, expectValid, warningsOf } from '../test-helpers.ts';

const svc = (spec: string, name = 'web'): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const slice = (body: string, labels = '  labels:\n    kubernetes.io/service-name: web\n'): string =>
  `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-1\n${labels}${body}`;
const configMap = (body: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ca\n${body}`;
const secret = (body: string): string => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n${body}`;

describe('Service', () => {
  test('a valid Service comes back with the API server defaults', () => {
    const obj = expectValid(svc('  ports:\n  - port: 443\n'));
    const spec = obj['spec'] as Record<string, unknown>;
    assert.equal(spec['type'], 'ClusterIP');
    assert.deepEqual(spec['ports'], [{ port: 443, protocol: 'TCP', targetPort: 443 }]);
  });

  test('ports are required unless ExternalName', () => {
    expectDiagnostic(svc('  selector: {app: web}\n'), { code: 'schema_required', field: 'spec.ports', message: 'Required value', at: 'spec:' });
    expectValid(svc('  type: ExternalName\n  externalName: backend.example.com.\n'));
  });

  test('port range 1..65535', () => {
    expectDiagnostic(svc('  ports:\n  - port: 65536\n'), {
      code: 'schema_limit',
      field: 'spec.ports[0].port',
      message: 'Invalid value: 65536: must be between 1 and 65535, inclusive',
      at: '65536',
    });
    expectDiagnostic(svc('  ports:\n  - port: 80\n    targetPort: 0x10000\n'), {
      code: 'schema_limit',
      field: 'spec.ports[0].targetPort',
      message: 'Invalid value: 65536: must be between 1 and 65535, inclusive',
    });
    expectDiagnostic(svc('  ports:\n  - name: a\n'), { code: 'schema_required', field: 'spec.ports[0].port', message: 'Required value' });
  });

  test('protocol TCP, UDP or SCTP', () => {
    expectValid(svc('  ports:\n  - port: 53\n    protocol: UDP\n'));
    expectDiagnostic(svc('  ports:\n  - port: 80\n    protocol: HTTP\n'), {
      code: 'schema_enum',
      field: 'spec.ports[0].protocol',
      message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      at: 'HTTP',
    });
  });

  test('port names: required with several ports, unique, RFC 1123 labels', () => {
    expectValid(svc('  ports:\n  - {name: http, port: 80}\n  - {name: https, port: 443}\n'));
    expectDiagnostic(svc('  ports:\n  - {name: http, port: 80}\n  - {port: 443}\n'), { code: 'schema_required', field: 'spec.ports[1].name', message: 'Required value' });
    expectDiagnostic(svc('  ports:\n  - {name: http, port: 80}\n  - {name: http, port: 443}\n'), {
      code: 'duplicate_key_in_list',
      field: 'spec.ports[1].name',
      message: 'Duplicate value: "http"',
      at: { line: 8, col: 12 },
    });
    expectDiagnostic(svc('  ports:\n  - {name: HTTP, port: 80}\n'), {
      code: 'schema_pattern',
      field: 'spec.ports[0].name',
      message: /^Invalid value: "HTTP": a lowercase RFC 1123 label must consist of/,
      at: 'HTTP',
    });
  });

  test('ExternalName needs a valid externalName', () => {
    expectDiagnostic(svc('  type: ExternalName\n'), { code: 'schema_required', field: 'spec.externalName', message: 'Required value' });
    expectDiagnostic(svc('  type: ExternalName\n  externalName: Bad_Host\n'), {
      code: 'schema_pattern',
      field: 'spec.externalName',
      message: /^Invalid value: "Bad_Host": a lowercase RFC 1123 subdomain/,
      at: 'Bad_Host',
    });
  });

  test('type is one of the four Service types', () => {
    expectDiagnostic(svc('  type: Headless\n  ports: [{port: 80}]\n'), {
      code: 'schema_enum',
      field: 'spec.type',
      message: 'Unsupported value: "Headless": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    });
  });

  test('wrong types and unknown fields are reported like strict decoding', () => {
    expectDiagnostic(svc('  ports:\n  - port: "80"\n'), {
      code: 'schema_type',
      field: 'spec.ports[0].port',
      message: 'Invalid value: "string": spec.ports[0].port in body must be of type integer: "string"',
      at: '"80"',
    });
    expectDiagnostic(svc('  prots: []\n  ports: [{port: 80}]\n'), { code: 'schema_unknown_field', field: 'spec.prots', message: 'unknown field "spec.prots"' });
  });
});

describe('EndpointSlice', () => {
  test('a valid slice', () => {
    const obj = expectValid(slice('addressType: IPv4\nendpoints:\n- addresses: ["10.0.0.1"]\nports:\n- {name: https, port: 8443}\n'));
    assert.deepEqual(obj['ports'], [{ name: 'https', port: 8443, protocol: 'TCP' }]);
  });

  test('addressType is required and IPv4, IPv6 or FQDN', () => {
    expectDiagnostic(slice('endpoints: []\n'), { code: 'schema_required', field: 'addressType', message: 'Required value' });
    expectDiagnostic(slice('addressType: IP\n'), {
      code: 'schema_enum',
      field: 'addressType',
      message: 'Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"',
      at: 'IP\n',
    });
  });

  test('addresses match the address type', () => {
    expectValid(slice('addressType: IPv6\nendpoints:\n- addresses: ["fd00::1"]\n'));
    expectValid(slice('addressType: FQDN\nendpoints:\n- addresses: ["backend.example.com"]\n'));
    expectDiagnostic(slice('addressType: IPv4\nendpoints:\n- addresses: ["fd00::1"]\n'), {
      code: 'schema_pattern',
      field: 'endpoints[0].addresses[0]',
      message: 'Invalid value: "fd00::1": must be a valid IPv4 address',
      at: '"fd00::1"',
    });
    expectDiagnostic(slice('addressType: IPv6\nendpoints:\n- addresses: ["10.0.0.1"]\n'), {
      code: 'schema_pattern',
      field: 'endpoints[0].addresses[0]',
      message: 'Invalid value: "10.0.0.1": must be a valid IPv6 address',
    });
    expectDiagnostic(slice('addressType: FQDN\nendpoints:\n- addresses: ["Not A Name"]\n'), {
      code: 'schema_pattern',
      field: 'endpoints[0].addresses[0]',
      message: /^Invalid value: "Not A Name": a lowercase RFC 1123 subdomain/,
    });
    expectDiagnostic(slice('addressType: IPv4\nendpoints:\n- addresses: []\n'), {
      code: 'schema_required',
      field: 'endpoints[0].addresses',
      message: 'Required value: must contain at least 1 address',
    });
  });

  test('ports 1..65535 with unique names', () => {
    expectDiagnostic(slice('addressType: IPv4\nports:\n- {name: a, port: 0}\n'), {
      code: 'schema_limit',
      field: 'ports[0].port',
      message: 'Invalid value: 0: must be between 1 and 65535, inclusive',
    });
    expectDiagnostic(slice('addressType: IPv4\nports:\n- {name: a, port: 1}\n- {name: a, port: 2}\n'), {
      code: 'duplicate_key_in_list',
      field: 'ports[1].name',
      message: 'Duplicate value: "a"',
    });
  });

  test('a slice without kubernetes.io/service-name is valid but warned about', () => {
    const w = warningsOf(slice('addressType: IPv4\n', ''));
    assert.equal(w.length, 1);
    assert.equal(w[0]?.code, 'implementation_check');
    assert.match(w[0]?.message ?? '', /kubernetes\.io\/service-name/);
  });
});

describe('ConfigMap', () => {
  test('keys are valid config keys', () => {
    expectValid(configMap('data:\n  ca.crt: "pem"\n  KEY_name-1: v\n'));
    expectDiagnostic(configMap('data:\n  "ca crt": x\n'), {
      code: 'schema_pattern',
      field: 'data[ca crt]',
      message:
        "Invalid value: \"ca crt\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      at: 'x\n',
    });
    expectDiagnostic(configMap('data:\n  "..x": y\n'), { code: 'schema_pattern', field: 'data[..x]', message: 'Invalid value: "..x": must not start with \'..\'' });
  });

  test('no key in both data and binaryData', () => {
    expectDiagnostic(configMap('data:\n  k: a\nbinaryData:\n  k: YQ==\n'), {
      code: 'duplicate_key',
      field: 'data[k]',
      message: 'Invalid value: "k": duplicate of key present in binaryData',
    });
  });

  test('values must be strings', () => {
    expectDiagnostic(configMap('data:\n  port: 8080\n'), {
      code: 'schema_type',
      field: 'data.port',
      message: 'Invalid value: "integer": data.port in body must be of type string: "integer"',
      at: '8080',
    });
  });
});

describe('Secret', () => {
  test('stringData is merged into base64 data, as the API server stores it', () => {
    const obj = expectValid(secret('data:\n  a: YWJj\n  b: YmJi\nstringData:\n  b: new\n  c: "plain text"\n'));
    assert.equal(obj['stringData'], undefined);
    assert.equal(obj['type'], 'Opaque');
    assert.deepEqual(obj['data'], { a: 'YWJj', b: Buffer.from('new').toString('base64'), c: Buffer.from('plain text').toString('base64') });
  });

  test('data values must be valid base64, and the value is never shown', () => {
    const y = secret('data:\n  tls.key: "c2VjcmV0*c2VjcmV0"\n');
    const d = expectDiagnostic(y, {
      code: 'secret_data',
      field: 'data[tls.key]',
      message: 'illegal base64 data at input byte 8 (value not shown)',
      at: '"c2VjcmV0',
    });
    assert.doesNotMatch(d.message, /c2Vj/);
    // Line breaks in a YAML block scalar are fine.
    expectValid(secret('data:\n  a: |\n    YWJj\n    ZGVm\n'));
  });

  test('kubernetes.io/tls needs tls.crt and tls.key', () => {
    expectValid(secret('type: kubernetes.io/tls\nstringData:\n  tls.crt: crt\n  tls.key: key\n'));
    expectDiagnostic(secret('type: kubernetes.io/tls\ndata:\n  tls.crt: YQ==\n'), { code: 'schema_required', field: 'data[tls.key]', message: 'Required value' });
    const r = check(secret('type: kubernetes.io/tls\n'));
    assert.deepEqual(
      r.diagnostics.map((d) => d.field),
      ['data[tls.crt]', 'data[tls.key]'],
    );
  });

  test('keys are valid config keys', () => {
    expectDiagnostic(secret('stringData:\n  "a/b": x\n'), { code: 'schema_pattern', field: 'stringData[a/b]', message: /^Invalid value: "a\/b": a valid config key/ });
  });
});
