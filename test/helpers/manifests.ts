/**
 * Manifest builders for end-to-end tests: the Gateway API and core objects a gateway config
 * folder holds, written as multi-document YAML.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './net.ts';

type Obj = Record<string, unknown>;
const GW = 'gateway.networking.k8s.io/v1';

export function gatewayClass(name = 'lastmile'): Obj {
  return { apiVersion: GW, kind: 'GatewayClass', metadata: { name }, spec: { controllerName: 'lastmile.dev/gateway-controller' } };
}

export interface ListenerSpec {
  readonly name: string;
  readonly port: number;
  readonly protocol?: 'HTTP' | 'HTTPS';
  readonly hostname?: string;
  /** HTTPS: Secret names (kubernetes.io/tls) in the Gateway's namespace. */
  readonly certificateSecrets?: readonly string[];
}

export function gateway(name: string, listeners: readonly ListenerSpec[], options: { namespace?: string; clientCertificateSecret?: string } = {}): Obj {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: {
      gatewayClassName: 'lastmile',
      listeners: listeners.map((l) => ({
        name: l.name,
        port: l.port,
        protocol: l.protocol ?? 'HTTP',
        ...(l.hostname ? { hostname: l.hostname } : {}),
        ...(l.certificateSecrets ? { tls: { mode: 'Terminate', certificateRefs: l.certificateSecrets.map((n) => ({ kind: 'Secret', name: n })) } } : {}),
        allowedRoutes: { namespaces: { from: 'Same' } },
      })),
      ...(options.clientCertificateSecret ? { tls: { backend: { clientCertificateRef: { kind: 'Secret', group: '', name: options.clientCertificateSecret } } } } : {}),
    },
  };
}

export interface RouteSpec {
  readonly name: string;
  readonly gateway: string;
  readonly hostnames?: readonly string[];
  readonly pathPrefix?: string;
  readonly service: string;
  readonly port: number;
  readonly timeouts?: { request?: string; backendRequest?: string };
}

export function httpRoute(r: RouteSpec): Obj {
  return {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { name: r.name, namespace: 'default' },
    spec: {
      parentRefs: [{ name: r.gateway }],
      ...(r.hostnames ? { hostnames: r.hostnames } : {}),
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: r.pathPrefix ?? '/' } }],
          backendRefs: [{ name: r.service, port: r.port }],
          ...(r.timeouts ? { timeouts: r.timeouts } : {}),
        },
      ],
    },
  };
}

/** A Service on `port` with an EndpointSlice pointing at 127.0.0.1:targetPort (none when targetPort is undefined). */
export function serviceWithEndpoints(name: string, port: number, targetPort: number | undefined): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'https', port, protocol: 'TCP' }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'https', port: targetPort ?? 1, protocol: 'TCP' }],
      endpoints: targetPort === undefined ? [] : [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    },
  ];
}

export function caConfigMap(name: string, caPem: string, key = 'ca.crt'): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { [key]: caPem } };
}

export function tlsSecret(name: string, certPem: string, keyPem: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(certPem).toString('base64'), 'tls.key': Buffer.from(keyPem).toString('base64') },
  };
}

export interface PolicySpec {
  readonly name: string;
  readonly service: string;
  readonly hostname: string;
  /** ConfigMap names holding the CA; omit for system trust. */
  readonly caConfigMaps?: readonly string[];
  readonly subjectAltNames?: readonly ({ type: 'Hostname'; hostname: string } | { type: 'URI'; uri: string })[];
}

export function backendTlsPolicy(p: PolicySpec): Obj {
  return {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: { name: p.name, namespace: 'default' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: p.service }],
      validation: {
        hostname: p.hostname,
        ...(p.caConfigMaps ? { caCertificateRefs: p.caConfigMaps.map((n) => ({ group: '', kind: 'ConfigMap', name: n })) } : { wellKnownCACertificates: 'System' }),
        ...(p.subjectAltNames ? { subjectAltNames: p.subjectAltNames } : {}),
      },
    },
  };
}

/** Writes objects as one multi-document YAML file, atomically (write then rename, as editors do). */
export async function writeManifests(dir: string, file: string, objects: readonly Obj[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const text = objects.map((o) => stringify(o)).join('---\n');
  const tmp = join(dir, `.${file}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, join(dir, file));
}

/**
 * Copies examples/basic (routes with backends and a BackendTLSPolicy) into `dir`, its listener
 * moved from port 8080 to a free port; returns that port.
 */
export async function copyBasicExample(dir: string): Promise<number> {
  const port = await freePort();
  const examples = join(import.meta.dirname, '../../examples/basic');
  for (const f of (await readdir(examples)).filter((f) => f.endsWith('.yaml'))) {
    await writeFile(join(dir, f), (await readFile(join(examples, f), 'utf8')).replace('port: 8080', `port: ${port}`));
  }
  return port;
}
