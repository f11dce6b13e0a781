import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './testing.ts';

test('explain btlspolicy.spec.validation.hostname: type, required, pattern, length', async () => {
  const r = await runCli(['explain', 'btlspolicy.spec.validation.hostname']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^GROUP: {6}gateway\.networking\.k8s\.io\nKIND: {7}BackendTLSPolicy\nVERSION: {4}v1\n/);
  assert.match(r.out, /^FIELD: hostname <string> -required-$/m);
  assert.match(r.out, /^ {4}Pattern: \^\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\(\\\.\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?\)\*\$$/m);
  assert.match(r.out, /^ {4}Length: 1 to 253 characters$/m);
  assert.match(r.out, /^DESCRIPTION:\n {4}\S/m);
});

test('explain a kind lists its fields with types and required marks', async () => {
  const r = await runCli(['explain', 'BackendTLSPolicy.spec']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ {2}targetRefs\t<\[\]Object> -required-$/m);
  assert.match(r.out, /^ {2}options\t<map\[string\]string>$/m);
  assert.match(r.out, /^ {4}Items: 1 to 16$/m);
  assert.match(r.out, /^ {4}Rule: sectionName must be unique when targetRefs includes 2 or more references to the same target$/m);
});

test('explain --recursive prints the nested tree', async () => {
  const r = await runCli(['explain', 'btlspolicy.spec.validation', '--recursive']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^FIELDS:\n {2}caCertificateRefs\t<\[\]Object>\n {4}group\t<string> -required-$/m);
  assert.match(r.out, /^ {4}type\t<string> -required-$/m);
});

test('explain shows enums and defaults', async () => {
  const r = await runCli(['explain', 'btlspolicy.spec.validation.subjectAltNames.type']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Enum: "Hostname", "URI"/);
  const d = await runCli(['explain', 'httproute.spec.parentRefs.kind']);
  assert.match(d.out, /Default: "Gateway"/);
});

test('explain an unknown field names the path and what exists there', async () => {
  const r = await runCli(['explain', 'btlspolicy.spec.validation.hostnames']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(
    r.err,
    'error: field "spec.validation.hostnames" does not exist in BackendTLSPolicy (fields there: caCertificateRefs, hostname, subjectAltNames, wellKnownCACertificates)\n',
  );
});

test('explain an unknown kind, and a core kind', async () => {
  const r = await runCli(['explain', 'frobnicator']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'error: the server doesn\'t have a resource type "frobnicator"\n');
  const core = await runCli(['explain', 'svc']);
  assert.equal(core.code, 1);
  assert.match(core.err, /Service is a core Kubernetes kind/);
});
