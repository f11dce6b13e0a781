import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempDir } from './testing.ts';

test('validate examples/basic: no problems, exit 0', async () => {
  const r = await runCli(['validate', '-f', 'examples/basic']);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out, 'valid: 11 objects accepted of 11 documents in 7 files; 0 errors, 0 warnings\n');
  assert.equal(r.err, '');
});

test('validate examples/broken: exactly one precise line per problem, exit 1', async () => {
  const r = await runCli(['validate', '-f', 'examples/broken']);
  assert.equal(r.code, 1);
  const lines = r.out.trimEnd().split('\n');
  assert.deepEqual(lines, [
    `examples/broken/bad-pattern.yaml:14:15 BackendTLSPolicy/default/bad-pattern spec.validation.hostname: Invalid value: "API.Example.com": spec.validation.hostname in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`,
    'examples/broken/cel-rule.yaml:12:3 BackendTLSPolicy/default/cel-rule spec.validation: Invalid value: "object": must not contain both CACertificateRefs and WellKnownCACertificates',
    'examples/broken/duplicate-key.yaml:6:3 duplicate key "name": mapping keys must be unique (first defined at line 5)',
    'examples/broken/duplicate-object.yaml:10:1 ConfigMap/default/api-ca defined twice: first at examples/broken/duplicate-object.yaml:2:1, again here',
    'examples/broken/malformed.yaml:9:1 Flow sequence in block collection must be sufficiently indented and end with a ]',
    'examples/broken/unknown-kind.yaml:3:7 BackendTLSPolicies/default/unknown-kind kind: no matches for kind "BackendTLSPolicies" in version "gateway.networking.k8s.io/v1" (lastmile reads GatewayClass, Gateway, HTTPRoute, GRPCRoute, TLSRoute, ReferenceGrant, BackendTLSPolicy, Service, EndpointSlice, ConfigMap, Secret)',
    'examples/broken/wrong-type.yaml:12:13 Gateway/default/wrong-type spec.listeners[0].port: Invalid value: "string": spec.listeners[0].port in body must be of type integer: "string"',
    'invalid: 1 object accepted of 6 documents in 7 files; 7 errors, 0 warnings',
  ]);
});

test('validate reads stdin with -f -', async () => {
  const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: 1\n';
  const r = await runCli(['validate', '-f', '-'], { stdin: manifest });
  assert.equal(r.code, 1);
  assert.match(r.out, /^<stdin>:6:6 ConfigMap\/default\/x data\.a: /m);
});

test('validate also reports what translation finds: a policy whose target Service does not exist', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'policy.yaml');
    await writeFile(
      file,
      [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: BackendTLSPolicy',
        'metadata: {name: lonely, namespace: default}',
        'spec:',
        '  targetRefs: [{group: "", kind: Service, name: missing}]',
        '  validation: {wellKnownCACertificates: System, hostname: api.example.com}',
        '',
      ].join('\n'),
    );
    const r = await runCli(['validate', '-f', file]);
    // A dangling target is legal for the API server: a warning, not an error.
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /BackendTLSPolicy\/default\/lonely warning: .*missing/);
    assert.match(r.out, /0 errors, [1-9]\d* warnings?\n$/);
  } finally {
    await cleanup();
  }
});

test('validate a path that does not exist', async () => {
  const r = await runCli(['validate', '-f', 'examples/nope']);
  assert.equal(r.code, 1);
  assert.match(r.out, /^examples\/nope.*(no such file|does not exist)/m);
});
