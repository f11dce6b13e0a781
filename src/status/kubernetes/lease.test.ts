import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiFailure, FakeApiServer } from '../../../test/fake-apiserver/server.ts';
import { connectionTo, waitFor } from '../../../test/fake-apiserver/helpers.ts';
import { KubeClient, type ApiConnection } from '../../sources/kubernetes/client.ts';
import { LeaseElector } from './lease.ts';

interface Replica {
  elector: LeaseElector;
  events: { leading: boolean; at: number }[];
}

describe('status Lease', () => {
  let api: FakeApiServer;
  let conn: ApiConnection;
  before(async () => {
    api = await FakeApiServer.start();
    conn = connectionTo(api.url);
  });
  after(async () => {
    await conn.close();
    await api.close();
  });

  function replica(identity: string, leaseName: string, leaseDurationSeconds = 1): Replica {
    const events: Replica['events'] = [];
    const elector = new LeaseElector({
      client: new KubeClient(conn, { userAgent: `lastmile/${identity}`, requestTimeoutMs: 1000 }),
      namespace: 'lastmile-system',
      name: leaseName,
      identity,
      leaseDurationSeconds,
      retryPeriodMs: 100,
      renewDeadlineMs: 600,
      onChange: (leading) => events.push({ leading, at: Date.now() }),
    });
    elector.start();
    return { elector, events };
  }

  function lease(name: string): { holderIdentity?: string; leaseTransitions?: number; renewTime?: string } {
    return api.get('Lease', 'lastmile-system', name).spec as never;
  }

  test('one of two replicas leads; the other takes over once the holder stops renewing', async () => {
    const a = replica('a', 'crash');
    await waitFor('a leads', () => a.elector.isLeader);
    const b = replica('b', 'crash');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(b.elector.isLeader, false, 'a fresh Lease is respected');
    assert.equal(lease('crash').holderIdentity, 'a');
    assert.match(lease('crash').renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime format');
    const crashedAt = Date.now();
    await a.elector.stop({ release: false }); // a crash: no release
    await waitFor('b takes over', () => b.elector.isLeader, 4000);
    assert.ok(Date.now() - crashedAt >= 500, 'not before the Lease could expire');
    assert.equal(lease('crash').holderIdentity, 'b');
    assert.equal(lease('crash').leaseTransitions, 1);
    await b.elector.stop();
  });

  test('a holder that stops gracefully releases the Lease and the other takes over at once', async () => {
    const a = replica('a', 'release', 30);
    await waitFor('a leads', () => a.elector.isLeader);
    const b = replica('b', 'release', 30);
    await new Promise((r) => setTimeout(r, 200));
    const stoppedAt = Date.now();
    await a.elector.stop();
    assert.deepEqual(a.events.map((e) => e.leading), [true, false]);
    await waitFor('b takes over', () => b.elector.isLeader, 2000);
    assert.ok(Date.now() - stoppedAt < 2000, 'well before the 30 s Lease would expire');
    await b.elector.stop();
  });

  test('a holder cut off from the API steps down before another replica can take over', async () => {
    const a = replica('a', 'partition');
    await waitFor('a leads', () => a.elector.isLeader);
    const b = replica('b', 'partition');
    api.addHook((req) => (req.userAgent === 'lastmile/a' ? new FakeApiFailure(503, 'ServiceUnavailable', 'partitioned') : undefined));
    try {
      await waitFor('b takes over', () => b.elector.isLeader, 4000);
      const aStepDown = a.events.find((e) => !e.leading);
      const bStart = b.events.find((e) => e.leading);
      assert.ok(aStepDown && bStart && aStepDown.at <= bStart.at, 'never two writers at once');
    } finally {
      api.clearHooks();
      await a.elector.stop();
      await b.elector.stop();
    }
  });
});
