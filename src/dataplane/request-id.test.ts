import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRequestId } from './gateway.ts';

test('generated request ids are unique, UUID-shaped and valid header values', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = nextRequestId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 10_000);
  // One random prefix per process: a second process would draw another.
  assert.equal(new Set([...seen].map((id) => id.slice(0, 24))).size, 1);
});

test('generated request ids count up by one in their last group, across its 4096 boundaries', () => {
  let previous = Number.parseInt(nextRequestId().slice(24), 16);
  for (let i = 0; i < 3 * 4096 + 10; i++) {
    const id = nextRequestId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const n = Number.parseInt(id.slice(24), 16);
    assert.equal(n, previous + 1, id);
    previous = n;
  }
});
