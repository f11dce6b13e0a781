import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, KubeObject } from '../api/meta.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { StatusCollector } from './collector.ts';
import { MAX_CONDITION_MESSAGE } from './conditions.ts';

const policy: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'ns', generation: 3 } };
const gw = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'g' };

function ancestorConditions(status: unknown): Condition[] {
  return (status as { ancestors: { conditions: Condition[] }[] }).ancestors[0]?.conditions ?? [];
}

test('policy ancestors: observedGeneration, sorted conditions, controllerName, empty list', () => {
  const c = new StatusCollector({ now: new Date('2026-01-01T00:00:00.000Z') });
  c.policy(policy).ancestor(gw).set('ResolvedRefs', 'True', 'ResolvedRefs', 'ok').set('Accepted', 'True', 'Accepted', 'ok');
  c.policy({ ...policy, metadata: { name: 'unused', namespace: 'ns', generation: 1 } });
  const out = c.result();
  const st = out.get('BackendTLSPolicy/ns/p')?.status as { ancestors: { controllerName: string }[] };
  assert.equal(st.ancestors[0]?.controllerName, 'lastmile.dev/gateway-controller');
  const conds = ancestorConditions(st);
  assert.deepEqual(conds.map((x) => [x.type, x.observedGeneration, x.lastTransitionTime]), [
    ['Accepted', 3, '2026-01-01T00:00:00Z'], ['ResolvedRefs', 3, '2026-01-01T00:00:00Z'],
  ]);
  assert.deepEqual(out.get('BackendTLSPolicy/ns/unused')?.status, { ancestors: [] });
});

test('lastTransitionTime carries over only while type/status/reason are unchanged', () => {
  const first = new StatusCollector({ now: new Date('2026-01-01T00:00:00Z') });
  first.policy(policy).ancestor(gw).set('Accepted', 'True', 'Accepted', 'a').set('ResolvedRefs', 'True', 'ResolvedRefs', 'b');
  const previous = first.result();
  const second = new StatusCollector({ now: new Date('2026-02-01T00:00:00Z'), previous });
  second.policy(policy).ancestor(gw).set('Accepted', 'True', 'Accepted', 'message changed').set('ResolvedRefs', 'False', 'InvalidKind', 'b');
  const conds = ancestorConditions(second.result().get('BackendTLSPolicy/ns/p')?.status);
  assert.equal(conds.find((x) => x.type === 'Accepted')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(conds.find((x) => x.type === 'ResolvedRefs')?.lastTransitionTime, '2026-02-01T00:00:00Z');
});

test('messages are truncated to the API limit', () => {
  const c = new StatusCollector({ now: new Date(0) });
  c.policy(policy).ancestor(gw).set('Accepted', 'False', 'Invalid', 'x'.repeat(MAX_CONDITION_MESSAGE + 100));
  const msg = ancestorConditions(c.result().get('BackendTLSPolicy/ns/p')?.status)[0]?.message ?? '';
  assert.equal(msg.length, MAX_CONDITION_MESSAGE);
  assert.ok(msg.endsWith('[truncated]'));
});

test('equal statuses are the previous objects; what changed is new, with the same bytes as a fresh build', () => {
  const route: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns', generation: 2 } };
  const other = { ...gw, name: 'h', sectionName: 'web' };
  const collect = (now: string, previous: ReadonlyMap<string, ComputedStatus> | undefined, accepted: 'True' | 'False'): Map<string, ComputedStatus> => {
    const c = new StatusCollector({ now: new Date(now), previous });
    c.policy(policy).ancestor(gw).set('Accepted', accepted, accepted === 'True' ? 'Accepted' : 'Invalid', 'm').set('ResolvedRefs', 'True', 'ResolvedRefs', 'ok');
    c.route(route).parent(gw).set('Accepted', 'True', 'Accepted', 'ok');
    c.route(route).parent(other).set('Accepted', 'True', 'Accepted', 'ok');
    return c.result();
  };
  const first = collect('2026-01-01T00:00:00Z', undefined, 'True');
  const second = collect('2026-02-01T00:00:00Z', first, 'True');
  for (const [key, value] of second) assert.equal(value, first.get(key), key);
  const third = collect('2026-03-01T00:00:00Z', second, 'False');
  assert.equal(third.get('HTTPRoute/ns/r'), second.get('HTTPRoute/ns/r'));
  const before = ancestorConditions(second.get('BackendTLSPolicy/ns/p')?.status);
  const after = ancestorConditions(third.get('BackendTLSPolicy/ns/p')?.status);
  assert.notEqual(after, before);
  assert.equal(after[1], before[1]); // ResolvedRefs did not change: the same condition object
  assert.equal(after[0]?.lastTransitionTime, '2026-03-01T00:00:00Z');
  // A previous status from elsewhere (a copy) is read, never reused: the same bytes all the same.
  const copied = new Map([...second].map(([k, v]) => [k, structuredClone(v)]));
  const fromCopy = collect('2026-03-01T00:00:00Z', copied, 'False');
  assert.equal(JSON.stringify([...fromCopy]), JSON.stringify([...third]));
  assert.notEqual(fromCopy.get('HTTPRoute/ns/r'), copied.get('HTTPRoute/ns/r'));
  // A generation bump changes every observedGeneration, so nothing is reused.
  const bumped = new StatusCollector({ now: new Date('2026-04-01T00:00:00Z'), previous: third });
  bumped.route({ ...route, metadata: { ...route.metadata, generation: 3 } }).parent(gw).set('Accepted', 'True', 'Accepted', 'ok');
  const status = bumped.result().get('HTTPRoute/ns/r');
  assert.notEqual(status, third.get('HTTPRoute/ns/r'));
  const conditions = (status?.status as { parents: { conditions: Condition[] }[] }).parents[0]?.conditions;
  assert.deepEqual(conditions?.map((x) => [x.observedGeneration, x.lastTransitionTime]), [[3, '2026-01-01T00:00:00Z']]);
});
