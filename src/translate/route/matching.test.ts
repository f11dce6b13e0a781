import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePrecedence, grpcMatch, httpMatch, type PrecedenceKey } from './matching.ts';

function key(match: Parameters<typeof httpMatch>[0], extra: Partial<PrecedenceKey> = {}): PrecedenceKey {
  return { match: httpMatch(match), routeTime: 0, routeName: 'ns/r', rule: 0, matchIndex: 0, gatewayRank: 0, ...extra };
}

test('httpMatch applies the spec defaults', () => {
  assert.deepEqual(httpMatch({}), { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] });
  assert.deepEqual(httpMatch({ headers: [{ name: 'a', value: 'b' }] }).headers, [{ type: 'Exact', name: 'a', value: 'b' }]);
});

test('precedence: Exact > longest prefix > method > headers > query params', () => {
  const keys = [
    key({ path: { type: 'PathPrefix', value: '/' } }, { routeName: 'a' }),
    key({ path: { type: 'PathPrefix', value: '/api' }, queryParams: [{ name: 'q', value: '1' }] }, { routeName: 'b' }),
    key({ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'h', value: '1' }] }, { routeName: 'c' }),
    key({ path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }, { routeName: 'd' }),
    key({ path: { type: 'PathPrefix', value: '/api/v1' } }, { routeName: 'e' }),
    key({ path: { type: 'Exact', value: '/' } }, { routeName: 'f' }),
    key({ path: { type: 'RegularExpression', value: '/.*' } }, { routeName: 'g' }),
  ];
  assert.deepEqual(keys.sort(comparePrecedence).map((k) => k.routeName), ['f', 'e', 'd', 'c', 'b', 'a', 'g']);
});

test('precedence ties: oldest route, then namespace/name, then rule and match order', () => {
  const m = { path: { type: 'Exact' as const, value: '/x' } };
  const keys = [
    key(m, { routeTime: 2, routeName: 'a/a' }),
    key(m, { routeTime: 1, routeName: 'z/z', rule: 1 }),
    key(m, { routeTime: 1, routeName: 'z/z', rule: 0, matchIndex: 1 }),
    key(m, { routeTime: 1, routeName: 'z/z', rule: 0, matchIndex: 0 }),
    key(m, { routeTime: 1, routeName: 'b/b', rule: 5 }),
  ];
  assert.deepEqual(keys.sort(comparePrecedence).map((k) => `${k.routeName}:${k.rule}:${k.matchIndex}`), ['b/b:5:0', 'z/z:0:0', 'z/z:0:1', 'z/z:1:0', 'a/a:0:0']);
});

test('grpcMatch maps service/method to HTTP/2 paths', () => {
  assert.deepEqual(grpcMatch({ method: { service: 'pkg.Svc', method: 'Do' } }).path, { type: 'Exact', value: '/pkg.Svc/Do' });
  assert.deepEqual(grpcMatch({ method: { service: 'pkg.Svc' } }).path, { type: 'PathPrefix', value: '/pkg.Svc' });
  assert.deepEqual(grpcMatch({ method: { method: 'Do' } }).path, { type: 'RegularExpression', value: '/[^/]+/Do' });
  assert.deepEqual(grpcMatch({}).path, { type: 'PathPrefix', value: '/' });
});
