import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerObject } from '../../server/front/headers.ts';
import { createRequestParser } from '../../server/front/request-parser.ts';
import { HEADERS_CHECKED, requestHead, type CheckableHeaders } from './request-head.ts';

/** Parses one request head with the front's strict parser: node:http's header object, or the error code. */
function parse(bytes: Buffer): Record<string, string | string[]> | string {
  let list: string[] | undefined;
  const parser = createRequestParser({
    onHeaders() {},
    onHeadersComplete(_a, _b, headers) {
      list = headers ?? [];
    },
    onBody() {},
    onMessageComplete() {},
    onExecute() {},
  });
  const r = parser.execute(bytes);
  parser.close();
  if (typeof r !== 'number') return r.code ?? 'error';
  return list === undefined ? 'incomplete' : (headerObject(list) as Record<string, string | string[]>);
}

test('the premise of HEADERS_CHECKED: what the front parser admits passes the unmarked checks', () => {
  let admitted = 0;
  for (let b = 0; b < 256; b++) {
    if (b === 10 || b === 13) continue; // line ends: a different message, not a character
    const ch = String.fromCharCode(b);
    const inValue = parse(Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nX: a${ch}b\r\n\r\n`, 'latin1'));
    if (typeof inValue !== 'string') {
      admitted++;
      assert.doesNotThrow(() => requestHead('GET', '/', inValue, false, 'h'), `value byte ${b} passed the parser but not requestHead`);
    }
    if (b === 58 || b === 32 || b === 9) continue; // ':' ends the name; OWS before ':' is refused separately
    const inName = parse(Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nX${ch}Y: ab\r\n\r\n`, 'latin1'));
    if (typeof inName !== 'string') assert.doesNotThrow(() => requestHead('GET', '/', inName, false, 'h'), `name byte ${b} passed the parser but not requestHead`);
  }
  assert.ok(admitted > 150, 'the parser admits the printable and obs-text bytes');
  assert.equal(parse(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n', 'latin1')), 'HPE_INVALID_HEADER_TOKEN');
});

test('an unmarked record is checked; a marked one skips only the per-character checks', () => {
  assert.throws(() => requestHead('GET', '/', { 'x-a': 'v\r\nx-b: 1' }, false, 'h'), { code: 'UND_ERR_INVALID_ARG' });
  assert.throws(() => requestHead('GET', '/', { 'bad name': 'v' }, false, 'h'), { code: 'UND_ERR_INVALID_ARG' });
  const marked: CheckableHeaders = { host: 'h', 'x-a': 'v' };
  marked[HEADERS_CHECKED] = true;
  assert.equal(requestHead('GET', '/p', marked, false, 'ignored').head, 'GET /p HTTP/1.1\r\nhost: h\r\nx-a: v\r\n\r\n');
  // The method and the target are checked either way (a rewrite may have built the path).
  assert.throws(() => requestHead('GET', '/a b', marked, false, 'h'), { code: 'UND_ERR_INVALID_ARG' });
  assert.throws(() => requestHead('G T', '/', marked, false, 'h'), { code: 'UND_ERR_INVALID_ARG' });
  // A symbol key is never a header.
  assert.ok(!requestHead('GET', '/', marked, false, 'h').head.includes('Symbol'));
});
