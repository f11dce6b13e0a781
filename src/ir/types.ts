/**
 * The intermediate representation: everything the data plane runs, resolved and precomputed by
 * translation. The data plane never looks anything up by name again (design.md "ir/").
 * All values are plain, serializable and treated as immutable (frozen in tests).
 */
import type { ErrorCode } from '../errors.ts';

export interface GatewayIR {
  /** One entry per bind address and port, sorted by address then port. */
  readonly listeners: readonly ListenerIR[];
}

/** A socket the data plane listens on. Several Gateway listeners may share one (by hostname). */
export interface ListenerIR {
  /** `${address}:${port}` */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** HTTPS only: certificates chosen by the client's SNI (most specific hostname first). */
  readonly certificates: readonly ServerCertificateIR[];
  /**
   * Virtual hosts sorted by precedence: exact hostnames, then wildcards longest first, then `*`.
   * A request's Host (without port) picks the first matching one.
   */
  readonly virtualHosts: readonly VirtualHostIR[];
}

export interface ServerCertificateIR {
  /** SNI names this certificate serves (`*` when it is the default). */
  readonly hostnames: readonly string[];
  readonly certPem: string;
  readonly keyPem: string;
  /** e.g. `Secret/default/gateway-cert` — for logs, never the key material. */
  readonly source: string;
}

export interface VirtualHostIR {
  /** Exact hostname, `*.suffix` wildcard, or `*` for any. */
  readonly hostname: string;
  /** Routes in the spec's precedence order (GEP: path type and length, method, headers, query, age, name). */
  readonly routes: readonly RouteIR[];
}

export interface RouteIR {
  /** Stable id for logs and metrics: `HTTPRoute/ns/name/rule/N/match/M`. */
  readonly name: string;
  readonly route: { readonly kind: 'HTTPRoute' | 'GRPCRoute'; readonly namespace: string; readonly name: string; readonly rule: number };
  /** The Gateway and listener this route is attached through. */
  readonly gateway: { readonly namespace: string; readonly name: string; readonly listener: string };
  readonly match: MatchIR;
  readonly filters: FiltersIR;
  /**
   * Weighted backends. Empty with no `directResponse` means the rule had no backendRefs: 500.
   * A backend whose weight is 0 is never chosen.
   */
  readonly backends: readonly WeightedBackendIR[];
  /** Answer without proxying (redirects, or a rule whose every backend is invalid). */
  readonly directResponse?: DirectResponseIR;
  readonly timeouts: { readonly requestMs?: number; readonly backendRequestMs?: number };
}

export interface MatchIR {
  readonly path: { readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression'; readonly value: string };
  readonly method?: string;
  readonly headers: readonly { readonly type: 'Exact' | 'RegularExpression'; readonly name: string; readonly value: string }[];
  readonly queryParams: readonly { readonly type: 'Exact' | 'RegularExpression'; readonly name: string; readonly value: string }[];
}

export interface HeaderModifierIR {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export interface FiltersIR {
  readonly requestHeaders?: HeaderModifierIR;
  readonly responseHeaders?: HeaderModifierIR;
  readonly redirect?: {
    readonly scheme?: 'http' | 'https';
    readonly hostname?: string;
    readonly path?: { readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; readonly value: string };
    readonly port?: number;
    readonly statusCode: number;
  };
  readonly urlRewrite?: {
    readonly hostname?: string;
    readonly path?: { readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; readonly value: string };
  };
}

export interface DirectResponseIR {
  readonly status: number;
  readonly code: ErrorCode;
  /** The whole story, for logs and the admin API (never secret material). */
  readonly message: string;
}

export interface WeightedBackendIR {
  readonly weight: number;
  /** Backend-level filters (HTTPBackendRef.filters). */
  readonly filters: FiltersIR;
  readonly backend: BackendIR;
}

/** One Service port (or ExternalName target) with its endpoints and how to connect to them. */
export interface BackendIR {
  /** `Service/ns/name:port` */
  readonly name: string;
  readonly service: { readonly namespace: string; readonly name: string; readonly port: number };
  /** Ready endpoints; an empty list answers 503 no_ready_endpoints. */
  readonly endpoints: readonly EndpointIR[];
  /** HTTP version spoken to the backend. */
  readonly protocol: 'http1' | 'h2' | 'h2c';
  /** Present when a BackendTLSPolicy applies and is usable: originate verified TLS. */
  readonly tls?: UpstreamTlsProfileIR;
  /**
   * Present when the backend cannot be used: e.g. a BackendTLSPolicy applies but is invalid
   * (answers 500 backend_tls_policy_invalid; never plaintext), or the reference is invalid.
   */
  readonly unusable?: DirectResponseIR;
}

export interface EndpointIR {
  /** IP address, or a DNS name for ExternalName Services. */
  readonly address: string;
  readonly port: number;
}

/**
 * How to originate TLS to a backend, resolved from a BackendTLSPolicy (spec.md 4.4, 4.5) and the
 * Gateway's backend client certificate (spec.md 5). Upstream pools are keyed by (endpoint, id).
 */
export interface UpstreamTlsProfileIR {
  /** Content hash of everything below: equal ids mean interchangeable connections. */
  readonly id: string;
  readonly policy: { readonly namespace: string; readonly name: string };
  /** SNI = validation.hostname, always. */
  readonly sni: string;
  /** Trust: the policy's CA bundle, or the system store. Never both (ecosystem.md gotcha 2). */
  readonly trust: { readonly kind: 'bundle'; readonly caPem: string; readonly sources: readonly string[] } | { readonly kind: 'system' };
  /**
   * Identity check: the hostname (when no subjectAltNames), or only the listed SANs
   * (spec.md 2.3 hostname rule 3: the hostname is then NOT used for authentication).
   */
  readonly verify:
    | { readonly kind: 'hostname'; readonly hostname: string }
    | { readonly kind: 'subjectAltNames'; readonly dnsNames: readonly string[]; readonly uris: readonly string[] };
  /** The Gateway's spec.tls.backend.clientCertificateRef, when valid. */
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string; readonly source: string };
  /** ALPN offered to the backend. */
  readonly alpn: readonly string[];
  /** From `lastmile.dev/*` options (only ever stricter than the defaults). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  readonly ecdhCurves?: string;
}
