import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { objectKey } from '../api/meta.ts';
import { readManifests } from '../sources/file/read.ts';
import { translate } from '../translate/index.ts';
import { validateObject } from '../validation/validate.ts';
import type { Snapshot } from '../store/snapshot.ts';
import type { ComputedStatus } from '../translate/types.ts';
import { FakeApiServer } from '../../test/fake-apiserver/server.ts';
import { connectionTo, gateway, gatewayClass, httpRoute, service, waitFor } from '../../test/fake-apiserver/helpers.ts';
import { startKubernetesMode, type KubernetesMode } from './kubernetes-mode.ts';

const OURS = 'lastmile.dev/gateway-controller';

/** A stand-in for translate: one Accepted parent entry per parentRef, observedGeneration current. */
function statusesOf(snapshot: Snapshot): Map<string, ComputedStatus> {
  const out = new Map<string, ComputedStatus>();
  for (const { object } of snapshot.list('HTTPRoute')) {
    const { namespace = '', name = '', generation } = object.metadata;
    const parentRefs = (object.spec as { parentRefs?: { name: string }[] }).parentRefs ?? [];
    const parents = parentRefs.map((ref) => ({
      parentRef: ref,
      controllerName: OURS,
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: generation, lastTransitionTime: new Date().toISOString() }],
    }));
    out.set(objectKey('HTTPRoute', namespace, name), { kind: 'HTTPRoute', namespace, name, status: { parents } });
  }
  return out;
}

interface Replica {
  mode: KubernetesMode;
  snapshots: Snapshot[];
}

describe('kubernetes mode with two replicas', () => {
  let api: FakeApiServer;
  before(async () => {
    api = await FakeApiServer.start();
    api.create(gatewayClass('lastmile'));
    api.create(gateway('default', 'gw'));
    api.create(httpRoute('default', 'route'));
    api.create(service('default', 'backend'));
  });
  after(async () => {
    await api.close();
  });

  async function replica(identity: string): Promise<Replica> {
    const snapshots: Snapshot[] = [];
    // onSnapshot never runs before startKubernetesMode resolves (its contract), so `mode` is set.
    const mode: KubernetesMode = await startKubernetesMode({
      connection: connectionTo(api.url),
      identity,
      leaseNamespace: 'lastmile-system',
      onSnapshot: (s) => {
        snapshots.push(s);
        mode.writeStatuses(statusesOf(s), s);
      },
      tuning: {
        debounceMs: 10,
        watch: { initialBackoffMs: 20, maxBackoffMs: 100 },
        lease: { leaseDurationSeconds: 1, retryPeriodMs: 100, renewDeadlineMs: 600 },
        status: { initialBackoffMs: 20, maxBackoffMs: 100 },
      },
    });
    return { mode, snapshots };
  }

  function routeParents(): { controllerName: string; conditions: { observedGeneration: number }[] }[] {
    return (api.get('HTTPRoute', 'default', 'route').status as { parents?: [] } | undefined)?.parents ?? [];
  }

  function statusWriters(): Set<string> {
    return new Set(api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).map((r) => r.userAgent));
  }

  test('both replicas get snapshots, only the Lease holder writes status, the other takes over after a crash', async () => {
    const a = await replica('replica-a');
    await waitFor('a leads', () => a.mode.isLeader());
    const b = await replica('replica-b');
    await Promise.all([a.mode.ready, b.mode.ready]);
    await waitFor('both have a snapshot', () => a.snapshots.length > 0 && b.snapshots.length > 0);
    await waitFor('route status written', () => routeParents().length === 1);
    assert.equal(b.mode.isLeader(), false);
    assert.deepEqual([...statusWriters()], ['lastmile/replica-a']);
    assert.equal(a.snapshots.at(-1)?.list('HTTPRoute').length, 1);
    assert.equal(b.snapshots.at(-1)?.list('HTTPRoute').length, 1);

    // Our own status write comes back as a watch event: no new snapshot (it is a status-only change).
    const before = a.snapshots.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(a.snapshots.length, before, 'a status-only change publishes nothing');

    await a.mode.stop({ releaseLease: false });
    const route = api.get('HTTPRoute', 'default', 'route');
    api.update({ ...route, spec: { ...(route.spec as object), hostnames: ['changed.example'] } });
    await waitFor('b takes over', () => b.mode.isLeader(), 4000);
    await waitFor('b writes the new generation', () => routeParents()[0]?.conditions[0]?.observedGeneration === 2, 4000);
    assert.deepEqual([...statusWriters()].sort(), ['lastmile/replica-a', 'lastmile/replica-b']);
    assert.equal(routeParents().length, 1, 'the entry was replaced, not duplicated');
    await b.mode.stop();
    const lease = api.get('Lease', 'lastmile-system', 'lastmile-status-writer').spec as { holderIdentity?: string };
    assert.equal(lease.holderIdentity, undefined, 'released on shutdown');
  });
});

describe('kubernetes mode with the real translation', () => {
  test('the examples converge: statuses are written once, and their watch echoes cause no further writes', async () => {
    const api = await FakeApiServer.start();
    // The API server stores defaulted objects: seed it with what validation (the same verdict) returns.
    const read = await readManifests([fileURLToPath(new URL('../../examples/basic', import.meta.url))]);
    for (const doc of read.documents) {
      const { object } = validateObject(doc);
      if (object) api.create(object);
    }
    let previous: ReadonlyMap<string, ComputedStatus> | undefined;
    const mode: KubernetesMode = await startKubernetesMode({
      connection: connectionTo(api.url),
      identity: 'solo',
      leaseNamespace: 'lastmile-system',
      onSnapshot: (snapshot) => {
        const result = translate({ snapshot, now: new Date(), previousStatuses: previous });
        previous = result.statuses;
        mode.writeStatuses(result.statuses, snapshot);
      },
      tuning: { debounceMs: 10, lease: { leaseDurationSeconds: 1, retryPeriodMs: 100, renewDeadlineMs: 600 } },
    });
    try {
      await mode.ready;
      const statusPuts = (): number => api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).length;
      await waitFor('statuses written', () => statusPuts() > 0 && (api.get('GatewayClass', undefined, 'lastmile').status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') === true, 4000);
      await new Promise((r) => setTimeout(r, 300));
      const written = statusPuts();
      assert.equal(mode.stats().status.errors, 0);
      assert.equal(written, previous?.size, 'one write per computed status');
      // The status echoes come back through the watch as status-only changes: they publish no
      // snapshot, so nothing is translated or written again (no write loop).
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(statusPuts(), written, 'no writes after convergence');
      for (const policy of api.state.list(api.state.resourceByKind('BackendTLSPolicy'))) {
        const ancestors = (policy.status as { ancestors?: { controllerName: string }[] } | undefined)?.ancestors ?? [];
        assert.ok(ancestors.every((a) => a.controllerName === OURS));
      }
    } finally {
      await mode.stop();
      await api.close();
    }
  });
});
