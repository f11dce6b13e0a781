import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAdminServer } from '../admin/server.ts';
import type { HandshakeEvent } from '../dataplane/tls/connector.ts';
import { RecentHandshakes } from './handshakes.ts';
import { GatewayMetrics } from './metrics.ts';

function event(n: number, extra: Partial<HandshakeEvent> = {}): HandshakeEvent {
  return { backend: `Service/demo/b${n}:443`, endpoint: `127.0.0.1:${1000 + n}`, policy: 'demo/p', outcome: 'ok', resumed: false, ms: 1.23456, ...extra };
}

describe('recent upstream handshakes', () => {
  test('keeps the last N, oldest first', () => {
    const recent = new RecentHandshakes(3);
    for (let i = 1; i <= 5; i++) recent.record(event(i), new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    const list = recent.list();
    assert.deepEqual(list.map((r) => r.backend), ['Service/demo/b3:443', 'Service/demo/b4:443', 'Service/demo/b5:443']);
    assert.equal(list[0]?.time, '2026-01-01T00:00:03.000Z');
    assert.equal(list[0]?.ms, 1.235);
  });

  test('a failure keeps its code, story and the public certificate facts only', () => {
    const recent = new RecentHandshakes();
    const peer = { subject: 'CN=other.demo', subjectAltName: 'DNS:other.demo', issuer: 'CN=demo CA', validTo: 'Jan 1 00:00:00 2027 GMT', keyPem: 'NOT TO BE SHOWN' };
    recent.record(event(1, { outcome: 'failed', reason: 'upstream_tls_hostname_mismatch', detail: 'certificate does not match the hostname', peerCertificate: peer }));
    const [only] = recent.list();
    assert.equal(only?.reason, 'upstream_tls_hostname_mismatch');
    assert.equal(only?.detail, 'certificate does not match the hostname');
    assert.deepEqual(only?.peerCertificate, { subject: 'CN=other.demo', subjectAltName: 'DNS:other.demo', issuer: 'CN=demo CA', validTo: 'Jan 1 00:00:00 2027 GMT' });
    assert.equal(JSON.stringify(recent.list()).includes('NOT TO BE SHOWN'), false);
  });

  test('served by the admin API at /debug/handshakes (empty when not wired)', async () => {
    const recent = new RecentHandshakes();
    recent.record(event(7, { outcome: 'failed', reason: 'upstream_tls_unknown_authority' }));
    const base = { ready: () => true, snapshot: () => undefined, statuses: () => new Map(), ir: () => ({ listeners: [] }), diagnostics: () => [], generation: () => 1 };
    const wired = await startAdminServer('127.0.0.1:0', { ...base, handshakes: () => recent.list() }, new GatewayMetrics());
    const bare = await startAdminServer('127.0.0.1:0', base, new GatewayMetrics());
    try {
      const body = (await (await fetch(`${wired.url}/debug/handshakes`)).json()) as { handshakes: { reason?: string; endpoint: string }[] };
      assert.deepEqual(body.handshakes.map((h) => [h.endpoint, h.reason]), [['127.0.0.1:1007', 'upstream_tls_unknown_authority']]);
      const empty = await fetch(`${bare.url}/debug/handshakes`);
      assert.equal(empty.status, 200);
      assert.deepEqual(await empty.json(), { handshakes: [] });
    } finally {
      await wired.close();
      await bare.close();
    }
  });
});
