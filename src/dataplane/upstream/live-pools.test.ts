import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendIR, GatewayIR } from '../../ir/types.ts';
import { irGen } from '../router/testing.ts';
import { LivePoolTracker, livePools } from './pools.ts';

const accepts: [string, (b: BackendIR) => boolean][] = [
  ['every backend (undici engine)', () => true],
  ['HTTP/1.1 backends (lean engine)', (b) => b.protocol === 'http1'],
];

describe('LivePoolTracker equals livePools over edit sequences', () => {
  for (const [what, accept] of accepts) {
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      test(`${what}, seed ${seed}: same identities and profiles after every IR`, () => {
        const gen = irGen(seed);
        const tracker = new LivePoolTracker(accept);
        let ir: GatewayIR = gen.gateway();
        for (let step = 0; step < 80; step++) {
          const live = tracker.update(ir);
          const reference = livePools(ir, accept);
          assert.deepEqual(new Set(live.identities), reference.identities, `seed ${seed} step ${step}: identities`);
          assert.deepEqual(new Set(live.profiles), reference.profiles, `seed ${seed} step ${step}: profiles`);
          ir = gen.edit(ir);
        }
        // Back to nothing: every pool is to be closed.
        const empty = tracker.update({ listeners: [] });
        assert.equal(empty.identities.size, 0);
        assert.equal(empty.profiles.size, 0);
      });
    }
  }

  test('a backend whose profile changed loses its old identities (its pools are closed by retain)', () => {
    const gen = irGen(3);
    const base = gen.gateway();
    const tracker = new LivePoolTracker(() => true);
    // One route to one TLS backend with an endpoint, the rest of the IR untouched.
    const backend: BackendIR = { ...gen.backend(), endpoints: [{ address: '10.9.9.9', port: 443 }], unusable: undefined, tls: { id: 'old', policy: { namespace: 'd', name: 'p' }, sni: 'a.test', trust: { kind: 'system' }, verify: { kind: 'hostname', hostname: 'a.test' }, alpn: ['http/1.1'] } };
    const route = { ...gen.route(), backends: [{ weight: 1, filters: {}, backend }] };
    const l0 = base.listeners[0]!;
    const withBackend = (b: BackendIR): GatewayIR => ({ listeners: [{ ...l0, virtualHosts: [{ hostname: 'only.test', routes: [{ ...route, backends: [{ weight: 1, filters: {}, backend: b }] }] }, ...l0.virtualHosts] }, ...base.listeners.slice(1)] });
    const first = tracker.update(withBackend(backend));
    assert.ok(first.identities.has('10.9.9.9:443|old'));
    const second = tracker.update(withBackend({ ...backend, tls: { ...backend.tls!, id: 'new', sni: 'b.test' } }));
    assert.equal(second.identities.has('10.9.9.9:443|old'), false);
    assert.ok(second.identities.has('10.9.9.9:443|new'));
    assert.equal(second.profiles.has('old'), false);
  });
});
