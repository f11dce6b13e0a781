import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeaderModifier, buildUpstreamHeaders, isUpgradeRequest, mergeHeaderModifiers, type OutgoingHeaders } from './headers.ts';
import { redirectLocation, type RedirectContext } from './redirect.ts';
import { rewritePath } from './rewrite.ts';

describe('upstream headers', () => {
  const ctx = { remoteAddress: '10.0.0.1', proto: 'https' as const, requestId: 'rid-1' };
  test('hop-by-hop and Connection-named headers are removed, Host kept', () => {
    const h = buildUpstreamHeaders(
      {
        host: 'api.example.com',
        connection: 'keep-alive, X-Secret-Hop',
        'keep-alive': 'timeout=5',
        'x-secret-hop': '1',
        'proxy-authorization': 'Basic x',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x',
        'transfer-encoding': 'chunked',
        upgrade: 'websocket',
        accept: 'text/plain',
      },
      ctx,
    );
    assert.deepEqual(Object.keys(h).sort(), ['accept', 'host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id']);
    assert.equal(h.host, 'api.example.com');
  });
  test('X-Forwarded-For appends, Proto and Host set', () => {
    const h = buildUpstreamHeaders({ host: 'h:8443', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'http' }, ctx);
    assert.equal(h['x-forwarded-for'], '1.2.3.4, 10.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'https');
    assert.equal(h['x-forwarded-host'], 'h:8443');
    assert.equal(h['x-request-id'], 'rid-1');
  });
  test('HTTP/2 pseudo-headers dropped; :authority becomes Host', () => {
    const h = buildUpstreamHeaders({ ':authority': 'a.example', ':method': 'GET', ':path': '/', ':scheme': 'https' }, ctx);
    assert.equal(h.host, 'a.example');
    assert.equal(Object.keys(h).some((k) => k.startsWith(':')), false);
  });
  test('upgrades keep Upgrade and Connection: upgrade', () => {
    const incoming = { host: 'h', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k' };
    assert.equal(isUpgradeRequest(incoming), true);
    const h = buildUpstreamHeaders(incoming, { ...ctx, upgrade: true });
    assert.equal(h.upgrade, 'websocket');
    assert.equal(h.connection, 'upgrade');
    assert.equal(h['sec-websocket-key'], 'k');
    assert.equal(isUpgradeRequest({ upgrade: 'websocket' }), false);
  });
});

describe('header modifier', () => {
  test('set, add (appends), remove; case-insensitive', () => {
    const h: OutgoingHeaders = { 'x-a': '1', 'x-b': '2', 'x-c': '3' };
    applyHeaderModifier(h, { set: [{ name: 'X-A', value: 'one' }], add: [{ name: 'X-B', value: 'two' }, { name: 'x-new', value: 'n' }], remove: ['X-C'] });
    assert.deepEqual(h, { 'x-a': 'one', 'x-b': ['2', 'two'], 'x-new': 'n' });
  });
  test('merge: backend set overrides route add; backend add survives route remove', () => {
    const m = mergeHeaderModifiers(
      { set: [], add: [{ name: 'x-a', value: 'route' }], remove: ['x-b'] },
      { set: [{ name: 'X-A', value: 'backend' }], add: [{ name: 'x-b', value: 'b' }], remove: [] },
    );
    assert.ok(m);
    const h: OutgoingHeaders = {};
    applyHeaderModifier(h, m);
    assert.deepEqual(h, { 'x-a': 'backend', 'x-b': 'b' });
    assert.equal(mergeHeaderModifiers(undefined, undefined), undefined);
  });
});

describe('redirect Location', () => {
  const base: RedirectContext = { scheme: 'http', hostname: 'example.com', listenerPort: 8080, path: '/a/b', query: '', match: { type: 'PathPrefix', value: '/a' } };
  const cases: [string, Parameters<typeof redirectLocation>[0], Partial<RedirectContext>, string][] = [
    ['nothing set: listener port kept', { statusCode: 302 }, {}, 'http://example.com:8080/a/b'],
    ['scheme https: port 443 implied and hidden', { scheme: 'https', statusCode: 301 }, {}, 'https://example.com/a/b'],
    ['scheme http: port 80 hidden', { scheme: 'http', statusCode: 302 }, {}, 'http://example.com/a/b'],
    ['explicit port shown', { scheme: 'https', port: 8443, statusCode: 302 }, {}, 'https://example.com:8443/a/b'],
    ['explicit well-known port hidden', { port: 80, statusCode: 302 }, {}, 'http://example.com/a/b'],
    ['listener on 80 hidden', { hostname: 'other.org', statusCode: 302 }, { listenerPort: 80 }, 'http://other.org/a/b'],
    ['https listener 443 hidden', { statusCode: 302 }, { scheme: 'https', listenerPort: 443 }, 'https://example.com/a/b'],
    ['ReplaceFullPath', { path: { type: 'ReplaceFullPath', value: '/new' }, statusCode: 302 }, { listenerPort: 80 }, 'http://example.com/new'],
    ['ReplacePrefixMatch keeps rest and query', { path: { type: 'ReplacePrefixMatch', value: '/z' }, statusCode: 302 }, { listenerPort: 80, query: 'q=1' }, 'http://example.com/z/b?q=1'],
  ];
  for (const [name, r, ctx, expected] of cases) test(name, () => assert.equal(redirectLocation(r, { ...base, ...ctx }), expected));
});

describe('URL rewrite path', () => {
  test('ReplaceFullPath', () => assert.equal(rewritePath('/full/one/two', { type: 'ReplaceFullPath', value: '/one' }, { type: 'PathPrefix', value: '/full/one' }), '/one'));
  test('ReplacePrefixMatch', () => assert.equal(rewritePath('/prefix/one/two', { type: 'ReplacePrefixMatch', value: '/one' }, { type: 'PathPrefix', value: '/prefix/one' }), '/one/two'));
  test('ReplacePrefixMatch without a prefix match leaves the path', () => assert.equal(rewritePath('/x', { type: 'ReplacePrefixMatch', value: '/y' }, { type: 'Exact', value: '/x' }), '/x'));
});

test('buildUpstreamHeaders: the same record whether or not something is dropped (copy and loop paths)', () => {
  const ctx = { remoteAddress: '10.0.0.1', proto: 'http' as const, requestId: 'rid' };
  const plain = buildUpstreamHeaders({ host: 'a.example', accept: '*/*', 'x-forwarded-for': '1.1.1.1', cookie: 'c=1' }, ctx);
  assert.deepEqual(Object.entries(plain), [
    ['host', 'a.example'],
    ['accept', '*/*'],
    ['x-forwarded-for', '1.1.1.1, 10.0.0.1'],
    ['cookie', 'c=1'],
    ['x-forwarded-proto', 'http'],
    ['x-forwarded-host', 'a.example'],
    ['x-request-id', 'rid'],
  ]);
  const dropping = buildUpstreamHeaders({ host: 'a.example', connection: 'close, x-drop', 'x-drop': '1', accept: '*/*', te: 'trailers', 'x-forwarded-for': '1.1.1.1', cookie: 'c=1' }, ctx);
  assert.deepEqual(dropping, plain);
  assert.deepEqual(Object.keys(dropping), Object.keys(plain));
});
