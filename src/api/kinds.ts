/**
 * The kinds lastmile reads (design.md "Kinds read in standalone mode"), with the names kubectl
 * accepts for them. One table serves the loader (is this apiVersion/kind known?), the store
 * (namespaced or not), the CLI (plurals and short names) and the admin API (URL paths).
 */

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface KindInfo {
  /** Canonical kind, e.g. `BackendTLSPolicy`. */
  readonly kind: string;
  /** API group; '' for the core group. */
  readonly group: string;
  /** Versions lastmile accepts in manifests, preferred (storage) version first. */
  readonly versions: readonly string[];
  /** Versions accepted but deprecated, with the warning the API server prints. */
  readonly deprecatedVersions?: Readonly<Record<string, string>>;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  /** Gateway API kinds are validated against their CRD schema and CEL rules. */
  readonly gatewayApi: boolean;
}

const BTLS_V1ALPHA3_WARNING =
  'The v1alpha3 version of BackendTLSPolicy has been deprecated and will be removed in a future release of the API. Please upgrade to v1.';

export const KINDS: readonly KindInfo[] = [
  { kind: 'GatewayClass', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], plural: 'gatewayclasses', singular: 'gatewayclass', shortNames: ['gc'], namespaced: false, gatewayApi: true },
  { kind: 'Gateway', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], plural: 'gateways', singular: 'gateway', shortNames: ['gtw'], namespaced: true, gatewayApi: true },
  { kind: 'HTTPRoute', group: GATEWAY_GROUP, versions: ['v1', 'v1beta1'], plural: 'httproutes', singular: 'httproute', shortNames: [], namespaced: true, gatewayApi: true },
  { kind: 'GRPCRoute', group: GATEWAY_GROUP, versions: ['v1'], plural: 'grpcroutes', singular: 'grpcroute', shortNames: [], namespaced: true, gatewayApi: true },
  { kind: 'TLSRoute', group: GATEWAY_GROUP, versions: ['v1', 'v1alpha2'], plural: 'tlsroutes', singular: 'tlsroute', shortNames: [], namespaced: true, gatewayApi: true },
  { kind: 'ReferenceGrant', group: GATEWAY_GROUP, versions: ['v1beta1', 'v1'], plural: 'referencegrants', singular: 'referencegrant', shortNames: ['refgrant'], namespaced: true, gatewayApi: true },
  {
    kind: 'BackendTLSPolicy', group: GATEWAY_GROUP, versions: ['v1', 'v1alpha3'],
    deprecatedVersions: { v1alpha3: BTLS_V1ALPHA3_WARNING },
    plural: 'backendtlspolicies', singular: 'backendtlspolicy', shortNames: ['btlspolicy'], namespaced: true, gatewayApi: true,
  },
  { kind: 'Service', group: '', versions: ['v1'], plural: 'services', singular: 'service', shortNames: ['svc'], namespaced: true, gatewayApi: false },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], plural: 'endpointslices', singular: 'endpointslice', shortNames: [], namespaced: true, gatewayApi: false },
  { kind: 'ConfigMap', group: '', versions: ['v1'], plural: 'configmaps', singular: 'configmap', shortNames: ['cm'], namespaced: true, gatewayApi: false },
  { kind: 'Secret', group: '', versions: ['v1'], plural: 'secrets', singular: 'secret', shortNames: [], namespaced: true, gatewayApi: false },
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));

/** The kind's table entry by canonical kind name. */
export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** Splits an apiVersion into group and version (`v1` → core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Resolves a name as kubectl does: kind, plural, singular or short name, case-insensitive,
 * optionally qualified with the group (`backendtlspolicies.gateway.networking.k8s.io`).
 */
export function resolveKindName(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  for (const k of KINDS) {
    const names = [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames];
    for (const n of names) {
      if (lower === n) return k;
      if (k.group !== '' && lower === `${n}.${k.group}`) return k;
    }
  }
  return undefined;
}
