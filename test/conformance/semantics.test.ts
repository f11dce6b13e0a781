/**
 * The conformance helpers mean what the suite means (conformance.md 1.3-1.4): checked here
 * against a scripted loopback server, so a lenient helper cannot make the scenarios pass.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { NS, type ConformanceSuite } from './fixtures.ts';
import { compareRoundTrip, goCheckServerIdentity, makeRequestAndExpectEventuallyConsistentResponse, makeRequestAndExpectFailure } from './http.ts';
import type { SimpleResponse } from '../helpers/net.ts';
import { findCondition, staleConditions } from './kubernetes.ts';

const echo = (over: Record<string, unknown> = {}) => ({ host: 'abc.example.com', path: '/p', method: 'GET', namespace: NS, sni: 'abc.example.com', clientCertificate: null, ...over });
const answer = (status: number, json?: unknown): SimpleResponse => ({ status, headers: {}, body: json === undefined ? '' : JSON.stringify(json), json });
const expected = { request: { host: 'abc.example.com', path: '/p', sni: 'abc.example.com' } };

describe('CompareRoundTrip', () => {
  test('a matching echo passes; SNI, Host, path, namespace and client certificate are each checked', () => {
    assert.equal(compareRoundTrip(answer(200, echo()), expected), undefined);
    assert.match(compareRoundTrip(answer(200, echo({ sni: 'other.example.com' })), expected) ?? '', /SNI/);
    assert.match(compareRoundTrip(answer(200, echo({ host: 'x' })), expected) ?? '', /host/);
    assert.match(compareRoundTrip(answer(200, echo({ path: '/q' })), expected) ?? '', /path/);
    assert.match(compareRoundTrip(answer(200, echo({ namespace: 'default' })), expected) ?? '', /namespace/);
    const withCert = { request: { ...expected.request, clientCert: 'PEM-A' } };
    assert.match(compareRoundTrip(answer(200, echo({ clientCertificate: 'PEM-B' })), withCert) ?? '', /client certificate/);
    assert.equal(compareRoundTrip(answer(200, echo({ clientCertificate: 'PEM-A' })), withCert), undefined);
  });

  test('an expected backend request without Host does not check the Host (re-encrypt subtest)', () => {
    const e = { request: { host: 'https-listener.org', path: '/p' }, expectedRequest: { path: '/p', sni: 'abc.example.com' } };
    assert.equal(compareRoundTrip(answer(200, echo({ host: 'anything' })), e), undefined);
  });

  test('status codes: a set of accepted codes; 408/504 pass only when a timeout is expected', () => {
    assert.equal(compareRoundTrip(answer(502), { ...expected, statusCodes: [500, 502, 503] }), undefined);
    assert.match(compareRoundTrip(answer(504), { ...expected, statusCodes: [500, 502, 503] }) ?? '', /one of/);
    assert.equal(compareRoundTrip(answer(408), { ...expected, statusCodes: [504] }), undefined);
    assert.match(compareRoundTrip(answer(200, 'not an echo'), expected) ?? '', /echo/);
  });
});

test('conditions: type/status/reason with empty meaning any; any stale observedGeneration is reported', () => {
  const conditions = [{ type: 'Accepted', status: 'True', reason: 'Accepted', observedGeneration: 2 }];
  assert.equal(findCondition(conditions, { type: 'Accepted', status: 'True', reason: '' }), true);
  assert.equal(findCondition(conditions, { type: 'Accepted', status: 'False', reason: '' }), false);
  assert.equal(findCondition(conditions, { type: 'Accepted', status: '', reason: 'Conflicted' }), false);
  assert.equal(staleConditions({ metadata: { generation: 2 } }, conditions), undefined);
  assert.match(staleConditions({ metadata: { generation: 3 } }, conditions) ?? '', /stale: Accepted \(generation 2\)/);
});

test("Go's hostname rules for the frontend certificate: `*.org` matches one label", () => {
  const cert = { subjectaltname: 'DNS:*, DNS:*.org, DNS:*.wildcard.org' } as PeerCertificate;
  assert.equal(goCheckServerIdentity('https-listener.org', cert), undefined);
  assert.equal(goCheckServerIdentity('fourth-example.wildcard.org', cert), undefined);
  assert.ok(goCheckServerIdentity('a.b.example.com', cert) instanceof Error);
});

describe('traffic expectations against a scripted server', () => {
  let server: http.Server;
  let script: (() => { status: number; body?: unknown })[] = [];
  let served = 0;
  let suite: ConformanceSuite;

  before(async () => {
    server = http.createServer((_req, res) => {
      const next = script[Math.min(served, script.length - 1)]?.() ?? { status: 500 };
      served++;
      const body = next.body === undefined ? 'error' : JSON.stringify(next.body);
      res.writeHead(next.status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    suite = { httpPort: (server.address() as AddressInfo).port, httpsPort: 0 } as unknown as ConformanceSuite;
  });
  after(() => server.close());
  const play = (steps: (() => { status: number; body?: unknown })[]) => {
    script = steps;
    served = 0;
  };
  const ok = () => ({ status: 200, body: echo() });
  const wrongSni = () => ({ status: 200, body: echo({ sni: 'other.example.com' }) });
  const status = (s: number) => () => ({ status: s });

  test('eventually consistent: needs 3 matching answers in a row', async () => {
    play([ok, wrongSni, ok, ok, status(503), ok, ok, ok]);
    await makeRequestAndExpectEventuallyConsistentResponse(suite, '127.0.0.1', expected);
    assert.equal(served, 8);
  });

  test('expected failure: a 200 fails at once', async () => {
    play([status(502), ok]);
    const started = Date.now();
    await assert.rejects(makeRequestAndExpectFailure(suite, '127.0.0.1', expected), /returned HTTP Status OK \(200\)/);
    assert.ok(Date.now() - started < 2000);
  });

  test('expected failure: 504 and 408 are "not yet", then 3 error answers in a row pass', async () => {
    play([status(504), status(502), status(408), status(502), status(404), status(500)]);
    await makeRequestAndExpectFailure(suite, '127.0.0.1', expected);
    assert.equal(served, 6);
  });
});
