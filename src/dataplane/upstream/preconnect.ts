/**
 * Pre-connect after a TLS profile change (issue 6: a policy edit applied within 50 ms p99 with
 * traffic flowing). An edit that changes a BackendTLSPolicy (e.g. validation.hostname) gives the
 * backend a new profile id: its old pools close (pools.ts LivePoolTracker) and, without this, the
 * first request after the edit pays a full TLS handshake under the new profile on its own path.
 * Like Envoy's preconnect policy, one connection per (endpoint, new profile) is opened in the
 * background when the new configuration is applied, so that request finds it pooled (or waits
 * for it, already under way).
 *
 * Bounded on purpose: only for an endpoint whose replaced pool had open connections (traffic was
 * flowing), at most one per (endpoint, new profile), at most `maxPerApply` per apply. The
 * connection goes through the pool's own connector (h1/pool.ts preconnect): verification is the
 * same, and a failure changes nothing a request can observe (no health mark, no answer).
 */
import type { BackendIR, EndpointIR, RouteIR } from '../../ir/types.ts';
import { endpointName, poolIdentity } from './pools.ts';

/** Default cap of pre-connects per applied configuration. */
export const PRECONNECT_MAX_PER_APPLY = 64;

/** One connection to open: an endpoint of a backend under its (new) profile. */
export interface PreconnectTarget {
  readonly backend: BackendIR;
  readonly endpoint: EndpointIR;
  readonly identity: string;
}

/** A pool that closed while it had open connections: its backend name and endpoint. */
export interface ReplacedPool {
  readonly backend: string;
  readonly endpoint: string;
}

/**
 * The connections to open after an apply: for each endpoint of a backend in `added` (the routes
 * the apply added or replaced) that `accept` admits, uses TLS, has no pool yet (`exists`), and
 * whose backend and endpoint match a pool in `replaced`. Each identity once, at most `max`.
 * Walks only the changed routes, and nothing at all when no busy pool was replaced.
 */
export function planPreconnects(
  added: readonly RouteIR[],
  replaced: readonly ReplacedPool[],
  accept: (backend: BackendIR) => boolean,
  exists: (identity: string) => boolean,
  max = PRECONNECT_MAX_PER_APPLY,
): PreconnectTarget[] {
  const out: PreconnectTarget[] = [];
  if (replaced.length === 0 || max <= 0) return out;
  const wanted = new Set(replaced.map((p) => `${p.backend}\n${p.endpoint}`));
  const chosen = new Set<string>();
  const seen = new Set<BackendIR>();
  for (const route of added) {
    for (const weighted of route.backends) {
      const backend = weighted.backend;
      if (seen.has(backend)) continue;
      seen.add(backend);
      // Plain-text backends have no handshake to save; unusable ones are never connected to.
      if (backend.tls === undefined || backend.unusable !== undefined || !accept(backend)) continue;
      for (const endpoint of backend.endpoints) {
        if (!wanted.has(`${backend.name}\n${endpointName(endpoint)}`)) continue;
        const identity = poolIdentity(endpoint, backend.tls);
        if (chosen.has(identity) || exists(identity)) continue;
        chosen.add(identity);
        out.push({ backend, endpoint, identity });
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}
