/**
 * What lastmile really supports, advertised in GatewayClass `status.supportedFeatures`
 * (Gateway API `pkg/features` names). Only list a feature once it works end to end.
 *
 * Deliberately NOT listed yet: `BackendTLSPolicy`, `BackendTLSPolicySANValidation`,
 * `GatewayBackendClientCertificate`. Translation implements them, but a later issue adds them
 * once the end-to-end conformance suite passes against the data plane (conformance.md 1.1: a
 * claimed feature makes the conformance suite run its tests).
 */
export const SUPPORTED_FEATURES: readonly string[] = Object.freeze(
  [
    'Gateway',
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
