import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendIR, GatewayIR, ListenerIR, RouteIR, UpstreamTlsProfileIR } from '../ir/types.ts';
import { internIr, sameIrValue } from './intern.ts';

const tls = (caPem: string): UpstreamTlsProfileIR => ({
  id: `id-${caPem}`, policy: { namespace: 'n', name: 'p' }, sni: 'a.example.com',
  trust: { kind: 'bundle', caPem, sources: ['ConfigMap/n/ca'] }, verify: { kind: 'hostname', hostname: 'a.example.com' }, alpn: ['http/1.1'],
});

const backend = (address: string, port = 8443, caPem = 'CA1'): BackendIR => ({
  name: 'Service/n/s:443', service: { namespace: 'n', name: 's', port: 443 }, endpoints: [{ address, port }], protocol: 'http1', tls: tls(caPem),
});

const route = (name: string, b: BackendIR): RouteIR => ({
  name: `HTTPRoute/n/${name}/rule/0/match/0`, route: { kind: 'HTTPRoute', namespace: 'n', name, rule: 0 },
  gateway: { namespace: 'infra', name: 'gw', listener: 'http' },
  match: { path: { type: 'PathPrefix', value: `/${name}` }, headers: [], queryParams: [] },
  filters: {}, backends: [{ weight: 1, filters: {}, backend: b }], timeouts: {},
});

const listener = (name: string, hosts: Record<string, RouteIR[]>): ListenerIR => ({
  name, address: '0.0.0.0', port: Number(name.split(':')[1]), protocol: 'HTTP', certificates: [],
  virtualHosts: Object.entries(hosts).map(([hostname, routes]) => ({ hostname, routes })),
});

/** Two independent builds of the same value: nothing shared by identity. */
const build = (over: { address?: string; port?: number; caPem?: string } = {}): GatewayIR => ({
  listeners: [
    listener('0.0.0.0:8000', {
      'a.example.com': [route('a', backend('10.0.0.1')), route('b', backend(over.address ?? '10.0.0.2', over.port, over.caPem))],
      'c.example.com': [route('c', backend('10.0.0.3'))],
    }),
    listener('0.0.0.0:8001', { '*': [route('d', backend('10.0.0.4'))] }),
  ],
});

test('sameIrValue follows deepStrictEqual on plain data', () => {
  assert.ok(sameIrValue({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }));
  assert.ok(sameIrValue(Number.NaN, Number.NaN));
  assert.ok(!sameIrValue(0, -0), '0 and -0 differ (Object.is)');
  assert.ok(!sameIrValue({ a: 0 }, { a: -0 }) && !sameIrValue([0], [-0]) && sameIrValue({ a: [Number.NaN] }, { a: [Number.NaN] }));
  assert.ok(!sameIrValue({ a: undefined }, {}), 'a key holding undefined is not a missing key');
  assert.ok(!sameIrValue({}, { a: undefined }));
  assert.ok(!sameIrValue([1, 2], [2, 1]), 'arrays in order');
  assert.ok(!sameIrValue([1, 2], [1, 2, 3]));
  assert.ok(sameIrValue({ a: 1, b: 2 }, { b: 2, a: 1 }), 'key order is not part of the value (as for deepStrictEqual)');
  assert.ok(!sameIrValue({ a: 1, b: 2 }, { a: 1, c: 2 }));
  assert.ok(!sameIrValue({ a: 1 }, Object.assign(Object.create({ a: 1 }) as object, {})), 'inherited keys do not count');
  assert.ok(!sameIrValue([], {}));
  assert.ok(!sameIrValue(Object.create(null) as object, {}), 'prototypes compared');
  assert.ok(!sameIrValue('1', 1));
  assert.ok(!sameIrValue(null, {}));
  assert.ok(!sameIrValue({ x: { y: ['a'] } }, { x: { y: ['b'] } }));
});

test('internIr keeps every unchanged part by identity, and an unchanged IR whole', () => {
  const prev = build();
  const next = build();
  const out = internIr(prev, next);
  assert.equal(out, prev);
  assert.deepEqual(out, next);
});

test('internIr renews a route whose endpoint moved, and only its parents', () => {
  const prev = build();
  const out = internIr(prev, build({ address: '10.9.9.9' }));
  assert.deepEqual(out, build({ address: '10.9.9.9' }));
  const [l0, l1] = out.listeners;
  assert.notEqual(out, prev);
  assert.notEqual(l0, prev.listeners[0]);
  assert.equal(l1, prev.listeners[1], 'the other listener is the previous object');
  const [vhA, vhC] = l0?.virtualHosts ?? [];
  assert.notEqual(vhA, prev.listeners[0]?.virtualHosts[0]);
  assert.equal(vhC, prev.listeners[0]?.virtualHosts[1]);
  assert.equal(vhA?.routes[0], prev.listeners[0]?.virtualHosts[0]?.routes[0], 'the unchanged sibling route is kept');
  assert.notEqual(vhA?.routes[1], prev.listeners[0]?.virtualHosts[0]?.routes[1], 'the changed route is a new object');
  assert.equal(vhA?.routes[1]?.backends[0]?.backend.endpoints[0]?.address, '10.9.9.9');
  assert.ok(Object.isFrozen(out) && Object.isFrozen(l0) && Object.isFrozen(l0?.virtualHosts) && Object.isFrozen(vhA) && Object.isFrozen(vhA?.routes));
});

test('internIr renews a route whose endpoint port or CA bundle changed (never keeps old trust)', () => {
  const prev = build();
  for (const over of [{ port: 9443 }, { caPem: 'CA2' }]) {
    const out = internIr(prev, build(over));
    assert.deepEqual(out, build(over));
    const r = out.listeners[0]?.virtualHosts[0]?.routes[1];
    assert.notEqual(r, prev.listeners[0]?.virtualHosts[0]?.routes[1], JSON.stringify(over));
  }
});

test('internIr finds routes that moved within a list, and handles added and removed places', () => {
  const prev = build();
  const a = route('a', backend('10.0.0.1'));
  const b = route('b', backend('10.0.0.2'));
  const e = route('e', backend('10.0.0.5'));
  const next: GatewayIR = { listeners: [listener('0.0.0.0:8000', { 'a.example.com': [e, b, a] }), listener('0.0.0.0:8002', { '*': [route('d', backend('10.0.0.4'))] })] };
  const out = internIr(prev, next);
  assert.deepEqual(out, next);
  const routes = out.listeners[0]?.virtualHosts[0]?.routes ?? [];
  assert.equal(routes[0], e, 'a new place keeps the new object');
  assert.equal(routes[1], prev.listeners[0]?.virtualHosts[0]?.routes[1]);
  assert.equal(routes[2], prev.listeners[0]?.virtualHosts[0]?.routes[0]);
  // A listener on a new socket has nothing to be interned against.
  assert.equal(out.listeners[1], next.listeners[1]);
});

test('internIr does not intern a route of another Gateway at the same name', () => {
  const prev = build();
  const moved = { ...route('c', backend('10.0.0.3')), gateway: { namespace: 'infra', name: 'gw2', listener: 'http' } };
  const next: GatewayIR = { listeners: [listener('0.0.0.0:8000', { 'c.example.com': [moved] })] };
  const out = internIr(prev, next);
  assert.equal(out.listeners[0]?.virtualHosts[0]?.routes[0], moved);
});
