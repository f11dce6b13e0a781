import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, KubeObject } from '../api/meta.ts';
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
