/**
 * Leader election over a coordination.k8s.io/v1 Lease, so that of many replicas (all serving
 * traffic) exactly one writes status. The algorithm is client-go's leaderelection in small:
 * every retry period each replica reads the Lease; the holder renews it; the others take it over
 * once `renewTime + leaseDurationSeconds` is past (or the holder released it). Every write
 * carries the resourceVersion read, so two replicas racing for an expired Lease cannot both win
 * (the loser gets 409 Conflict). A holder that cannot renew for `renewDeadlineMs` steps down
 * before its Lease can expire, so two writers never overlap.
 */
import { ApiError, type KubeClient } from '../../sources/kubernetes/client.ts';
import { silentLogger, type KubeLogger } from '../../sources/kubernetes/logger.ts';

export interface LeaseElectorOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** Default `lastmile-status-writer`. */
  readonly name?: string;
  /** Unique per replica (the pod name). */
  readonly identity: string;
  /** Default 15 s. */
  readonly leaseDurationSeconds?: number;
  /** How often the holder renews and the others check. Default 2000 ms. */
  readonly retryPeriodMs?: number;
  /** The holder steps down when it could not renew for this long. Default 10 000 ms (< lease duration). */
  readonly renewDeadlineMs?: number;
  /** Called when this replica starts (true) or stops (false) leading. */
  readonly onChange: (leading: boolean) => void;
  readonly logger?: KubeLogger;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown };
  spec?: LeaseSpec;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaseElector {
  readonly #options: LeaseElectorOptions;
  readonly #logger: KubeLogger;
  readonly #name: string;
  readonly #durationSeconds: number;
  #leading = false;
  #lastRenew = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #tick: Promise<void> | undefined;
  #heldAtStop = false;

  constructor(options: LeaseElectorOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#name = options.name ?? 'lastmile-status-writer';
    this.#durationSeconds = options.leaseDurationSeconds ?? 15;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  start(): void {
    if (this.#tick || this.#stopped) return;
    this.#loop();
  }

  /** Stops; the holder releases the Lease (unless `release: false`) so another takes over at once. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#tick;
    const wasLeading = this.#leading || this.#heldAtStop;
    this.#setLeading(false);
    if (wasLeading && options.release !== false) {
      try {
        await this.#release();
      } catch (error) {
        this.#logger.warn({ err: (error as Error).message }, 'releasing the status Lease failed');
      }
    }
  }

  #loop(): void {
    this.#tick = this.#attempt().finally(() => {
      if (!this.#stopped) this.#timer = setTimeout(() => this.#loop(), this.#options.retryPeriodMs ?? 2000);
    });
  }

  #setLeading(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.#logger.info({ identity: this.#options.identity, lease: `${this.#options.namespace}/${this.#name}` }, leading ? 'became the status writer' : 'stopped being the status writer');
    this.#options.onChange(leading);
  }

  get #path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#options.namespace)}/leases`;
  }

  async #attempt(): Promise<void> {
    try {
      const held = await this.#acquireOrRenew();
      if (this.#stopped) {
        // Won during shutdown: do not start writing, but remember to release.
        if (held) this.#heldAtStop = true;
        return;
      }
      if (held) this.#lastRenew = Date.now();
      this.#setLeading(held);
    } catch (error) {
      if (this.#stopped) return;
      this.#logger.warn({ err: (error as Error).message }, 'status Lease check failed');
      // Keep leading through short API hiccups, but step down before the Lease can expire.
      if (this.#leading && Date.now() - this.#lastRenew > (this.#options.renewDeadlineMs ?? 10_000)) this.#setLeading(false);
    }
  }

  /** One round: returns whether this replica holds the Lease afterwards. */
  async #acquireOrRenew(): Promise<boolean> {
    const { client, identity } = this.#options;
    const now = new Date();
    // A hung request must not hold the holder past its renew deadline.
    const signal = AbortSignal.timeout(Math.max(500, Math.floor((this.#options.renewDeadlineMs ?? 10_000) / 2)));
    let lease: Lease;
    try {
      lease = await client.get<Lease>(`${this.#path}/${encodeURIComponent(this.#name)}`, undefined, signal);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      try {
        await client.post(this.#path, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.#name, namespace: this.#options.namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: this.#durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        }, signal);
        return true;
      } catch (createError) {
        if (createError instanceof ApiError && createError.status === 409) return false; // another replica created it first
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    let next: LeaseSpec;
    if (holder === identity) {
      next = { ...spec, leaseDurationSeconds: this.#durationSeconds, renewTime: microTime(now) };
    } else {
      if (holder !== '') {
        const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
        const duration = (spec.leaseDurationSeconds ?? this.#durationSeconds) * 1000;
        if (Number.isFinite(renewed) && renewed + duration > now.getTime()) return false; // held and fresh
      }
      next = { holderIdentity: identity, leaseDurationSeconds: this.#durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
      this.#logger.info({ previousHolder: holder || undefined }, 'taking over the status Lease');
    }
    try {
      await client.put(`${this.#path}/${encodeURIComponent(this.#name)}`, { ...lease, spec: next }, signal);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return false; // lost a race: re-read next round
      throw error;
    }
  }

  async #release(): Promise<void> {
    const { client, identity } = this.#options;
    const signal = AbortSignal.timeout(2000); // shutdown must not hang on the API
    const lease = await client.get<Lease>(`${this.#path}/${encodeURIComponent(this.#name)}`, undefined, signal);
    if (lease.spec?.holderIdentity !== identity) return;
    const now = microTime(new Date());
    // As client-go: an empty holder and a 1 s duration tell the others to take over now.
    const spec: LeaseSpec = { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec.leaseTransitions };
    await client.put(`${this.#path}/${encodeURIComponent(this.#name)}`, { ...lease, spec }, signal);
  }
}
