import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasOurEntries, mergeStatus, sameIgnoringTransitionTimes, withoutOurEntries } from './merge.ts';

const OURS = 'lastmile.dev/gateway-controller';
const THEIRS = 'example.com/other-controller';

function cond(type: string, status: 'True' | 'False', time: string, reason = type): object {
  return { type, status, reason, message: '', observedGeneration: 1, lastTransitionTime: time };
}

describe('status merge', () => {
  test('route parents: other controllers keep their entries, our stale entries go, new ones come', () => {
    const current = {
      parents: [
        { parentRef: { name: 'their-gw' }, controllerName: THEIRS, conditions: [cond('Accepted', 'True', 't0')] },
        { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'old-gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 't0')] },
        { parentRef: { name: 'gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 't-server')] },
      ],
    };
    const ours = { parents: [{ parentRef: { name: 'gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 't-new'), cond('ResolvedRefs', 'False', 't-new')] }] };
    const { status, dropped } = mergeStatus('HTTPRoute', current, ours, OURS);
    assert.equal(dropped, 0);
    const parents = (status as { parents: { parentRef: { name: string; group?: string }; controllerName: string; conditions: { type: string; lastTransitionTime: string }[] }[] }).parents;
    assert.deepEqual(parents.map((p) => `${p.controllerName} ${p.parentRef.name}`), [`${THEIRS} their-gw`, `${OURS} gw`]);
    assert.equal(parents[0]?.parentRef.group, undefined, 'their entry is untouched');
    assert.equal(parents[1]?.parentRef.group, 'gateway.networking.k8s.io', 'our refs are written with the CRD defaults');
    // Unchanged status keeps the server's transition time; a new condition keeps its own.
    assert.deepEqual(parents[1]?.conditions.map((c) => `${c.type}@${c.lastTransitionTime}`), ['Accepted@t-server', 'ResolvedRefs@t-new']);
  });

  test('policy ancestors: a full list (16) gets no further entries of ours', () => {
    const theirs = Array.from({ length: 15 }, (_, i) => ({ ancestorRef: { name: `gw${i}` }, controllerName: THEIRS, conditions: [cond('Accepted', 'True', 't')] }));
    const ours = { ancestors: [1, 2, 3].map((i) => ({ ancestorRef: { name: `mine${i}` }, controllerName: OURS, conditions: [cond('Accepted', 'True', 't')] })) };
    const { status, dropped } = mergeStatus('BackendTLSPolicy', { ancestors: theirs }, ours, OURS);
    assert.equal((status as { ancestors: unknown[] }).ancestors.length, 16);
    assert.equal(dropped, 2);
  });

  test('Gateway: conditions merge by type, listeners by name, other types survive, our stale types go', () => {
    const current = {
      conditions: [cond('Accepted', 'Unknown' as 'True', '1970-01-01T00:00:00Z', 'Pending'), cond('Programmed', 'True', 't-prog'), cond('example.com/Audited', 'True', 't-a'), cond('lastmile.dev/Old', 'True', 't')],
      listeners: [
        { name: 'http', attachedRoutes: 1, supportedKinds: [{ kind: 'HTTPRoute' }], conditions: [cond('Programmed', 'True', 't-l'), cond('example.com/Scanned', 'True', 't-s')] },
        { name: 'removed', attachedRoutes: 0, supportedKinds: [], conditions: [cond('Accepted', 'True', 't')] },
      ],
    };
    const ours = {
      addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
      conditions: [cond('Accepted', 'True', 't-new'), cond('Programmed', 'True', 't-new')],
      listeners: [{ name: 'http', attachedRoutes: 2, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], conditions: [cond('Programmed', 'True', 't-new')] }],
    };
    const { status } = mergeStatus('Gateway', current, ours, OURS);
    const s = status as { conditions: { type: string; lastTransitionTime: string }[]; listeners: { name: string; attachedRoutes: number; conditions: { type: string }[] }[]; addresses: unknown[] };
    assert.deepEqual(s.conditions.map((c) => `${c.type}@${c.lastTransitionTime}`), ['example.com/Audited@t-a', 'Accepted@t-new', 'Programmed@t-prog']);
    assert.deepEqual(s.listeners.map((l) => l.name), ['http']);
    assert.equal(s.listeners[0]?.attachedRoutes, 2);
    assert.deepEqual(s.listeners[0]?.conditions.map((c) => c.type), ['example.com/Scanned', 'Programmed']);
    assert.deepEqual(s.addresses, ours.addresses);
  });

  test('GatewayClass: conditions by type and supportedFeatures replaced', () => {
    const { status } = mergeStatus('GatewayClass', { conditions: [cond('Accepted', 'True', 't-old')] }, { conditions: [cond('Accepted', 'True', 't-new')], supportedFeatures: [{ name: 'BackendTLSPolicy' }] }, OURS);
    assert.deepEqual(status, { conditions: [cond('Accepted', 'True', 't-old')], supportedFeatures: [{ name: 'BackendTLSPolicy' }] });
  });

  test('equivalence ignores lastTransitionTime, key order and status-schema defaults', () => {
    const server = { parents: [{ controllerName: OURS, parentRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }, conditions: [cond('Accepted', 'True', 'yesterday')] }] };
    const ours = { parents: [{ parentRef: { name: 'gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 'today')] }] };
    assert.ok(sameIgnoringTransitionTimes(server, ours));
    const changed = { parents: [{ parentRef: { name: 'gw' }, controllerName: OURS, conditions: [cond('Accepted', 'False', 'today')] }] };
    assert.ok(!sameIgnoringTransitionTimes(server, changed));
  });

  test('removing our entries from a route or policy we no longer compute', () => {
    const current = { parents: [{ parentRef: { name: 'a' }, controllerName: THEIRS, conditions: [] }, { parentRef: { name: 'b' }, controllerName: OURS, conditions: [] }] };
    assert.ok(hasOurEntries('HTTPRoute', current, OURS));
    assert.deepEqual(withoutOurEntries('HTTPRoute', current, OURS), { parents: [current.parents[0]] });
    assert.deepEqual(withoutOurEntries('BackendTLSPolicy', undefined, OURS), { ancestors: [] });
    assert.equal(withoutOurEntries('Gateway', {}, OURS), undefined);
  });
});
