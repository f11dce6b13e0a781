/**
 * What lastmile really supports, advertised in GatewayClass `status.supportedFeatures`
 * (Gateway API `pkg/features` names). Only list a feature once it works end to end.
 *
 * `BackendTLSPolicy`, `BackendTLSPolicySANValidation` and `GatewayBackendClientCertificate` are
 * claimed because the official conformance tests that need them (conformance.md 2.1-2.8) pass
 * end to end against `lastmile serve` (test/conformance/); a claimed feature makes the suite run
 * those tests (conformance.md 1.1), so a regression there must fail that suite first.
 *
 * `GRPCRoute` is claimed because it works end to end: GRPCRoutes are translated, their backends
 * spoken to over HTTP/2 (h2 with ALPN under a BackendTLSPolicy, h2c without), and plain-HTTP
 * listeners take gRPC clients' h2c with prior knowledge next to HTTP/1.1
 * (src/dataplane/server/h2c.ts); test/e2e/grpcroute.test.ts runs a gRPC call through the real
 * process to a BackendTLSPolicy backend.
 */
export const SUPPORTED_FEATURES: readonly string[] = Object.freeze(
  [
    'BackendTLSPolicy',
    'BackendTLSPolicySANValidation',
    'Gateway',
    'GatewayBackendClientCertificate',
    'GRPCRoute',
    'HTTPRoute',
    'HTTPRouteBackendTimeout',
    'HTTPRouteHostRewrite',
    'HTTPRouteMethodMatching',
    'HTTPRoutePathRedirect',
    'HTTPRoutePathRewrite',
    'HTTPRoutePortRedirect',
    'HTTPRouteQueryParamMatching',
    'HTTPRouteRequestTimeout',
    'HTTPRouteResponseHeaderModification',
    'HTTPRouteSchemeRedirect',
    'ReferenceGrant',
  ].sort(),
);
