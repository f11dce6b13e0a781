/**
 * What lastmile really supports, advertised in GatewayClass `status.supportedFeatures`
 * (Gateway API `pkg/features` names). Only list a feature once it works end to end.
 *
 * `BackendTLSPolicy`, `BackendTLSPolicySANValidation` and `GatewayBackendClientCertificate` are
 * claimed because the official conformance tests that need them (conformance.md 2.1-2.8) pass
 * end to end against `lastmile serve` (test/conformance/); a claimed feature makes the suite run
 * those tests (conformance.md 1.1), so a regression there must fail that suite first.
 *
 * `GRPCRoute` is not claimed yet: GRPCRoutes are translated and their backends spoken to over
 * HTTP/2, but gRPC clients reach a gateway over h2c on HTTP listeners (as the GRPCRoute conformance
 * tests do), and lastmile's HTTP listeners speak HTTP/1.1 only. Claiming it would be a status that
 * says "supported" while clients fail.
 */
export const SUPPORTED_FEATURES: readonly string[] = Object.freeze(
  [
    'BackendTLSPolicy',
    'BackendTLSPolicySANValidation',
    'Gateway',
    'GatewayBackendClientCertificate',
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
