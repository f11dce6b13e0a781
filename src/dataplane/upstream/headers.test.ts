import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import type { BackendIR } from '../../ir/types.ts';
import { backendState, EndpointHealth } from './balancer.ts';
import { rawErrorResponse, sendError } from './error-response.ts';
import { clientResponseHeaders, isHopByHop } from './headers.ts';
import { requestHasBody, upstreamHeaders } from './exchange.ts';
import type { IncomingMessage } from 'node:http';

describe('response headers', () => {
  test('hop-by-hop names', () => {
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-connection']) {
      assert.equal(isHopByHop(name), true, name);
    }
    for (const name of ['content-length', 'set-cookie', 'x-proxy']) assert.equal(isHopByHop(name), false, name);
  });

  test('removes hop-by-hop headers and those named in Connection, keeps repeated values', () => {
    const out = clientResponseHeaders(
      { connection: 'X-Secret, close', 'x-secret': 's', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' },
      undefined,
    );
    assert.deepEqual(out, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' });
  });

  test('applies set, add and remove with case-insensitive names', () => {
    const out = clientResponseHeaders(
      { 'x-a': '1', 'x-b': '2', 'x-c': '3' },
      { set: [{ name: 'X-A', value: 'one' }], add: [{ name: 'X-B', value: 'two' }, { name: 'X-New', value: 'n' }], remove: ['X-C'] },
    );
    assert.deepEqual(out, { 'x-a': 'one', 'x-b': ['2', 'two'], 'x-new': 'n' });
  });
});

describe('request side', () => {
  test('headers undici would refuse are dropped, other objects are passed through untouched', () => {
    const clean = { host: 'h', 'x-a': '1' };
    assert.equal(upstreamHeaders(clean, false), clean);
    assert.deepEqual(upstreamHeaders({ host: 'h', expect: '100-continue', connection: 'close' }, false), { host: 'h' });
    assert.deepEqual(upstreamHeaders({ host: 'h', upgrade: 'websocket' }, true), { host: 'h' });
  });

  test('a body is expected from framing headers', () => {
    const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
    assert.equal(requestHasBody(req({})), false);
    assert.equal(requestHasBody(req({ 'content-length': '0' })), false);
    assert.equal(requestHasBody(req({ 'content-length': '5' })), true);
    assert.equal(requestHasBody(req({ 'transfer-encoding': 'chunked' })), true);
  });
});

describe('error responses', () => {
  test('sendError writes the code in the body and the header', () => {
    let status = 0;
    let headers: Record<string, unknown> = {};
    let body = '';
    const res = {
      writableEnded: false,
      destroyed: false,
      headersSent: false,
      writeHead(s: number, h: Record<string, unknown>) {
        status = s;
        headers = h;
      },
      end(b: string) {
        body = b;
      },
    } as unknown as ServerResponse;
    sendError(res, 'upstream_tls_san_mismatch', 'rid-7');
    assert.equal(status, 502);
    assert.equal(headers['x-lastmile-error'], 'upstream_tls_san_mismatch');
    assert.equal(headers['content-length'], Buffer.byteLength(body));
    assert.deepEqual(JSON.parse(body), { error: 'upstream_tls_san_mismatch', status: 502, requestId: 'rid-7' });
  });

  test('rawErrorResponse is a complete HTTP/1.1 message that closes', () => {
    const text = rawErrorResponse('no_ready_endpoints').toString();
    assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(text, /x-lastmile-error: no_ready_endpoints\r\n/);
    assert.match(text, /connection: close\r\n\r\n\{"error":"no_ready_endpoints","status":503\}$/);
  });
});

describe('endpoint choice', () => {
  const backend: BackendIR = {
    name: 'Service/default/a:80',
    service: { namespace: 'default', name: 'a', port: 80 },
    endpoints: [
      { address: '10.0.0.1', port: 80 },
      { address: '10.0.0.2', port: 80 },
      { address: 'fd00::3', port: 80 },
    ],
    protocol: 'http1',
  };

  test('round-robin over endpoints, names with IPv6 brackets', () => {
    const health = new EndpointHealth();
    const state = backendState(backend);
    assert.equal(backendState(backend), state);
    assert.deepEqual([0, 1, 2, 3].map(() => health.pick(state)), [0, 1, 2, 0]);
    assert.deepEqual(state.names, ['10.0.0.1:80', '10.0.0.2:80', '[fd00::3]:80']);
  });

  test('skips a recently failed endpoint and the ones already tried, but never returns nothing', () => {
    const health = new EndpointHealth();
    const state = backendState({ ...backend });
    health.markFailed(state.identities[0]!);
    assert.deepEqual([0, 1, 2, 3].map(() => health.pick(state)), [1, 2, 1, 2]);
    assert.equal(health.pick(state, [1, 2]), 0, 'every other endpoint was tried: use the failed one');
    health.markOk(state.identities[0]!);
    assert.deepEqual([0, 1, 2].map(() => health.pick(state)).sort(), [0, 1, 2]);
  });
});
