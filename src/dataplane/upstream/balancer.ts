/**
 * Endpoint choice within one backend: round-robin, skipping endpoints that just refused a
 * connection for a short while (they come back by themselves: no active health checks here).
 */
import type { BackendIR } from '../../ir/types.ts';
import { endpointName, poolIdentity } from './pools.ts';
import type { PoolEntry, PoolRegistry } from './pools.ts';

/** How long an endpoint that failed to connect is skipped when others are available. */
export const failedEndpointSkipMs = 2_000;

/** Per-backend state, derived once from an immutable BackendIR and cached beside it. */
export class BackendState {
  readonly backend: BackendIR;
  readonly names: readonly string[];
  readonly identities: readonly string[];
  readonly pools: (PoolEntry | undefined)[];
  readonly upgradePools: (PoolEntry | undefined)[];
  next = 0;
  constructor(backend: BackendIR) {
    this.backend = backend;
    this.names = backend.endpoints.map(endpointName);
    this.identities = backend.endpoints.map((e) => poolIdentity(e, backend.tls));
    this.pools = new Array<PoolEntry | undefined>(backend.endpoints.length);
    this.upgradePools = new Array<PoolEntry | undefined>(backend.endpoints.length);
  }

  /** The pool of endpoint `i`, looked up again when the cached one was closed by a reload. */
  pool(registry: PoolRegistry, i: number, upgrade: boolean): PoolEntry {
    const cache = upgrade ? this.upgradePools : this.pools;
    let entry = cache[i];
    if (entry === undefined || entry.closing) {
      entry = registry.get(this.backend, this.backend.endpoints[i]!, upgrade);
      cache[i] = entry;
    }
    return entry;
  }
}

const states = new WeakMap<BackendIR, BackendState>();

/** The state of a backend (one WeakMap lookup per request; dropped with the IR). */
export function backendState(backend: BackendIR): BackendState {
  let state = states.get(backend);
  if (state === undefined) {
    state = new BackendState(backend);
    states.set(backend, state);
  }
  return state;
}

/** Endpoints that recently failed to connect, by pool identity. */
export class EndpointHealth {
  readonly #failedUntil = new Map<string, number>();

  markFailed(identity: string, now = Date.now()): void {
    this.#failedUntil.set(identity, now + failedEndpointSkipMs);
  }

  markOk(identity: string): void {
    if (this.#failedUntil.size > 0) this.#failedUntil.delete(identity);
  }

  #isFailed(identity: string, now: number): boolean {
    const until = this.#failedUntil.get(identity);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#failedUntil.delete(identity);
    return false;
  }

  /**
   * Picks the next endpoint index round-robin, skipping recently failed endpoints and those in
   * `tried`; when every candidate is skipped, the next untried one is used anyway.
   */
  pick(state: BackendState, tried?: readonly number[]): number {
    const n = state.identities.length;
    if (this.#failedUntil.size === 0 && tried === undefined) {
      const i = state.next;
      state.next = i + 1 >= n ? 0 : i + 1;
      return i;
    }
    const now = Date.now();
    let fallback = -1;
    for (let k = 0; k < n; k++) {
      const i = state.next;
      state.next = i + 1 >= n ? 0 : i + 1;
      if (tried !== undefined && tried.includes(i)) continue;
      if (!this.#isFailed(state.identities[i]!, now)) return i;
      if (fallback < 0) fallback = i;
    }
    return fallback >= 0 ? fallback : state.next;
  }

  /** Forgets endpoints that are no longer configured. */
  retain(identities: ReadonlySet<string>): void {
    for (const identity of this.#failedUntil.keys()) if (!identities.has(identity)) this.#failedUntil.delete(identity);
  }
}
