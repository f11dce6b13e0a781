/**
 * The last upstream TLS handshakes, failed and successful, for the admin API
 * (`GET /debug/handshakes`). design.md "Error codes": the client gets the code, the admin API gets
 * the whole story (endpoint, policy, what the backend presented). A log line tells the story once;
 * this keeps the recent ones readable on demand, e.g. for `lastmile demo`'s verdicts.
 *
 * Recorded per handshake, not per request (pooled connections are reused), into a fixed-size ring,
 * so the cost is one small object per new upstream connection and memory is bounded.
 */
import type { HandshakeEvent } from '../dataplane/tls/connector.ts';

/** One handshake as the admin API shows it: public certificate facts only, never key material. */
export interface HandshakeRecord {
  /** ISO time the handshake ended. */
  readonly time: string;
  /** BackendIR name, e.g. `Service/ns/name:443`. */
  readonly backend: string;
  /** `address:port` */
  readonly endpoint: string;
  /** `namespace/name` of the BackendTLSPolicy. */
  readonly policy: string;
  readonly outcome: 'ok' | 'failed';
  /** The error code of a failed handshake (design.md "Error codes"). */
  readonly reason?: string;
  readonly resumed: boolean;
  readonly ms: number;
  /** The whole story of a failure (describeFailure). */
  readonly detail?: string;
  /** What the backend presented, read even when verification rejected it. */
  readonly peerCertificate?: { readonly subject: string; readonly subjectAltName?: string; readonly issuer: string; readonly validTo: string };
}

/** A bounded, oldest-first list of the most recent upstream handshakes. */
export class RecentHandshakes {
  readonly #capacity: number;
  readonly #ring: HandshakeRecord[] = [];
  #next = 0;

  /** Keeps the last `capacity` handshakes (default 100). */
  constructor(capacity = 100) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** Records one handshake event (called from the engine's `handshake` hook). */
  record(e: HandshakeEvent, now: Date = new Date()): void {
    const record: HandshakeRecord = {
      time: now.toISOString(),
      backend: e.backend,
      endpoint: e.endpoint,
      policy: e.policy,
      outcome: e.outcome,
      ...(e.reason === undefined ? {} : { reason: e.reason }),
      resumed: e.resumed,
      ms: Math.round(e.ms * 1000) / 1000,
      ...(e.detail === undefined ? {} : { detail: e.detail }),
      // Copied field by field: only the public facts, whatever else an event might carry later.
      ...(e.peerCertificate === undefined
        ? {}
        : {
            peerCertificate: {
              subject: e.peerCertificate.subject,
              ...(e.peerCertificate.subjectAltName === undefined ? {} : { subjectAltName: e.peerCertificate.subjectAltName }),
              issuer: e.peerCertificate.issuer,
              validTo: e.peerCertificate.validTo,
            },
          }),
    };
    if (this.#ring.length < this.#capacity) this.#ring.push(record);
    else this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** The recorded handshakes, oldest first. */
  list(): readonly HandshakeRecord[] {
    if (this.#ring.length < this.#capacity) return [...this.#ring];
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }
}
