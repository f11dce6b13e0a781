import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerPrimaryAdmin, startPrimaryAdminServer, type ClusterAdminSource } from './primary.ts';
import type { AdminAnswer } from './server.ts';

const text = (body: string, status = 200): AdminAnswer => ({ status, contentType: 'text/plain', body });

/** A source that records what was asked; worker 1 is "down" for forwarded reads. */
function fakeSource(): ClusterAdminSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    count: 2,
    readiness: () => Promise.resolve(text('ok\nworker 0: ready\nworker 1: ready\n')),
    metrics: () => Promise.resolve(text('aggregated\n')),
    workers: () => Promise.resolve(text('workers\n')),
    handshakes: () => Promise.resolve(text('merged handshakes\n')),
    diagnostics: () => Promise.resolve(text('merged diagnostics\n')),
    forward: (method, target, worker) => {
      asked.push(`${method} ${target} ${worker ?? 'any'}`);
      if (worker === 1) return Promise.reject(new Error('worker 1: not running'));
      return Promise.resolve({ answer: text(`from worker 0: ${target}\n`), worker: 0 });
    },
  };
}

test('answerPrimaryAdmin: cluster-wide paths are answered by the primary', async () => {
  const source = fakeSource();
  for (const [path, body] of [['/readyz', 'ok\nworker 0: ready\nworker 1: ready\n'], ['/metrics', 'aggregated\n'], ['/debug/workers', 'workers\n'], ['/debug/handshakes', 'merged handshakes\n'], ['/debug/diagnostics', 'merged diagnostics\n'], ['/healthz', 'ok\n']] as const) {
    const { answer, worker } = await answerPrimaryAdmin('GET', path, source);
    assert.equal(answer.body, body, path);
    assert.equal(worker, undefined, path);
  }
  assert.deepEqual(source.asked, []);
});

test('answerPrimaryAdmin: other reads go to one worker; ?worker=K picks it, also for cluster-wide paths', async () => {
  const source = fakeSource();
  const r = await answerPrimaryAdmin('GET', '/api/v1/namespaces/default/services', source);
  assert.equal(r.worker, 0);
  assert.equal(r.answer.body, 'from worker 0: /api/v1/namespaces/default/services\n');
  await answerPrimaryAdmin('GET', '/metrics?worker=0', source);
  await answerPrimaryAdmin('HEAD', '/readyz?worker=0', source);
  assert.deepEqual(source.asked, ['GET /api/v1/namespaces/default/services any', 'GET /metrics?worker=0 0', 'HEAD /readyz?worker=0 0']);
});

test('answerPrimaryAdmin: a bad ?worker is 400, a worker that cannot answer is 503, writes are 405', async () => {
  const source = fakeSource();
  for (const bad of ['2', '-1', 'x', '', '1e0']) {
    const { answer } = await answerPrimaryAdmin('GET', `/debug/config?worker=${bad}`, source);
    assert.equal(answer.status, 400, bad);
    assert.match(answer.body, /expected a worker index from 0 to 1/);
  }
  const down = await answerPrimaryAdmin('GET', '/debug/config?worker=1', source);
  assert.equal(down.answer.status, 503);
  assert.match(down.answer.body, /worker 1: not running/);
  const post = await answerPrimaryAdmin('POST', '/readyz', source);
  assert.equal(post.answer.status, 405);
  assert.deepEqual(source.asked, ['GET /debug/config?worker=1 1']);
});

test('startPrimaryAdminServer: serves over HTTP with x-lastmile-worker on relayed answers, and closes', async () => {
  const server = await startPrimaryAdminServer('127.0.0.1:0', fakeSource());
  try {
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('x-lastmile-worker'), null);
    assert.equal(ready.headers.get('cache-control'), 'no-store');
    const relayed = await fetch(`${server.url}/debug/config`);
    assert.equal(relayed.headers.get('x-lastmile-worker'), '0');
    assert.equal(await relayed.text(), 'from worker 0: /debug/config\n');
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${server.url}/healthz`));
});
