/**
 * Builders for the objects of the conformance manifests (conformance/tests/*.yaml and
 * conformance/base/manifests.yaml), in the infrastructure namespace, with the standalone
 * adaptation that Services come with the EndpointSlice of their (loopback) pods.
 */
import type { IssuedCertificate } from '../../src/pki/generate.ts';
import type { TlsEchoBackend } from '../helpers/tls-echo-backend.ts';

/** `confsuite.InfrastructureNamespace`. */
export const NS = 'gateway-conformance-infra';
/** `confsuite.WebBackendNamespace` (holds the Secret `certificate`). */
export const WEB_BACKEND_NS = 'gateway-conformance-web-backend';
export const GATEWAY_CLASS = 'lastmile';
export const CONTROLLER = 'lastmile.dev/gateway-controller';
export const GW_API = 'gateway.networking.k8s.io/v1';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are plain Kubernetes JSON
export type Obj = Record<string, any>;

export function configMap(name: string, data: Record<string, string>, namespace = NS): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function tlsSecret(name: string, cert: IssuedCertificate, namespace = NS): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(cert.certPem).toString('base64'), 'tls.key': Buffer.from(cert.keyPem).toString('base64') },
  };
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly appProtocol?: string;
}

/**
 * A Service (`targetPort: 8443` on every port, as in the suite) and the EndpointSlice the
 * EndpointSlice controller would publish for its pods: here the echo backend on loopback, or no
 * endpoints at all when no pod matches the selector (`backend` undefined).
 */
export function service(name: string, ports: readonly ServicePort[], backend: TlsEchoBackend | undefined, selector: Record<string, string> = { app: 'tls-backend' }): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS },
      spec: {
        selector,
        ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), protocol: 'TCP', port: p.port, targetPort: 8443, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
      },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-slice`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: ports.map((p) => ({ name: p.name ?? '', protocol: 'TCP', port: backend?.port ?? 8443 })),
      endpoints: backend ? [{ addresses: ['127.0.0.1'], conditions: { ready: true, serving: true, terminating: false } }] : [],
    },
  ];
}

export interface PolicyOptions {
  readonly service: string;
  readonly sectionName?: string;
  readonly hostname: string;
  /** caCertificateRefs, each `{group, kind, name}`; default kind ConfigMap, group "". */
  readonly caRefs: readonly { group?: string; kind?: string; name: string }[];
  readonly subjectAltNames?: readonly Obj[];
}

export function backendTlsPolicy(name: string, o: PolicyOptions): Obj {
  return {
    apiVersion: GW_API,
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: NS },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: o.service, ...(o.sectionName !== undefined ? { sectionName: o.sectionName } : {}) }],
      validation: {
        caCertificateRefs: o.caRefs.map((r) => ({ group: r.group ?? '', kind: r.kind ?? 'ConfigMap', name: r.name })),
        hostname: o.hostname,
        ...(o.subjectAltNames ? { subjectAltNames: o.subjectAltNames } : {}),
      },
    },
  };
}

export interface RouteRule {
  /** Exact path match; omitted: the rule has no matches. */
  readonly path?: string;
  readonly service: string;
  readonly port: number;
}

export interface RouteOptions {
  /** parentRefs[0].namespace (some of the suite's manifests set it, some do not). */
  readonly parentNamespace?: boolean;
  /** backendRefs written with `group: ""` and `kind: Service` (default) or left to the defaults. */
  readonly explicitGroupKind?: boolean;
}

export function httpRoute(name: string, gateway: string, hostnames: readonly string[] | undefined, rules: readonly RouteRule[], o: RouteOptions = {}): Obj {
  const groupKind = o.explicitGroupKind ?? true;
  return {
    apiVersion: GW_API,
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: gateway, ...(o.parentNamespace ? { namespace: NS } : {}) }],
      ...(hostnames ? { hostnames } : {}),
      rules: rules.map((r) => ({
        backendRefs: [{ ...(groupKind ? { group: '', kind: 'Service' } : {}), name: r.service, port: r.port }],
        ...(r.path !== undefined ? { matches: [{ path: { type: 'Exact', value: r.path } }] } : {}),
      })),
    },
  };
}

export interface ListenerOptions {
  readonly name: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly hostname?: string;
  readonly certificateSecret?: string;
}

/** A Gateway of `{GATEWAY_CLASS_NAME}` on `address`, listeners on the suite's ports. */
export function gatewayManifest(name: string, address: string, listeners: readonly ListenerOptions[], ports: { http: number; https: number }, extraSpec: Obj): Obj {
  return {
    apiVersion: GW_API,
    kind: 'Gateway',
    metadata: { name, namespace: NS },
    spec: {
      gatewayClassName: GATEWAY_CLASS,
      addresses: [{ type: 'IPAddress', value: address }],
      listeners: listeners.map((l) => ({
        name: l.name,
        ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
        port: l.protocol === 'HTTP' ? ports.http : ports.https,
        protocol: l.protocol,
        allowedRoutes: { namespaces: { from: 'Same' } },
        ...(l.certificateSecret ? { tls: { certificateRefs: [{ group: '', kind: 'Secret', name: l.certificateSecret }] } } : {}),
      })),
      ...extraSpec,
    },
  };
}
