import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHopByHop } from '../../upstream/headers.ts';
import { flatClientHeaders } from '../../upstream/h1/response-head.ts';
import { createResponseParser } from '../../upstream/h1/parser.ts';
import { lowerName } from '../../llhttp.ts';
import { isFieldValue, isToken, serializeFields, upstreamFields } from './headers.ts';

/** The general path the one-pass serializer replaces. */
function general(status: number, message: string, raw: string[], id: string | undefined): ReturnType<typeof serializeFields> {
  return serializeFields(status, message === '' ? undefined : message, flatClientHeaders(raw, id));
}

test('upstreamFields gives what flatClientHeaders then serializeFields give', () => {
  const cases: [number, string, string[], string | undefined][] = [
    [200, 'OK', ['Server', 'nginx', 'Date', 'Fri, 21 Nov 2026 23:00:00 GMT', 'Content-Type', 'text/plain', 'Content-Length', '19', 'Connection', 'keep-alive'], 'id-1'],
    [404, '', ['Content-Length', '0', 'X-Request-Id', 'from-backend', 'Keep-Alive', 'timeout=5'], 'id-2'],
    [200, 'Fine', ['Transfer-Encoding', 'chunked', 'TE', 'trailers', 'Trailer', 'x', 'Upgrade', 'h2c', 'Proxy-Authenticate', 'Basic', 'proxy-', 'x', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'], undefined],
    [503, 'Service Unavailable', ['Connection', 'close', 'Retry-After', '1', 'Proxy-Foobar', '1', 'Proxyx-A', 'kept'], 'id-3'],
    [200, 'OK', [], 'id-4'],
  ];
  for (const [status, message, raw, id] of cases) {
    assert.deepEqual(upstreamFields(status, message, raw, id), general(status, message, raw, id), JSON.stringify(raw));
  }
});

test('upstreamFields drops exactly the hop-by-hop names', () => {
  const names = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-', 'proxy-authenticate', 'proxy-connection', 'proxy-x', 'date', 'tee', 'trailers', 'x-request-id', 'content-type', 'proxyauth', 'xproxy-a', 'http2-settings'];
  for (const name of names) {
    const value = name === 'connection' ? 'keep-alive' : '1';
    const facts = upstreamFields(200, 'OK', [name, value], 'id');
    assert.ok(facts !== undefined);
    assert.equal(!facts.head.includes(`\r\n${name}: `), isHopByHop(name), name);
  }
});

test('upstreamFields: a Connection header naming other fields takes the general path', () => {
  assert.equal(upstreamFields(200, 'OK', ['Connection', 'x-secret', 'X-Secret', '1'], 'id'), undefined);
  assert.ok(upstreamFields(200, 'OK', ['Connection', 'Keep-Alive, close'], 'id') !== undefined);
});

test('upstreamFields refuses what writeHead refuses and llhttp lets through', () => {
  assert.throws(() => upstreamFields(200, 'O\x01K', [], 'id'), { code: 'ERR_INVALID_CHAR' });
  assert.throws(() => upstreamFields(200, 'OK', ['Content-Length', '1234567890123456'], 'id'), { code: 'ERR_INVALID_CHAR' });
  assert.throws(() => upstreamFields(200, 'OK', [], 'bad\r\nid'), { code: 'ERR_INVALID_CHAR' });
  const facts = upstreamFields(204, '', ['Content-Length', '12'], undefined);
  assert.equal(facts?.contentLength, 12);
  assert.equal(facts?.head, 'HTTP/1.1 204 No Content\r\ncontent-length: 12\r\n');
});

/** Parses one response head with the upstream parser; the header list, or the parse error code. */
function parse(bytes: Buffer): string[] | string {
  let list: string[] | undefined;
  const parser = createResponseParser({
    onMessageBegin() {},
    onHeaders() {},
    onHeadersComplete(_a, _b, headers) {
      list = headers ?? [];
      return 0;
    },
    onBody() {},
    onMessageComplete() {},
    onExecute() {},
  });
  const r = parser.execute(bytes);
  parser.close();
  return typeof r === 'number' ? (list ?? 'incomplete') : (r.code ?? 'error');
}

test('the premise: the strict upstream parser refuses every name and value byte writeHead would refuse', () => {
  for (let b = 0; b < 256; b++) {
    if (b === 10 || b === 13) continue; // line ends: a different message, not a character
    const ch = String.fromCharCode(b);
    const inValue = parse(Buffer.from(`HTTP/1.1 200 OK\r\nX: a${ch}b\r\nContent-Length: 0\r\n\r\n`, 'latin1'));
    if (typeof inValue !== 'string') assert.ok(isFieldValue(inValue[1]!), `value byte ${b} passed the parser but is not a field value`);
    if (b === 58 || b === 32 || b === 9) continue; // ':' ends the name; OWS before ':' is refused separately
    const inName = parse(Buffer.from(`HTTP/1.1 200 OK\r\nX${ch}Y: ab\r\nContent-Length: 0\r\n\r\n`, 'latin1'));
    if (typeof inName !== 'string') assert.ok(isToken(inName[0]!), `name byte ${b} passed the parser but is not a token`);
  }
  assert.equal(parse(Buffer.from('HTTP/1.1 200 OK\r\nX : a\r\n\r\n', 'latin1')), 'HPE_INVALID_HEADER_TOKEN');
  assert.equal(parse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n', 'latin1')), 'HPE_UNEXPECTED_CONTENT_LENGTH');
});

test('lowerName lower-cases like toLowerCase, from its map or past its bound', () => {
  for (const n of ['Content-Type', 'content-type', 'X-Request-ID', 'HOST', '__proto__', '123', 'a']) {
    assert.equal(lowerName(n), n.toLowerCase());
    assert.equal(lowerName(n), n.toLowerCase()); // the second time from the map
  }
  for (let i = 0; i < 600; i++) assert.equal(lowerName(`X-Odd-${i}`), `x-odd-${i}`);
  assert.equal(lowerName('X-After-Bound'), 'x-after-bound');
});

test('lowerName: the names it knows without the map, in every spelling, and near misses', () => {
  const known = ['Host', 'Date', 'Accept', 'Server', 'User-Agent', 'Connection', 'Content-Type', 'Content-Length'];
  for (const n of known) {
    for (const spelling of [n, n.toLowerCase(), n.toUpperCase(), n.replace(/^./, (c) => c.toLowerCase())]) {
      // Built at run time, as the parser's strings are (not the literal the fast path compares with).
      const fresh = [...spelling].join('');
      assert.equal(lowerName(fresh), n.toLowerCase(), fresh);
    }
  }
  // Same lengths, other names: never taken for a known one.
  for (const n of ['Hosx', 'Dote', 'Accepts', 'Servers', 'Xonnection', 'Content-Tipe', 'Content-Lengtz', 'Host\0', 'H\u00f6st']) {
    assert.equal(lowerName(n), n.toLowerCase(), n);
  }
});

test('upstreamFields checks the request id unless the caller vouches for it', () => {
  assert.throws(() => upstreamFields(200, 'OK', [], 'bad\r\nid'), { code: 'ERR_INVALID_CHAR' });
  assert.throws(() => upstreamFields(200, 'OK', [], 'nul\0', false), { code: 'ERR_INVALID_CHAR' });
  // A generated id is a concatenation (not flat): same output checked or vouched for.
  const id = 'abcdef01-2345-6789-abcd-' + '000000000fff';
  assert.equal(upstreamFields(200, 'OK', ['Server', 'x'], id, true)!.head, upstreamFields(200, 'OK', ['Server', 'x'], id)!.head);
  assert.match(upstreamFields(200, 'OK', [], id, true)!.head, /\r\nx-request-id: abcdef01-2345-6789-abcd-000000000fff\r\n$/);
});
