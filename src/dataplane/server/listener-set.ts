/**
 * Reconciles the open listeners with an IR's listeners: sockets still wanted stay bound (no
 * rebind on reload, so no refused connections), HTTPS certificates are swapped in place, new
 * sockets open, and sockets no longer in the IR close gracefully. A bind failure affects only
 * its own listener; it is returned, and the listener is retried on the next reconcile.
 */
import type { ListenerIR, ServerCertificateIR } from '../../ir/types.ts';
import { Listener, ListenerBindError, type ListenerHandlers, type ListenerOptions } from './listener.ts';

export interface BindFailure {
  readonly listener: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** System error code, e.g. EADDRINUSE or EACCES. */
  readonly code: string;
  readonly message: string;
}

export interface ReconcileResult {
  readonly opened: readonly string[];
  readonly closed: readonly string[];
  readonly failed: readonly BindFailure[];
  /** HTTPS certificates that could not be loaded, per listener. */
  readonly certificateErrors: readonly { readonly listener: string; readonly source: string; readonly message: string }[];
}

export class ListenerSet {
  readonly #handlers: ListenerHandlers;
  readonly #drainMs: () => number;
  readonly #open = new Map<string, Listener>();
  /** The certificates each open listener was last given (to skip rebuilding unchanged ones). */
  readonly #certificates = new Map<Listener, readonly ServerCertificateIR[]>();
  readonly #listenerOptions: ListenerOptions;

  constructor(handlers: ListenerHandlers, options: { drainMs?: () => number; listener?: ListenerOptions } = {}) {
    this.#handlers = handlers;
    this.#drainMs = options.drainMs ?? (() => 10_000);
    this.#listenerOptions = options.listener ?? {};
  }

  /** The listener bound for an IR listener name, if open. */
  get(name: string): Listener | undefined {
    return this.#open.get(name);
  }

  get names(): readonly string[] {
    return [...this.#open.keys()];
  }

  async reconcile(wanted: readonly ListenerIR[]): Promise<ReconcileResult> {
    const byName = new Map(wanted.map((l) => [l.name, l]));
    const closing: Promise<void>[] = [];
    const closed: string[] = [];
    // Close first what is gone or changed protocol: a new socket on the same port needs it free.
    for (const [name, l] of this.#open) {
      const w = byName.get(name);
      if (w === undefined || w.protocol !== l.spec.protocol) {
        this.#open.delete(name);
        this.#certificates.delete(l);
        closed.push(name);
        closing.push(l.close(this.#drainMs()));
      }
    }
    const opened: string[] = [];
    const failed: BindFailure[] = [];
    const certificateErrors: { listener: string; source: string; message: string }[] = [];
    const opening: Promise<void>[] = [];
    for (const w of wanted) {
      const existing = this.#open.get(w.name);
      if (existing !== undefined) {
        // Rebuilding the SNI table and secure contexts on every reload is wasted work when the
        // certificates did not change (every policy edit reaches here).
        const before = this.#certificates.get(existing);
        if (before === undefined || !sameCertificates(before, w.certificates)) {
          existing.updateCertificates(w.certificates);
          this.#certificates.set(existing, w.certificates);
        }
        for (const e of existing.certificateErrors) certificateErrors.push({ listener: w.name, ...e });
        continue;
      }
      const l = new Listener({ name: w.name, address: w.address, port: w.port, protocol: w.protocol }, this.#handlers, w.certificates, this.#listenerOptions);
      for (const e of l.certificateErrors) certificateErrors.push({ listener: w.name, ...e });
      // A socket closed above on the same address is released asynchronously: retry briefly.
      const attempts = closed.includes(w.name) ? 20 : 1;
      opening.push(
        listenWithRetry(l, attempts).then(
          () => {
            this.#open.set(w.name, l);
            this.#certificates.set(l, w.certificates);
            opened.push(w.name);
          },
          (err: unknown) => {
            const code = err instanceof ListenerBindError ? err.code : 'UNKNOWN';
            failed.push({ listener: w.name, protocol: w.protocol, code, message: err instanceof Error ? err.message : String(err) });
          },
        ),
      );
    }
    await Promise.all(opening);
    // Old sockets drain in the background; the new config is live already.
    void Promise.all(closing);
    return { opened, closed, failed, certificateErrors };
  }

  /** Closes every listener gracefully within the deadline. */
  async close(deadlineMs = this.#drainMs()): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    this.#certificates.clear();
    await Promise.all(all.map((l) => l.close(deadlineMs)));
  }
}

/** Same certificates, same order (what Listener.updateCertificates would build from). */
function sameCertificates(a: readonly ServerCertificateIR[], b: readonly ServerCertificateIR[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i] as ServerCertificateIR;
    return x === y || (x.certPem === y.certPem && x.keyPem === y.keyPem && x.source === y.source
      && x.hostnames.length === y.hostnames.length && x.hostnames.every((h, k) => h === y.hostnames[k]));
  });
}

async function listenWithRetry(l: Listener, attempts: number): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await l.listen();
      return;
    } catch (err) {
      if (i >= attempts || !(err instanceof ListenerBindError) || err.code !== 'EADDRINUSE') throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
