import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendIR, GatewayIR, MatchIR, RouteIR } from '../../ir/types.ts';
import { compileRouter } from './router.ts';
import { compileHosts, hostWithoutPort } from './hosts.ts';
import { parseTarget, pathPrefixMatcher, removeDotSegments, replacePrefix } from './path.ts';
import { compileWeighted } from './weighted.ts';
import { compileMatch, QueryParams } from './match.ts';

function backend(name: string): BackendIR {
  return { name, service: { namespace: 'default', name, port: 80 }, endpoints: [{ address: '127.0.0.1', port: 1 }], protocol: 'http1' };
}

function route(name: string, match: Partial<MatchIR>, backends: { name: string; weight: number }[] = [{ name: 'b', weight: 1 }]): RouteIR {
  return {
    name,
    route: { kind: 'HTTPRoute', namespace: 'default', name, rule: 0 },
    gateway: { namespace: 'default', name: 'gw', listener: 'http' },
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [], ...match },
    filters: {},
    backends: backends.map((b) => ({ weight: b.weight, filters: {}, backend: backend(b.name) })),
    timeouts: {},
  };
}

const view = (path: string, extra: { method?: string; headers?: Record<string, string>; query?: string } = {}) => ({
  method: extra.method ?? 'GET',
  path,
  query: extra.query ?? '',
  headers: extra.headers ?? {},
});

describe('path matching (Gateway API semantics)', () => {
  const cases: [type: 'Exact' | 'PathPrefix' | 'RegularExpression', value: string, path: string, expected: boolean][] = [
    ['PathPrefix', '/foo', '/foo', true],
    ['PathPrefix', '/foo', '/foo/', true],
    ['PathPrefix', '/foo', '/foo/bar', true],
    ['PathPrefix', '/foo', '/foobar', false],
    ['PathPrefix', '/foo/', '/foo', true],
    ['PathPrefix', '/foo/', '/foo/bar', true],
    ['PathPrefix', '/foo/', '/foobar', false],
    ['PathPrefix', '/', '/anything', true],
    ['PathPrefix', '/', '/', true],
    ['PathPrefix', '/FOO', '/foo', false],
    ['Exact', '/foo', '/foo', true],
    ['Exact', '/foo', '/foo/', false],
    ['Exact', '/foo', '/foo/bar', false],
    ['RegularExpression', '/v[0-9]+/.*', '/v2/x', true],
    ['RegularExpression', '/v[0-9]+', '/v2/x', false],
    ['RegularExpression', '/v[0-9]+', '/xv2', false],
    ['RegularExpression', '(', '/x', false],
  ];
  for (const [type, value, path, expected] of cases) {
    test(`${type} ${value} vs ${path} -> ${expected}`, () => {
      const m = compileMatch({ path: { type, value }, headers: [], queryParams: [] });
      assert.equal(m(view(path), new QueryParams('')), expected);
    });
  }
});

describe('method, header and query matching', () => {
  const m = compileMatch({
    path: { type: 'PathPrefix', value: '/' },
    method: 'POST',
    headers: [{ type: 'Exact', name: 'X-Env', value: 'canary' }, { type: 'RegularExpression', name: 'x-ver', value: 'v[12]' }],
    queryParams: [{ type: 'Exact', name: 'debug', value: '1' }],
  });
  const ok = { method: 'POST', headers: { 'x-env': 'canary', 'x-ver': 'v2' }, query: 'debug=1&x=2' };
  const cases: [string, Parameters<typeof view>[1], boolean][] = [
    ['all match (header names case-insensitive)', ok, true],
    ['wrong method', { ...ok, method: 'GET' }, false],
    ['header value differs', { ...ok, headers: { 'x-env': 'Canary', 'x-ver': 'v2' } }, false],
    ['header missing', { ...ok, headers: { 'x-ver': 'v2' } }, false],
    ['regex header not fully matched', { ...ok, headers: { 'x-env': 'canary', 'x-ver': 'v22' } }, false],
    ['query missing', { ...ok, query: 'x=2' }, false],
    ['query first value counts', { ...ok, query: 'debug=1&debug=2' }, true],
    ['query name case-sensitive', { ...ok, query: 'DEBUG=1' }, false],
  ];
  for (const [name, v, expected] of cases) {
    test(name, () => assert.equal(m(view('/x', v), new QueryParams(v?.query ?? '')), expected));
  }
});

describe('host lookup', () => {
  const t = compileHosts([
    { hostname: 'api.example.com', value: 'exact' },
    { hostname: '*.example.com', value: 'wild' },
    { hostname: '*.b.example.com', value: 'wild-longer' },
    { hostname: '*', value: 'any' },
  ]);
  const cases: [string, string][] = [
    ['api.example.com', 'exact'],
    ['x.example.com', 'wild'],
    ['x.y.example.com', 'wild'],
    ['x.b.example.com', 'wild-longer'],
    ['example.com', 'any'],
    ['other.org', 'any'],
  ];
  for (const [host, expected] of cases) test(`${host} -> ${expected}`, () => assert.equal(t.lookup(host), expected));
  test('no default: unknown host is undefined', () => assert.equal(compileHosts([{ hostname: 'a', value: 1 }]).lookup('b'), undefined));
  test('Host header without port, lowercase', () => {
    assert.equal(hostWithoutPort('API.Example.com:8443'), 'api.example.com');
    assert.equal(hostWithoutPort('[::1]:80'), '::1');
    assert.equal(hostWithoutPort('example.com.'), 'example.com');
    assert.equal(hostWithoutPort(undefined), '');
  });
});

describe('request target', () => {
  test('splits query and removes dot segments', () => {
    assert.deepEqual(parseTarget('/a/b?x=1'), { path: '/a/b', query: 'x=1' });
    assert.deepEqual(parseTarget('/public/../admin'), { path: '/admin', query: '' });
    assert.equal(parseTarget('http://x/'), undefined);
    assert.equal(parseTarget('*'), undefined);
  });
  const dots: [string, string][] = [
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/../../x', '/x'],
    ['/a/b/../c/./d', '/a/c/d'],
    ['/a/.b', '/a/.b'],
  ];
  for (const [input, out] of dots) test(`${input} -> ${out}`, () => assert.equal(removeDotSegments(input), out));
  test('prefix matcher helper', () => assert.equal(pathPrefixMatcher('/api')('/api2'), false));
});

describe('ReplacePrefixMatch', () => {
  const cases: [path: string, prefix: string, replacement: string, out: string][] = [
    ['/prefix/one/two', '/prefix/one', '/one', '/one/two'],
    ['/prefix/one', '/prefix/one', '/one', '/one'],
    ['/prefix/one/', '/prefix/one', '/one', '/one/'],
    ['/strip-prefix/three', '/strip-prefix', '/', '/three'],
    ['/strip-prefix', '/strip-prefix', '/', '/'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/', '/bar', '/bar/foo'],
  ];
  for (const [path, prefix, rep, out] of cases) test(`${path} (${prefix} -> ${rep}) = ${out}`, () => assert.equal(replacePrefix(path, prefix, rep), out));
});

describe('weighted choice', () => {
  test('proportional, weight 0 never chosen', () => {
    const p = compileWeighted([
      { weight: 1, value: 'a' },
      { weight: 0, value: 'zero' },
      { weight: 3, value: 'b' },
    ]);
    assert.equal(p.pick(0), 'a');
    assert.equal(p.pick(0.24), 'a');
    assert.equal(p.pick(0.25), 'b');
    assert.equal(p.pick(0.999), 'b');
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 200; i++) seen.add(p.pick());
    assert.equal(seen.has('zero'), false);
  });
  test('all zero: nothing to choose', () => assert.equal(compileWeighted([{ weight: 0, value: 'a' }]).pick(), undefined));
  test('empty: nothing to choose', () => assert.equal(compileWeighted([]).pick(), undefined));
});

describe('compiled router', () => {
  const ir: GatewayIR = {
    listeners: [
      {
        name: '0.0.0.0:8080',
        address: '0.0.0.0',
        port: 8080,
        protocol: 'HTTP',
        certificates: [],
        virtualHosts: [
          { hostname: 'api.example.com', routes: [route('exact', { path: { type: 'Exact', value: '/v1' } }), route('prefix', { path: { type: 'PathPrefix', value: '/v1' } })] },
          { hostname: '*', routes: [route('header', { headers: [{ type: 'Exact', name: 'x-a', value: '1' }] }), route('catchall', {})] },
        ],
      },
    ],
  };
  const router = compileRouter(ir);
  const l = router.listeners.get('0.0.0.0:8080');
  assert.ok(l);
  const cases: [host: string, path: string, headers: Record<string, string>, expected: string | undefined][] = [
    ['api.example.com', '/v1', {}, 'exact'],
    ['api.example.com', '/v1/x', {}, 'prefix'],
    ['api.example.com', '/v2', {}, undefined],
    ['other', '/anything', { 'x-a': '1' }, 'header'],
    ['other', '/anything', {}, 'catchall'],
  ];
  for (const [host, path, headers, expected] of cases) {
    test(`${host}${path} -> ${expected ?? '404'}`, () => assert.equal(l.route(host, view(path, { headers }))?.ir.name, expected));
  }
  test('backends carry metrics and merged filters', () => {
    const r = l.route('other', view('/x'));
    assert.equal(r?.pick.pick()?.backend.name, 'b');
  });
});
