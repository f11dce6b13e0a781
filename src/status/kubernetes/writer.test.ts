import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectKey, type KubeObject } from '../../api/meta.ts';
import { createSnapshot } from '../../store/create-snapshot.ts';
import type { ComputedStatus } from '../../translate/types.ts';
import { FakeApiFailure, FakeApiServer } from '../../../test/fake-apiserver/server.ts';
import { backendTLSPolicy, connectionTo, gateway, httpRoute } from '../../../test/fake-apiserver/helpers.ts';
import { KubeClient, type ApiConnection } from '../../sources/kubernetes/client.ts';
import { discoverResources, type ApiResource } from '../../sources/kubernetes/resources.ts';
import { StatusWriter } from './writer.ts';

const OURS = 'lastmile.dev/gateway-controller';
const THEIRS = 'example.com/other-controller';

function cond(type: string, status: 'True' | 'False', time: string): object {
  return { type, status, reason: type, message: '', observedGeneration: 1, lastTransitionTime: time };
}

function routeStatus(name: string, parents: string[], time = '2026-01-01T00:00:00Z'): ComputedStatus {
  return {
    kind: 'HTTPRoute',
    namespace: 'default',
    name,
    status: { parents: parents.map((gw) => ({ parentRef: { name: gw }, controllerName: OURS, conditions: [cond('Accepted', 'True', time)] })) },
  };
}

function statusMap(...list: ComputedStatus[]): Map<string, ComputedStatus> {
  return new Map(list.map((s) => [objectKey(s.kind, s.namespace, s.name), s]));
}

function parentsOf(object: KubeObject): string[] {
  const parents = (object.status as { parents?: { controllerName: string; parentRef: { name: string } }[] } | undefined)?.parents ?? [];
  return parents.map((p) => `${p.controllerName === OURS ? 'ours' : 'theirs'}:${p.parentRef.name}`);
}

describe('status writer', () => {
  let api: FakeApiServer;
  let conn: ApiConnection;
  let client: KubeClient;
  let resources: Map<string, ApiResource>;

  before(async () => {
    api = await FakeApiServer.start();
    conn = connectionTo(api.url);
    client = new KubeClient(conn, { requestTimeoutMs: 2000 });
    resources = new Map((await discoverResources(client)).resources.map((r) => [r.kind, r]));
  });
  after(async () => {
    await conn.close();
    await api.close();
  });
  beforeEach(() => {
    api.clearHooks();
  });

  function writer(): StatusWriter {
    const w = new StatusWriter({ client, resourceFor: (k) => resources.get(k), initialBackoffMs: 10, maxBackoffMs: 40 });
    w.setActive(true);
    return w;
  }

  function statusPuts(name: string): number {
    return api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/${name}/status`)).length;
  }

  function seedRoute(name: string, parents: object[] = []): KubeObject {
    const created = api.create(httpRoute('default', name));
    return api.update({ ...created, status: { parents } }, 'status');
  }

  test('writes our parents; other controllers keep theirs; our stale entries are removed', async () => {
    seedRoute('r1', [
      { parentRef: { name: 'their-gw' }, controllerName: THEIRS, conditions: [cond('Accepted', 'True', 't')] },
      { parentRef: { name: 'old-gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 't')] },
    ]);
    const w = writer();
    w.update(statusMap(routeStatus('r1', ['gw'])));
    await w.idle();
    assert.deepEqual(parentsOf(api.get('HTTPRoute', 'default', 'r1')), ['theirs:their-gw', 'ours:gw']);
    assert.equal(statusPuts('r1'), 1);
    assert.equal(w.stats.writes, 1);
  });

  test('a 409 conflict re-reads, merges again and succeeds, keeping the entry written meanwhile', async () => {
    seedRoute('r2');
    let raced = false;
    api.addHook((req) => {
      if (!raced && req.method === 'PUT' && req.path.endsWith('/r2/status')) {
        raced = true;
        // Another controller writes between our read and our write.
        const now = api.get('HTTPRoute', 'default', 'r2');
        api.update({ ...now, status: { parents: [{ parentRef: { name: 'their-gw' }, controllerName: THEIRS, conditions: [cond('Accepted', 'True', 't')] }] } }, 'status');
      }
    });
    const w = writer();
    w.update(statusMap(routeStatus('r2', ['gw'])));
    await w.idle();
    assert.equal(w.stats.conflicts, 1);
    assert.equal(w.stats.writes, 1);
    assert.deepEqual(parentsOf(api.get('HTTPRoute', 'default', 'r2')), ['theirs:their-gw', 'ours:gw']);
    assert.equal(api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/httproutes/r2')).length, 2, 'read, then read again after the conflict');
  });

  test('a status that differs only in lastTransitionTime is not written', async () => {
    seedRoute('r3', [{ parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', '2020-01-01T00:00:00Z')] }]);
    const w = writer();
    w.update(statusMap(routeStatus('r3', ['gw'], '2026-06-01T00:00:00Z')));
    await w.idle();
    assert.equal(statusPuts('r3'), 0);
    assert.equal(w.stats.skippedNoop, 1);
  });

  test('only changes from the last written state are attempted; the snapshot saves the read', async () => {
    const route = seedRoute('r4');
    const w = writer();
    const snapshot = createSnapshot([{ object: route }]);
    w.update(statusMap(routeStatus('r4', ['gw'])), snapshot);
    await w.idle();
    w.update(statusMap(routeStatus('r4', ['gw'], '2027-01-01T00:00:00Z')), snapshot);
    await w.idle();
    assert.equal(statusPuts('r4'), 1);
    assert.equal(api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/httproutes/r4')).length, 0, 'first attempt used the snapshot');
    w.update(statusMap(routeStatus('r4', ['gw', 'gw2'])), snapshot); // stale snapshot: 409, then GET
    await w.idle();
    assert.equal(statusPuts('r4'), 3);
    assert.deepEqual(parentsOf(api.get('HTTPRoute', 'default', 'r4')), ['ours:gw', 'ours:gw2']);
  });

  test('a route that no longer gets status from us has our entries removed (found via the snapshot)', async () => {
    const route = seedRoute('r5', [
      { parentRef: { name: 'their-gw' }, controllerName: THEIRS, conditions: [cond('Accepted', 'True', 't')] },
      { parentRef: { name: 'gw' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 't')] },
    ]);
    const w = writer();
    w.update(new Map(), createSnapshot([{ object: route }]));
    await w.idle();
    assert.deepEqual(parentsOf(api.get('HTTPRoute', 'default', 'r5')), ['theirs:their-gw']);
  });

  test('server errors back off and retry until written; an inactive writer writes nothing', async () => {
    seedRoute('r6');
    let failures = 2;
    api.addHook((req) => (req.method === 'PUT' && req.path.endsWith('/r6/status') && failures-- > 0 ? new FakeApiFailure(500, 'InternalError', 'etcd hiccup') : undefined));
    const passive = new StatusWriter({ client, resourceFor: (k) => resources.get(k) });
    passive.update(statusMap(routeStatus('r6', ['gw'])));
    await passive.idle();
    assert.equal(statusPuts('r6'), 0);
    const w = writer();
    w.update(statusMap(routeStatus('r6', ['gw'])));
    await w.idle();
    assert.equal(w.stats.errors, 2);
    assert.deepEqual(parentsOf(api.get('HTTPRoute', 'default', 'r6')), ['ours:gw']);
  });

  test('BackendTLSPolicy ancestors and Gateway conditions are merged the same way', async () => {
    const p = api.create(backendTLSPolicy('default', 'p1', 'ca'));
    api.update({ ...p, status: { ancestors: [{ ancestorRef: { name: 'their-gw' }, controllerName: THEIRS, conditions: [cond('Accepted', 'True', 't')] }] } }, 'status');
    const g = api.create(gateway('default', 'g1'));
    api.update({ ...g, status: { conditions: [cond('example.com/Audited', 'True', 't')] } }, 'status');
    const w = writer();
    w.update(
      statusMap(
        { kind: 'BackendTLSPolicy', namespace: 'default', name: 'p1', status: { ancestors: [{ ancestorRef: { name: 'g1' }, controllerName: OURS, conditions: [cond('Accepted', 'True', 't'), cond('ResolvedRefs', 'True', 't')] }] } },
        { kind: 'Gateway', namespace: 'default', name: 'g1', status: { conditions: [cond('Accepted', 'True', 't'), cond('Programmed', 'True', 't')], listeners: [] } },
      ),
    );
    await w.idle();
    const ancestors = (api.get('BackendTLSPolicy', 'default', 'p1').status as { ancestors: { controllerName: string }[] }).ancestors;
    assert.deepEqual(ancestors.map((a) => a.controllerName), [THEIRS, OURS]);
    const conditions = (api.get('Gateway', 'default', 'g1').status as { conditions: { type: string }[] }).conditions;
    assert.deepEqual(conditions.map((c) => c.type), ['example.com/Audited', 'Accepted', 'Programmed']);
  });

  test('an object deleted before its status is written is skipped quietly', async () => {
    const w = writer();
    w.update(statusMap(routeStatus('never-existed', ['gw'])));
    await w.idle();
    assert.equal(w.stats.errors, 0);
    assert.equal(w.stats.writes, 0);
  });
});
