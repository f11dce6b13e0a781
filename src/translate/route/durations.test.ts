import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './durations.ts';

test('parseDuration: Gateway API durations to milliseconds', () => {
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1m1s1ms'), 61_001);
  assert.equal(parseDuration('0s'), 0);
});

test('parseDuration: rejects what the schema rejects', () => {
  for (const bad of ['', '10', '1d', '1.5s', '-1s', '123456s', '1s1s1s1s1s', ' 1s']) assert.equal(parseDuration(bad), undefined, bad);
});
