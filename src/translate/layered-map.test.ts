import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredMap } from './layered-map.ts';

test('LayeredMap reads like the Map with the replaced values set', () => {
  const base = new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
  const layered = new LayeredMap(base, new Map([['c', 30], ['a', 10]]));
  const plain = new Map(base).set('a', 10).set('c', 30);
  assert.equal(layered.size, 4);
  assert.equal(layered.get('a'), 10);
  assert.equal(layered.get('b'), 2);
  assert.equal(layered.get('z'), undefined);
  assert.equal(layered.has('d'), true);
  assert.equal(layered.has('z'), false);
  // Same order as the base (key order of the translation's statuses), replaced values in place.
  assert.deepEqual([...layered], [...plain]);
  assert.deepEqual([...layered.entries()], [...plain.entries()]);
  assert.deepEqual([...layered.keys()], [...plain.keys()]);
  assert.deepEqual([...layered.values()], [...plain.values()]);
  assert.deepEqual(new Map(layered), plain);
  const seen: [string, number][] = [];
  layered.forEach((v, k, m) => {
    assert.equal(m, layered);
    seen.push([k, v]);
  });
  assert.deepEqual(seen, [...plain]);
  assert.equal(Object.prototype.toString.call(layered), '[object Map]');
  // The base is not written.
  assert.deepEqual([...base], [['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
});
