/**
 * Gateway API object types (gateway.networking.k8s.io, v1.6.1), as lastmile reads them after
 * validation has applied the CRD defaults. Only the fields lastmile uses are typed; objects keep
 * every other field as it was written.
 */
import type { Condition, KubeObject, ObjectMeta } from './meta.ts';

// ---- shared references (apis/v1/shared_types.go, object_reference_types.go) ----

export interface ParentReference {
  group?: string; // default gateway.networking.k8s.io
  kind?: string; // default Gateway
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface LocalObjectReference {
  group: string;
  kind: string;
  name: string;
}

export interface SecretObjectReference {
  group?: string; // default ''
  kind?: string; // default Secret
  name: string;
  namespace?: string;
}

export interface BackendObjectReference {
  group?: string; // default ''
  kind?: string; // default Service
  name: string;
  namespace?: string;
  port?: number;
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface RouteStatus {
  parents: RouteParentStatus[];
}

// ---- GatewayClass ----

export interface GatewayClassSpec {
  controllerName: string;
  parametersRef?: { group: string; kind: string; name: string; namespace?: string };
  description?: string;
}
export interface GatewayClassStatus {
  conditions?: Condition[];
  supportedFeatures?: { name: string }[];
}
export interface GatewayClass extends KubeObject {
  kind: 'GatewayClass';
  spec: GatewayClassSpec;
  status?: GatewayClassStatus;
}

// ---- Gateway ----

export type ProtocolType = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | string;

export interface RouteGroupKind {
  group?: string;
  kind: string;
}

export interface AllowedRoutes {
  namespaces?: {
    from?: 'All' | 'Same' | 'Selector' | 'None';
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  };
  kinds?: RouteGroupKind[];
}

export interface GatewayTLSConfigListener {
  mode?: 'Terminate' | 'Passthrough';
  certificateRefs?: SecretObjectReference[];
  options?: Record<string, string>;
}

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: ProtocolType;
  tls?: GatewayTLSConfigListener;
  allowedRoutes?: AllowedRoutes;
}

export interface GatewayBackendTLS {
  clientCertificateRef?: SecretObjectReference;
}

export interface GatewaySpec {
  gatewayClassName: string;
  listeners: Listener[];
  addresses?: { type?: string; value: string }[];
  tls?: { backend?: GatewayBackendTLS; frontend?: unknown };
  infrastructure?: unknown;
}

export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
}

export interface GatewayStatus {
  addresses?: { type?: string; value: string }[];
  conditions?: Condition[];
  listeners?: ListenerStatus[];
}

export interface Gateway extends KubeObject {
  kind: 'Gateway';
  spec: GatewaySpec;
  status?: GatewayStatus;
}

// ---- HTTPRoute ----

export interface HTTPPathMatch {
  type?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value?: string;
}
export interface HTTPHeaderMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}
export interface HTTPQueryParamMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}
export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPQueryParamMatch[];
  method?: string;
}
export interface HTTPHeader {
  name: string;
  value: string;
}
export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}
export interface HTTPPathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}
export interface HTTPRequestRedirectFilter {
  scheme?: 'http' | 'https';
  hostname?: string;
  path?: HTTPPathModifier;
  port?: number;
  statusCode?: number;
}
export interface HTTPURLRewriteFilter {
  hostname?: string;
  path?: HTTPPathModifier;
}
export interface HTTPRouteFilter {
  type: 'RequestHeaderModifier' | 'ResponseHeaderModifier' | 'RequestRedirect' | 'URLRewrite' | 'RequestMirror' | 'ExtensionRef' | 'CORS' | string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestRedirect?: HTTPRequestRedirectFilter;
  urlRewrite?: HTTPURLRewriteFilter;
  requestMirror?: { backendRef: BackendObjectReference; percent?: number; fraction?: { numerator: number; denominator?: number } };
  extensionRef?: LocalObjectReference;
}
export interface HTTPBackendRef extends BackendObjectReference {
  weight?: number; // default 1
  filters?: HTTPRouteFilter[];
}
export interface HTTPRouteTimeouts {
  request?: string; // Gateway API Duration, e.g. "10s", "500ms", "1h2m"
  backendRequest?: string;
}
export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[]; // default [{path: {type: PathPrefix, value: '/'}}]
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: HTTPRouteTimeouts;
}
export interface HTTPRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
  rules?: HTTPRouteRule[];
}
export interface HTTPRoute extends KubeObject {
  kind: 'HTTPRoute';
  spec: HTTPRouteSpec;
  status?: RouteStatus;
}

// ---- GRPCRoute ----

export interface GRPCMethodMatch {
  type?: 'Exact' | 'RegularExpression';
  service?: string;
  method?: string;
}
export interface GRPCRouteMatch {
  method?: GRPCMethodMatch;
  headers?: HTTPHeaderMatch[];
}
export interface GRPCBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: HTTPRouteFilter[];
}
export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: GRPCBackendRef[];
}
export interface GRPCRoute extends KubeObject {
  kind: 'GRPCRoute';
  spec: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: GRPCRouteRule[] };
  status?: RouteStatus;
}

// ---- TLSRoute ----

export interface TLSRoute extends KubeObject {
  kind: 'TLSRoute';
  spec: { parentRefs?: ParentReference[]; hostnames?: string[]; rules: { name?: string; backendRefs?: (BackendObjectReference & { weight?: number })[] }[] };
  status?: RouteStatus;
}

// ---- ReferenceGrant ----

export interface ReferenceGrant extends KubeObject {
  kind: 'ReferenceGrant';
  spec: {
    from: { group: string; kind: string; namespace: string }[];
    to: { group: string; kind: string; name?: string }[];
  };
}

// ---- BackendTLSPolicy (apis/v1/backendtlspolicy_types.go) ----

export interface LocalPolicyTargetReferenceWithSectionName {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

export interface SubjectAltName {
  type: 'Hostname' | 'URI';
  hostname?: string;
  uri?: string;
}

export interface BackendTLSPolicyValidation {
  caCertificateRefs?: LocalObjectReference[];
  wellKnownCACertificates?: string;
  hostname: string;
  subjectAltNames?: SubjectAltName[];
}

export interface BackendTLSPolicySpec {
  targetRefs: LocalPolicyTargetReferenceWithSectionName[];
  validation: BackendTLSPolicyValidation;
  options?: Record<string, string>;
}

export interface PolicyAncestorStatus {
  ancestorRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface PolicyStatus {
  ancestors: PolicyAncestorStatus[];
}

export interface BackendTLSPolicy extends KubeObject {
  kind: 'BackendTLSPolicy';
  metadata: ObjectMeta;
  spec: BackendTLSPolicySpec;
  status?: PolicyStatus;
}
