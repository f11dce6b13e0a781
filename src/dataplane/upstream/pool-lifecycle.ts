/**
 * The pool bookkeeping both engines share (the undici pools in pools.ts and the lean engine's
 * h1/pool.ts): the TLS session cache and a graceful close with a deadline (which pools an IR
 * still uses is pools.ts livePools, kept up to date across swaps by LivePoolTracker, beside
 * poolIdentity). None of it runs per request.
 */
import type { SessionStore } from '../tls/connector.ts';

/** Bounded, least-recently-set TLS session cache shared by all pools of an engine. */
export class SessionCache implements SessionStore {
  readonly #max: number;
  readonly #map = new Map<string, Buffer>();
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): Buffer | undefined {
    return this.#map.get(key);
  }
  set(key: string, session: Buffer): void {
    this.#map.delete(key);
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(key, session);
  }
}

/** Waits for `closing` to settle, or for `graceMs`, whichever comes first. */
export async function settleWithin(closing: Promise<unknown>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([closing, deadline]);
  clearTimeout(timer);
}
