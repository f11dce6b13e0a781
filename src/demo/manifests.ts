/**
 * The demo's configuration folder: the same kinds of manifests a user writes for `lastmile serve`
 * (GatewayClass, Gateway, HTTPRoute, Services with EndpointSlices, the CA ConfigMap, one
 * BackendTLSPolicy per Service, the Gateway's backend client certificate Secret), one concern per
 * file so that editing a policy is editing one small file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEMO_HOSTNAME, type DemoPki } from './pki.ts';

export const DEMO_NAMESPACE = 'demo';
export const DEMO_GATEWAY = 'demo';
export const CA_CONFIGMAP = 'demo-ca';
export const CLIENT_SECRET = 'gateway-client';

/** The four demo backends, in the order the demo probes them. */
export const DEMO_BACKENDS = [
  { name: 'good', about: `certificate for ${DEMO_HOSTNAME}, signed by the demo CA` },
  { name: 'wrong-host', about: 'certificate for other.demo, signed by the demo CA' },
  { name: 'untrusted', about: `certificate for ${DEMO_HOSTNAME}, signed by a CA no policy trusts` },
  { name: 'mtls', about: `certificate for ${DEMO_HOSTNAME}; requires a client certificate signed by the demo CA` },
] as const;

export type DemoBackendName = (typeof DEMO_BACKENDS)[number]['name'];

/** The BackendTLSPolicy of a demo backend. */
export function policyName(backend: string): string {
  return `${backend}-tls`;
}

/** The file that holds a demo backend's BackendTLSPolicy. */
export function policyFile(backend: string): string {
  const index = DEMO_BACKENDS.findIndex((b) => b.name === backend);
  return `5${Math.max(0, index)}-policy-${backend}.yaml`;
}

export interface DemoFile {
  readonly name: string;
  readonly text: string;
  /** The objects in it, e.g. `Service/good, EndpointSlice/good-local`. */
  readonly holds: string;
  /** Holds a private key: written with mode 0600 (as `lastmile apply` does for Secrets). */
  readonly secret?: boolean;
}

export interface DemoManifestInput {
  /** Address and port of the Gateway's HTTP listener. */
  readonly address: string;
  readonly port: number;
  /** Loopback port each demo backend listens on. */
  readonly backendPorts: Readonly<Record<DemoBackendName, number>>;
  readonly pki: DemoPki;
}

type Obj = Record<string, unknown>;
const GW = 'gateway.networking.k8s.io/v1';

function file(name: string, comment: string, objects: readonly Obj[], secret = false, summary?: string): DemoFile {
  const header = comment
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');
  const holds = summary ?? objects.map((o) => `${String(o['kind'])}/${String((o['metadata'] as Obj)['name'])}`).join(', ');
  return { name, text: `${header}\n${objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n')}`, holds, ...(secret ? { secret } : {}) };
}

function meta(name: string, extra: Obj = {}): Obj {
  return { name, namespace: DEMO_NAMESPACE, ...extra };
}

function policy(backend: string): Obj {
  return {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: meta(policyName(backend)),
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: backend }],
      validation: {
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: CA_CONFIGMAP }],
        hostname: DEMO_HOSTNAME,
      },
    },
  };
}

function serviceWithSlice(backend: string, targetPort: number): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: meta(backend), spec: { ports: [{ name: 'https', port: 443, targetPort, protocol: 'TCP' }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta(`${backend}-local`, { labels: { 'kubernetes.io/service-name': backend } }),
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: targetPort, protocol: 'TCP' }],
    },
  ];
}

/** The demo's manifests, file by file. */
export function demoManifests(input: DemoManifestInput): DemoFile[] {
  const files: DemoFile[] = [
    file('00-gatewayclass.yaml', 'The class lastmile handles.', [
      { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'lastmile' }, spec: { controllerName: 'lastmile.dev/gateway-controller' } },
    ]),
    file(
      '10-gateway.yaml',
      `One plain HTTP listener on ${input.address}:${input.port}. spec.tls.backend.clientCertificateRef is the\ncertificate the gateway presents to backends that ask for one (the mtls backend does).`,
      [
        {
          apiVersion: GW,
          kind: 'Gateway',
          metadata: meta(DEMO_GATEWAY),
          spec: {
            gatewayClassName: 'lastmile',
            addresses: [{ type: 'IPAddress', value: input.address }],
            listeners: [{ name: 'http', protocol: 'HTTP', port: input.port }],
            tls: { backend: { clientCertificateRef: { group: '', kind: 'Secret', name: CLIENT_SECRET } } },
          },
        },
      ],
    ),
    file(
      '11-gateway-client-certificate.yaml',
      `The gateway's backend client certificate (CN=lastmile demo gateway, signed by the demo CA).\nA throwaway key made for this run only.`,
      [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: meta(CLIENT_SECRET),
          type: 'kubernetes.io/tls',
          data: { 'tls.crt': Buffer.from(input.pki.client.certPem).toString('base64'), 'tls.key': Buffer.from(input.pki.client.keyPem).toString('base64') },
        },
      ],
      true,
    ),
    file(
      '20-httproute.yaml',
      'One path per backend; the request path is passed through unchanged.',
      [
        {
          apiVersion: GW,
          kind: 'HTTPRoute',
          metadata: meta('demo'),
          spec: {
            parentRefs: [{ name: DEMO_GATEWAY, sectionName: 'http' }],
            rules: DEMO_BACKENDS.map((b) => ({
              name: b.name,
              matches: [{ path: { type: 'PathPrefix', value: `/${b.name}` } }],
              backendRefs: [{ name: b.name, port: 443 }],
            })),
          },
        },
      ],
    ),
    file('30-demo-ca.yaml', 'The demo CA: the only CA the policies trust.', [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(CA_CONFIGMAP), data: { 'ca.crt': input.pki.caPem } },
    ]),
    file(
      '40-services.yaml',
      `The four HTTPS backends the demo runs on loopback:\n${DEMO_BACKENDS.map((b) => `  ${b.name.padEnd(10)} 127.0.0.1:${input.backendPorts[b.name]}  ${b.about}`).join('\n')}`,
      DEMO_BACKENDS.flatMap((b) => serviceWithSlice(b.name, input.backendPorts[b.name])),
      false,
      `Service and EndpointSlice for ${DEMO_BACKENDS.map((b) => b.name).join(', ')}`,
    ),
  ];
  for (const b of DEMO_BACKENDS) {
    files.push(
      file(
        policyFile(b.name),
        `Verified TLS to Service ${b.name}: trust only the demo CA, send SNI ${DEMO_HOSTNAME}, and require a\ncertificate valid for it. Edit and save: the running gateway applies the change.`,
        [policy(b.name)],
      ),
    );
  }
  return files;
}

/** Writes the files into `dir` (Secrets with mode 0600). */
export async function writeDemoFiles(dir: string, files: readonly DemoFile[]): Promise<void> {
  for (const f of files) {
    const path = join(dir, f.name);
    await writeFile(path, f.text, f.secret === true ? { mode: 0o600 } : {});
  }
}
