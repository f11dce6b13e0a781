/** Implementation checks: what the API server accepts but lastmile will reject or flag in status. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectDiagnostic, warningsOf } from '../test-helpers.ts';
import { parseBackendTlsOptions } from './options.ts';

function policy(validation: string, extra = '', refs = '  - {group: "", kind: Service, name: web}\n'): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: p
spec:
  targetRefs:
${refs}  validation:
${validation}${extra}`;
}
const SYSTEM = '    hostname: web.example.com\n    wellKnownCACertificates: System\n';

describe('BackendTLSPolicy implementation checks', () => {
  test('a plain valid policy has no warnings', () => {
    assert.deepEqual(warningsOf(policy(SYSTEM)), []);
  });

  test('an IP address in validation.hostname passes the CRD but is Accepted=False/Invalid', () => {
    expectDiagnostic(policy('    hostname: 10.0.0.1\n    wellKnownCACertificates: System\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.validation.hostname',
      message: '"10.0.0.1" is an IP address: hostname must be a DNS name (it is sent as SNI, which cannot carry an IP)',
      condition: 'Accepted=False/Invalid',
      at: '10.0.0.1',
    });
  });

  test('wellKnownCACertificates other than System is Accepted=False/Invalid', () => {
    expectDiagnostic(policy('    hostname: web.example.com\n    wellKnownCACertificates: example.com/corp-roots\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.validation.wellKnownCACertificates',
      message: 'unsupported value "example.com/corp-roots": lastmile supports "System" (the system trust store)',
      condition: 'Accepted=False/Invalid',
      at: 'example.com/corp-roots',
    });
  });

  test('more than one targetRef is warned about', () => {
    const refs = '  - {group: "", kind: Service, name: a}\n  - {group: "", kind: Service, name: b}\n';
    const d = expectDiagnostic(policy(SYSTEM, '', refs), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.targetRefs',
      message: /^2 targetRefs: Gateway API advises one target per policy/,
      at: 'targetRefs:',
    });
    assert.equal(d.condition, undefined);
  });

  test('a target that is not a core Service is TargetNotFound', () => {
    expectDiagnostic(policy(SYSTEM, '', '  - {group: gateway.networking.k8s.io, kind: Gateway, name: g}\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.targetRefs[0]',
      message: 'target "gateway.networking.k8s.io"/Gateway is not a core Service: lastmile applies BackendTLSPolicy to Services only, so this target is ignored',
      condition: 'Accepted=False/TargetNotFound',
    });
  });

  test('a CA reference of an unsupported kind is ResolvedRefs=False/InvalidKind', () => {
    expectDiagnostic(policy('    hostname: web.example.com\n    caCertificateRefs:\n    - {group: example.com, kind: Bundle, name: ca}\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.validation.caCertificateRefs[0]',
      message: /^CA certificates from "example.com"\/Bundle are not supported/,
      condition: 'ResolvedRefs=False/InvalidKind',
    });
    assert.deepEqual(warningsOf(policy('    hostname: web.example.com\n    caCertificateRefs:\n    - {group: "", kind: ConfigMap, name: ca}\n')), []);
  });

  test('known lastmile.dev options with good values pass', () => {
    const opts =
      '  options:\n    lastmile.dev/min-tls-version: TLSv1.2\n    lastmile.dev/max-tls-version: TLSv1.3\n' +
      '    lastmile.dev/cipher-suites: "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256"\n    lastmile.dev/ecdh-curves: "X25519,P-256"\n';
    assert.deepEqual(warningsOf(policy(SYSTEM, opts)), []);
  });

  test('unknown lastmile.dev keys and bad values are Accepted=False/Invalid', () => {
    expectDiagnostic(policy(SYSTEM, '  options:\n    lastmile.dev/min-tls: TLSv1.3\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.options.lastmile.dev/min-tls',
      message: /^unknown option "lastmile.dev\/min-tls"; lastmile reads "lastmile.dev\/min-tls-version"/,
      condition: 'Accepted=False/Invalid',
      at: 'TLSv1.3',
    });
    expectDiagnostic(policy(SYSTEM, '  options:\n    lastmile.dev/min-tls-version: TLSv1.1\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.options.lastmile.dev/min-tls-version',
      message: 'option "lastmile.dev/min-tls-version": unsupported value "TLSv1.1": supported values: "TLSv1.2", "TLSv1.3"',
      condition: 'Accepted=False/Invalid',
    });
    expectDiagnostic(policy(SYSTEM, '  options:\n    lastmile.dev/ecdh-curves: "P-256,brainpool"\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.options.lastmile.dev/ecdh-curves',
      message: /^option "lastmile.dev\/ecdh-curves": unknown curve "brainpool"/,
      condition: 'Accepted=False/Invalid',
    });
  });

  test('un-prefixed keys are reserved: Accepted=False/Invalid; other domains are only noted', () => {
    expectDiagnostic(policy(SYSTEM, '  options:\n    minVersion: "1.3"\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.options.minVersion',
      message: /^option "minVersion" is not domain-prefixed/,
      condition: 'Accepted=False/Invalid',
    });
    const d = expectDiagnostic(policy(SYSTEM, '  options:\n    example.com/foo: bar\n'), {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.options.example.com/foo',
      message: 'option "example.com/foo" belongs to another implementation and is ignored by lastmile',
    });
    assert.equal(d.condition, undefined);
  });
});

describe('parseBackendTlsOptions (shared with translation)', () => {
  test('normalises lists to node:tls form', () => {
    const o = parseBackendTlsOptions({
      'lastmile.dev/min-tls-version': 'TLSv1.3',
      'lastmile.dev/cipher-suites': 'TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256',
      'lastmile.dev/ecdh-curves': 'X25519:P-384',
    });
    assert.deepEqual(o, { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256', ecdhCurves: 'X25519:P-384', problems: [] });
  });

  test('min above max is a problem', () => {
    const o = parseBackendTlsOptions({ 'lastmile.dev/min-tls-version': 'TLSv1.3', 'lastmile.dev/max-tls-version': 'TLSv1.2' });
    assert.equal(o.problems.length, 1);
    assert.equal(o.problems[0]?.kind, 'invalid');
  });

  test('empty and unknown cipher lists are problems', () => {
    assert.equal(parseBackendTlsOptions({ 'lastmile.dev/cipher-suites': ' , ' }).problems[0]?.kind, 'invalid');
    assert.equal(parseBackendTlsOptions({ 'lastmile.dev/cipher-suites': 'HIGH:!aNULL' }).problems[0]?.kind, 'invalid');
  });
});

describe('Gateway implementation checks', () => {
  test('a backend client certificate that is not a Secret is InvalidClientCertificateRef', () => {
    const y = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g
spec:
  gatewayClassName: lastmile
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  tls:
    backend:
      clientCertificateRef: {group: example.com, kind: Vault, name: client}
`;
    expectDiagnostic(y, {
      severity: 'warning',
      code: 'implementation_check',
      field: 'spec.tls.backend.clientCertificateRef',
      message: /^client certificate from "example.com"\/Vault is not supported/,
      condition: 'ResolvedRefs=False/InvalidClientCertificateRef',
    });
  });
});
