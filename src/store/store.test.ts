import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/meta.ts';
import type { Origin } from '../sources/origin.ts';
import { ObjectStore } from './store.ts';
import { storeKey } from './keys.ts';

function fixedClock(): { clock: () => Date; set: (iso: string) => void } {
  let now = new Date('2026-08-01T10:00:00.123Z');
  return { clock: () => now, set: (iso) => (now = new Date(iso)) };
}

function newStore(): { store: ObjectStore; time: ReturnType<typeof fixedClock> } {
  const time = fixedClock();
  let n = 0;
  return { store: new ObjectStore({ clock: time.clock, newUid: () => `uid-${++n}` }), time };
}

function route(name: string, hostname: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default', labels: { app: 'a' } },
    spec: { hostnames: [hostname] },
    ...extra,
  };
}

const at = (file: string, line = 1): Origin => ({ file, line, col: 1 });

function meta(store: ObjectStore, kind: string, ns: string | undefined, name: string) {
  const stored = store.snapshot.get(kind, ns, name);
  assert.ok(stored, `${kind}/${ns}/${name} is in the snapshot`);
  const { uid, generation, resourceVersion, creationTimestamp } = stored.object.metadata;
  return { uid, generation, resourceVersion, creationTimestamp };
}

test('first load: metadata filled in, snapshot version 1, objects frozen, status dropped', () => {
  const { store } = newStore();
  assert.equal(store.snapshot.version, 0);
  const input = route('r', 'a.example', { status: { parents: [] }, metadata: { name: 'r', uid: 'mine', resourceVersion: '99', generation: 7 } });
  const result = store.replaceAll({ objects: [{ object: input, origin: at('r.yaml') }] });
  assert.equal(result.changed, true);
  assert.equal(result.snapshot.version, 1);
  assert.deepEqual(result.diagnostics, []);
  // No namespace in the manifest: stored under `default`, as kubectl would.
  const stored = result.snapshot.get('HTTPRoute', 'default', 'r');
  assert.ok(stored);
  assert.deepEqual(stored.origin, at('r.yaml'));
  assert.deepEqual(stored.object.metadata, {
    name: 'r', namespace: 'default', uid: 'uid-1', creationTimestamp: '2026-08-01T10:00:00Z', generation: 1, resourceVersion: '1',
  });
  assert.equal('status' in stored.object, false);
  assert.ok(Object.isFrozen(stored.object) && Object.isFrozen(stored.object.metadata));
  assert.equal(input.metadata.uid, 'mine', 'the input is not modified');
});

test('generation bumps only on spec change; resourceVersion on any change; uid and creationTimestamp kept', () => {
  const { store, time } = newStore();
  store.replaceAll({ objects: [{ object: route('r', 'a.example') }] });
  const first = meta(store, 'HTTPRoute', 'default', 'r');

  time.set('2026-08-01T11:00:00Z');
  const labels = store.replaceAll({ objects: [{ object: { ...route('r', 'a.example'), metadata: { name: 'r', namespace: 'default', labels: { app: 'b' } } } }] });
  assert.equal(labels.changed, true);
  const second = meta(store, 'HTTPRoute', 'default', 'r');
  assert.equal(second.generation, 1, 'a label change does not bump generation');
  assert.notEqual(second.resourceVersion, first.resourceVersion);
  assert.equal(second.uid, first.uid);
  assert.equal(second.creationTimestamp, first.creationTimestamp, 'creationTimestamp is the first load time');

  store.replaceAll({ objects: [{ object: { ...route('r', 'b.example'), metadata: { name: 'r', namespace: 'default', labels: { app: 'b' } } } }] });
  const third = meta(store, 'HTTPRoute', 'default', 'r');
  assert.equal(third.generation, 2);
  assert.notEqual(third.resourceVersion, second.resourceVersion);
  assert.equal(third.uid, first.uid);

  // Removed, then added again: a new object (new uid, new creationTimestamp, generation 1).
  store.replaceAll({ objects: [] });
  assert.equal(store.snapshot.get('HTTPRoute', 'default', 'r'), undefined);
  time.set('2026-08-02T00:00:00Z');
  store.replaceAll({ objects: [{ object: route('r', 'a.example') }] });
  const again = meta(store, 'HTTPRoute', 'default', 'r');
  assert.equal(again.generation, 1);
  assert.notEqual(again.uid, first.uid);
  assert.equal(again.creationTimestamp, '2026-08-02T00:00:00Z');
});

test('creationTimestamp from the manifest wins, and changing it is a change', () => {
  const { store } = newStore();
  const withTs = (ts: string): KubeObject => ({ ...route('r', 'a'), metadata: { name: 'r', creationTimestamp: ts } });
  store.replaceAll({ objects: [{ object: withTs('2020-01-01T00:00:00Z') }] });
  assert.equal(meta(store, 'HTTPRoute', 'default', 'r').creationTimestamp, '2020-01-01T00:00:00Z');
  const result = store.replaceAll({ objects: [{ object: withTs('2021-01-01T00:00:00Z') }] });
  assert.equal(result.changed, true);
  assert.equal(meta(store, 'HTTPRoute', 'default', 'r').creationTimestamp, '2021-01-01T00:00:00Z');
  assert.equal(meta(store, 'HTTPRoute', 'default', 'r').generation, 1);
});

test('kinds without spec: a data change bumps generation, a label change does not; cluster-scoped kinds have no namespace', () => {
  const { store } = newStore();
  const cm = (data: string, label: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'ns', labels: { l: label } }, data: { 'ca.crt': data } });
  const gc: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'gc', namespace: 'ignored' }, spec: { controllerName: 'lastmile.dev/gateway-controller' } };
  store.replaceAll({ objects: [{ object: cm('one', 'x') }, { object: gc }] });
  store.replaceAll({ objects: [{ object: cm('one', 'y') }, { object: gc }] });
  assert.equal(meta(store, 'ConfigMap', 'ns', 'ca').generation, 1);
  store.replaceAll({ objects: [{ object: cm('two', 'y') }, { object: gc }] });
  assert.equal(meta(store, 'ConfigMap', 'ns', 'ca').generation, 2);
  const stored = store.snapshot.get('GatewayClass', undefined, 'gc');
  assert.equal(stored?.object.metadata.namespace, undefined);
});

test('identical reload: changed=false and the same snapshot, even with new (equal) object values', () => {
  const { store } = newStore();
  const first = store.replaceAll({ objects: [{ object: route('a', 'x'), origin: at('f.yaml', 1) }, { object: route('b', 'y'), origin: at('f.yaml', 9) }] });
  const again = store.replaceAll({ objects: [{ object: route('b', 'y'), origin: at('f.yaml', 9) }, { object: route('a', 'x'), origin: at('f.yaml', 1) }] });
  assert.equal(again.changed, false);
  assert.equal(again.snapshot, first.snapshot);
  assert.equal(again.snapshot.version, 1);
});

test('an object that only moved in its file: changed (new origin), same resourceVersion and generation', () => {
  const { store } = newStore();
  store.replaceAll({ objects: [{ object: route('a', 'x'), origin: at('f.yaml', 1) }] });
  const before = meta(store, 'HTTPRoute', 'default', 'a');
  const moved = store.replaceAll({ objects: [{ object: route('a', 'x'), origin: at('f.yaml', 4) }] });
  assert.equal(moved.changed, true);
  assert.equal(moved.snapshot.version, 2);
  assert.deepEqual(moved.snapshot.get('HTTPRoute', 'default', 'a')?.origin, at('f.yaml', 4));
  assert.deepEqual(meta(store, 'HTTPRoute', 'default', 'a'), before);
});

test('keepPrevious.keys: the previous version stays; a new object with no previous version stays absent', () => {
  const { store } = newStore();
  store.replaceAll({ objects: [{ object: route('a', 'x'), origin: at('a.yaml') }, { object: route('b', 'y'), origin: at('b.yaml') }] });
  const before = store.snapshot.get('HTTPRoute', 'default', 'a');
  const result = store.replaceAll({
    objects: [{ object: route('b', 'y2'), origin: at('b.yaml') }],
    keepPrevious: { keys: [storeKey('HTTPRoute', undefined, 'a'), storeKey('HTTPRoute', 'default', 'new')] },
  });
  assert.equal(result.changed, true);
  assert.equal(result.snapshot.get('HTTPRoute', 'default', 'a'), before);
  assert.deepEqual(result.snapshot.get('HTTPRoute', 'default', 'b')?.object.spec, { hostnames: ['y2'] });
  assert.equal(result.snapshot.get('HTTPRoute', 'default', 'new'), undefined);
  assert.deepEqual(result.diagnostics, []);
});

test('keepPrevious.files: every object that came from a failed file stays; nothing changed -> changed=false', () => {
  const { store } = newStore();
  const first = store.replaceAll({ objects: [
    { object: route('a1', 'x'), origin: at('a.yaml', 1) },
    { object: route('a2', 'x'), origin: at('a.yaml', 9) },
    { object: route('b', 'y'), origin: at('b.yaml') },
  ] });
  // a.yaml now has a syntax error: none of its objects are given, its file is kept.
  const result = store.replaceAll({ objects: [{ object: route('b', 'y'), origin: at('b.yaml') }], keepPrevious: { files: ['a.yaml'] } });
  assert.equal(result.changed, false);
  assert.equal(result.snapshot, first.snapshot);
  assert.deepEqual(result.snapshot.list('HTTPRoute').map((s) => s.object.metadata.name), ['a1', 'a2', 'b']);
  // An object of a kept file given anyway is ignored: the last good version wins.
  const ignored = store.replaceAll({ objects: [{ object: route('a1', 'changed'), origin: at('a.yaml', 1) }, { object: route('b', 'y'), origin: at('b.yaml') }], keepPrevious: { files: ['a.yaml'] } });
  assert.equal(ignored.changed, false);
});

test('duplicates (within a file and across files): an error naming both places; neither replaces the last good one', () => {
  const { store } = newStore();
  store.replaceAll({ objects: [{ object: route('a', 'good'), origin: at('a.yaml', 1) }] });
  const good = store.snapshot.get('HTTPRoute', 'default', 'a');
  const result = store.replaceAll({ objects: [
    { object: route('a', 'one'), origin: at('a.yaml', 1) },
    { object: route('a', 'two'), origin: { file: 'b.yaml', line: 7, col: 3 } },
    { object: route('n', 'one'), origin: at('c.yaml', 1) },
    { object: route('n', 'two'), origin: at('c.yaml', 12) },
  ] });
  assert.equal(result.snapshot.get('HTTPRoute', 'default', 'a'), good, 'the last good version stays');
  assert.equal(result.snapshot.get('HTTPRoute', 'default', 'n'), undefined, 'a new duplicate is not loaded at all');
  assert.equal(result.changed, false);
  assert.equal(result.diagnostics.length, 2);
  const [d1, d2] = result.diagnostics;
  assert.deepEqual([d1?.code, d1?.severity, d1?.file, d1?.line, d1?.col, d1?.kind, d1?.namespace, d1?.name], ['duplicate_object', 'error', 'b.yaml', 7, 3, 'HTTPRoute', 'default', 'a']);
  assert.match(d1?.message ?? '', /b\.yaml:7:3 and at a\.yaml:1:1/);
  assert.match(d2?.message ?? '', /c\.yaml:12:1 and at c\.yaml:1:1/);
});

test('an object moved to another file while its old file fails: a duplicate of the kept version', () => {
  const { store } = newStore();
  store.replaceAll({ objects: [{ object: route('a', 'old'), origin: at('a.yaml', 2) }] });
  const result = store.replaceAll({ objects: [{ object: route('a', 'new'), origin: at('b.yaml', 5) }], keepPrevious: { files: ['a.yaml'] } });
  assert.deepEqual(result.snapshot.get('HTTPRoute', 'default', 'a')?.object.spec, { hostnames: ['old'] });
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['duplicate_object']);
  assert.match(result.diagnostics[0]?.message ?? '', /b\.yaml:5:1 and at a\.yaml:2:1/);
});

test('namespace default and no namespace are the same object', () => {
  const { store } = newStore();
  const result = store.replaceAll({ objects: [
    { object: { ...route('a', 'x'), metadata: { name: 'a' } }, origin: at('a.yaml') },
    { object: route('a', 'y'), origin: at('b.yaml') },
  ] });
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['duplicate_object']);
});

test('the incremental path gives what the full computation gives, over random reload sequences', () => {
  // A small PRNG: the same sequence on every run.
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const make = (incremental = true): { store: ObjectStore; time: ReturnType<typeof fixedClock> } => {
    const time = fixedClock();
    let n = 0;
    return { store: new ObjectStore({ clock: time.clock, newUid: () => `uid-${++n}`, incremental }), time };
  };
  let takenChanges = 0;
  for (let round = 0; round < 20; round++) {
    const fast = make();
    const full = make(false);
    // Handed only the changes when it will take them (what the file loader does), else the input.
    const changes = make();
    type Item = { object: KubeObject; origin?: Origin };
    let last: readonly Item[] = [];
    let items: Item[] = [];
    for (let i = 0; i < 40; i++) items.push({ object: route(`r${i}`, `h${i}.example`), origin: at(`f${i % 4}.yaml`, i) });
    for (let step = 0; step < 40; step++) {
      const next = items.slice();
      const edits = 1 + random(4);
      for (let e = 0; e < edits; e++) {
        const i = random(next.length + 1);
        const op = random(12);
        const old = next[i];
        if (op === 0 || !old) next.splice(i, 0, { object: route(`n${step}-${e}`, `h${step}.example`), origin: at(`f${random(4)}.yaml`, 100 + step) });
        else if (op <= 2) next.splice(i, 1);
        else if (op <= 6) next[i] = { object: { ...old.object, spec: { hostnames: [`e${step}.example`] } }, ...(old.origin ? { origin: old.origin } : {}) };
        else if (op <= 8) next[i] = { object: old.object, origin: at(old.origin?.file ?? 'f0.yaml', (old.origin?.line ?? 0) + 1) };
        else if (op <= 10) {
          next.splice(i, 1);
          next.push(old); // moved to the end of the input
        }
        else next.push(...next.splice(i, 5)); // a run of items moves
      }
      items = next;
      // Some loads have a duplicate, or keep previous versions: only for that load.
      const input = random(6) === 0 ? [...items, { object: (items[random(items.length)] as Item).object, origin: at('dup.yaml', step) }] : items;
      const keep = random(10) === 0 ? { keepPrevious: { keys: [storeKey('HTTPRoute', 'default', `r${random(60)}`)], files: random(2) ? ['f1.yaml'] : [] } } : {};
      const a = fast.store.replaceAll({ objects: input, ...keep });
      const b = full.store.replaceAll({ objects: input, ...keep });
      const was = new Set(last);
      const now = new Set(input);
      const delta = { added: input.filter((x) => !was.has(x)), gone: last.filter((x) => !now.has(x)) };
      const clean = !('keepPrevious' in keep) && input === items && new Set(input.map((x) => x.object.metadata.name)).size === input.length;
      const taken = clean && random(3) > 0 ? changes.store.replaceChanges(delta) : undefined;
      if (taken) takenChanges++;
      const c = taken ?? changes.store.replaceAll({ objects: input, ...keep });
      last = input;
      assert.equal(c.changed, b.changed, `round ${round} step ${step}`);
      assert.deepEqual(c.diagnostics, b.diagnostics);
      assert.equal(c.snapshot.version, b.snapshot.version);
      assert.deepEqual(c.snapshot.list('HTTPRoute'), b.snapshot.list('HTTPRoute'), `round ${round} step ${step} (changes)`);
      assert.equal(a.changed, b.changed, `round ${round} step ${step}`);
      assert.deepEqual(a.diagnostics, b.diagnostics);
      assert.equal(a.snapshot.version, b.snapshot.version);
      assert.deepEqual(a.snapshot.list('HTTPRoute'), b.snapshot.list('HTTPRoute'), `round ${round} step ${step}`);
      for (const { object } of input) assert.deepEqual(a.snapshot.get('HTTPRoute', 'default', object.metadata.name ?? ''), b.snapshot.get('HTTPRoute', 'default', object.metadata.name ?? ''));
    }
  }
  assert.ok(takenChanges > 100, `replaceChanges took ${takenChanges} loads`);
});
