import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, assertValid, at, validateYaml } from './kind-test-helpers.ts';

const head = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: web
  namespace: infra
spec:
  gatewayClassName: lastmile
`;

const valid = `${head}  listeners:
  - name: http
    port: 80
    protocol: HTTP
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    tls:
      certificateRefs:
      - name: wildcard-cert
`;

/** A Gateway with the given listeners block (YAML list items indented by two spaces). */
const withListeners = (listeners: string): string => `${head}  listeners:\n${listeners}`;

describe('Gateway schema', () => {
  it('accepts a realistic Gateway and fills in the defaults', () => {
    const obj = assertValid(valid);
    assert.deepEqual(at(obj, 'spec', 'listeners', 0, 'allowedRoutes'), { namespaces: { from: 'Same' } });
    assert.equal(at(obj, 'spec', 'listeners', 1, 'tls', 'mode'), 'Terminate');
    assert.deepEqual(at(obj, 'spec', 'listeners', 1, 'tls', 'certificateRefs', 0), {
      group: '',
      kind: 'Secret',
      name: 'wildcard-cert',
    });
  });

  it('defaults an allowedRoutes kind group and an address type', () => {
    const obj = assertValid(`${head}  addresses:
  - value: 192.0.2.10
  - type: Hostname
    value: gw.example.com
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      kinds:
      - kind: HTTPRoute
      namespaces:
        from: All
`);
    assert.equal(at(obj, 'spec', 'listeners', 0, 'allowedRoutes', 'kinds', 0, 'group'), 'gateway.networking.k8s.io');
    assert.equal(at(obj, 'spec', 'addresses', 0, 'type'), 'IPAddress');
  });

  it('rejects duplicate listener names', () => {
    assertError(
      withListeners(`  - name: http
    port: 80
    protocol: HTTP
  - name: http
    port: 8080
    protocol: HTTP
`),
      'spec.listeners',
      'Listener name must be unique within the Gateway',
    );
  });

  it('rejects a duplicate port, protocol and hostname combination', () => {
    assertError(
      withListeners(`  - name: a
    port: 80
    protocol: HTTP
    hostname: a.example.com
  - name: b
    port: 80
    protocol: HTTP
    hostname: a.example.com
`),
      'spec.listeners',
      'Combination of port, protocol and hostname must be unique for each listener',
    );
  });

  it('rejects listener hostnames that are not lower-case DNS names', () => {
    assertError(valid.replace('"*.example.com"', 'Foo.example.com'), 'spec.listeners[1].hostname', 'should match');
    assertError(valid.replace('"*.example.com"', 'foo.*.example.com'), 'spec.listeners[1].hostname', 'should match');
  });

  it('requires certificateRefs or options for a terminating HTTPS listener', () => {
    assertError(
      withListeners(`  - name: https
    port: 443
    protocol: HTTPS
    tls:
      certificateRefs: []
      options: {}
`),
      'spec.listeners[0].tls',
      'certificateRefs or options must be specified when mode is Terminate',
    );
  });

  it('accepts options instead of certificateRefs', () => {
    assertValid(
      withListeners(`  - name: https
    port: 443
    protocol: HTTPS
    tls:
      certificateRefs: []
      options:
        lastmile.dev/certificate-source: acme
`),
    );
  });

  it('rejects tls on an HTTP listener', () => {
    assertError(
      withListeners(`  - name: http
    port: 80
    protocol: HTTP
    tls:
      certificateRefs:
      - name: cert
`),
      'spec.listeners',
      "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
    );
  });

  it('rejects Passthrough on an HTTPS listener', () => {
    assertError(
      withListeners(`  - name: https
    port: 443
    protocol: HTTPS
    tls:
      mode: Passthrough
`),
      'spec.listeners',
      'tls mode must be Terminate for protocol HTTPS',
    );
  });

  it('requires tls on a TLS listener, and accepts Passthrough there', () => {
    assertError(
      withListeners(`  - name: tls
    port: 443
    protocol: TLS
`),
      'spec.listeners',
      'tls mode must be set for protocol TLS',
    );
    assertValid(
      withListeners(`  - name: tls
    port: 443
    protocol: TLS
    hostname: db.example.com
    tls:
      mode: Passthrough
`),
    );
  });

  it('rejects a hostname on a TCP listener', () => {
    assertError(
      withListeners(`  - name: tcp
    port: 5432
    protocol: TCP
    hostname: db.example.com
`),
      'spec.listeners',
      "hostname must not be specified for protocols ['TCP', 'UDP']",
    );
  });

  it('rejects a tls mode outside the enum and a port out of range', () => {
    assertError(valid.replace('      certificateRefs:', '      mode: Originate\n      certificateRefs:'), 'spec.listeners[1].tls.mode', 'Unsupported value');
    assertError(valid.replace('port: 80', 'port: 70000'), 'spec.listeners[0].port', '65535');
  });

  it('requires at least one listener', () => {
    assertError(`${head}  listeners: []\n`, 'spec.listeners', 'should have at least 1 items');
  });

  it('checks addresses: IPAddress values must be IPs, Hostname values DNS names, no duplicates', () => {
    const withAddresses = (addresses: string): string =>
      `${head}  addresses:\n${addresses}  listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n`;
    const bad = withAddresses('  - type: IPAddress\n    value: not-an-ip\n');
    const { errors } = validateYaml(bad);
    assert.ok(errors.some((d) => d.field?.startsWith('spec.addresses[0]')), 'an IPAddress that is not an IP is rejected');
    assertValid(withAddresses('  - type: IPAddress\n    value: "2001:db8::1"\n'));
    assertError(
      withAddresses('  - type: Hostname\n    value: Bad_Host\n'),
      'spec.addresses[0]',
      'Hostname value must be empty or contain only valid characters',
    );
    assertError(
      withAddresses('  - value: 192.0.2.1\n  - value: 192.0.2.1\n'),
      'spec.addresses',
      'IPAddress values must be unique',
    );
  });

  it('rejects duplicate ports in tls.frontend.perPort', () => {
    const perPort = `  tls:
    frontend:
      default:
        validation:
          caCertificateRefs:
          - group: ""
            kind: ConfigMap
            name: client-ca
      perPort:
      - port: 443
        tls: {}
      - port: 443
        tls: {}
`;
    assertError(`${valid}${perPort}`, 'spec.tls.frontend.perPort', 'Port for TLS configuration must be unique within the Gateway');
  });

  it('checks infrastructure label keys', () => {
    assertError(
      `${valid}  infrastructure:\n    labels:\n      "bad key": x\n`,
      'spec.infrastructure.labels',
      'Label keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.',
    );
    assertValid(`${valid}  infrastructure:\n    labels:\n      example.com/team: web\n    annotations:\n      note: hello\n`);
  });
});
