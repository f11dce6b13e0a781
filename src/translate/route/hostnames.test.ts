import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVirtualHosts, hostMatches, intersectHostnames } from './hostnames.ts';

test('intersectHostnames: no route hostnames take the listener hostname (or *)', () => {
  assert.deepEqual(intersectHostnames(undefined, []), ['*']);
  assert.deepEqual(intersectHostnames('a.example.com', []), ['a.example.com']);
});

test('intersectHostnames: listener without hostname accepts every route hostname', () => {
  assert.deepEqual(intersectHostnames(undefined, ['a.example.com', '*.b.com']), ['a.example.com', '*.b.com']);
});

test('intersectHostnames: exact, wildcard listener, wildcard route', () => {
  assert.deepEqual(intersectHostnames('a.example.com', ['a.example.com', 'b.example.com']), ['a.example.com']);
  assert.deepEqual(intersectHostnames('*.example.com', ['a.example.com', 'x.a.example.com', 'example.com', 'a.example.org']), ['a.example.com', 'x.a.example.com']);
  assert.deepEqual(intersectHostnames('a.example.com', ['*.example.com']), ['a.example.com']);
  assert.deepEqual(intersectHostnames('*.example.com', ['*.a.example.com']), ['*.a.example.com']);
  assert.deepEqual(intersectHostnames('*.a.example.com', ['*.example.com']), ['*.a.example.com']);
  assert.deepEqual(intersectHostnames('*.example.com', ['*.example.org']), []);
  assert.deepEqual(intersectHostnames('example.com', ['*.example.com']), []);
});

test('hostMatches and virtual host order', () => {
  assert.ok(hostMatches('*', 'anything'));
  assert.ok(hostMatches('*.example.com', 'a.b.example.com'));
  assert.ok(!hostMatches('*.example.com', 'example.com'));
  const sorted = ['*', '*.example.com', 'b.com', '*.a.example.com', 'a.com'].sort(compareVirtualHosts);
  assert.deepEqual(sorted, ['a.com', 'b.com', '*.a.example.com', '*.example.com', '*']);
});
