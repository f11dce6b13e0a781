import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayMetrics } from '../observability/metrics.ts';
import { startAdminServer, type AdminState } from './server.ts';

function baseState(ready: boolean): AdminState {
  return {
    ready: () => ready,
    snapshot: () => undefined,
    statuses: () => new Map(),
    ir: () => ({ listeners: [] }),
    diagnostics: () => [],
    generation: () => 0,
  };
}

test('/debug/kubernetes: 404 without the hook (file mode), the hook body with it', async () => {
  const metrics = new GatewayMetrics();
  const plain = await startAdminServer('127.0.0.1:0', baseState(true), metrics);
  const withHook = await startAdminServer('127.0.0.1:0', { ...baseState(true), kubernetes: () => ({ leader: true, watch: { Gateway: { events: 3 } } }) }, metrics);
  try {
    const missing = await fetch(`${plain.url}/debug/kubernetes`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /not running in kubernetes mode/);
    const found = await fetch(`${withHook.url}/debug/kubernetes`);
    assert.equal(found.status, 200);
    assert.deepEqual(await found.json(), { leader: true, watch: { Gateway: { events: 3 } } });
  } finally {
    await plain.close();
    await withHook.close();
  }
});

test('/readyz: 503 with the reason the state gives, the default reason without one', async () => {
  const metrics = new GatewayMetrics();
  const reasoned = await startAdminServer('127.0.0.1:0', { ...baseState(false), notReadyReason: () => 'waiting for the initial lists' }, metrics);
  const plain = await startAdminServer('127.0.0.1:0', baseState(false), metrics);
  try {
    const a = await fetch(`${reasoned.url}/readyz`);
    assert.equal(a.status, 503);
    assert.equal(await a.text(), 'not ready: waiting for the initial lists\n');
    const b = await fetch(`${plain.url}/readyz`);
    assert.equal(b.status, 503);
    assert.equal(await b.text(), 'not ready: no configuration programmed yet\n');
  } finally {
    await reasoned.close();
    await plain.close();
  }
});
