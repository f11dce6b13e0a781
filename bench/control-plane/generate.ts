/**
 * Generates a large, realistic config folder for the control-plane benchmark (issue "Performance",
 * part "Control plane"): N Services (each with an EndpointSlice), N HTTPRoutes and N
 * BackendTLSPolicies across ~N/100 namespaces, one GatewayClass and a few Gateways with HTTP
 * listeners, and CA ConfigMaps (one shared CA in every namespace, and a per-namespace CA).
 *
 * Variety on purpose, so translation takes its real paths: routes with several rules, header and
 * method matches, a second hostname on some; policies naming a port (sectionName) on a third of
 * them, SANs (DNS and URI) on a quarter, a `lastmile.dev/` option on some. Every object is valid:
 * the benchmark checks that the load has no error diagnostics.
 *
 * Layouts: `namespace` writes one file per namespace and kind (what a team keeps in git:
 * `team-0007/policies.yaml` with its ~100 policies); `object` writes one file per object.
 * CA certificates are generated once per run (src/pki/generate.ts), never committed.
 *
 * Usable on its own: `node bench/control-plane/generate.ts --n 1000 --out /tmp/cfg [--layout object]`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCa, type CertificateAuthority } from '../../src/pki/generate.ts';

export type Layout = 'namespace' | 'object';

export interface GenerateOptions {
  readonly n: number;
  readonly dir: string;
  readonly layout: Layout;
  /** Gateways the routes spread over (default 4). */
  readonly gateways?: number;
  /** Distinct CAs: one is shared by every namespace, the others are per-namespace (default 4). */
  readonly cas?: number;
  /** Listener port of Gateway `g` is `listenerPorts[g]` (default 18080 + g). */
  readonly listenerPorts?: readonly number[];
  /**
   * Traffic phase (run.ts --traffic): the EndpointSlices of these Services point at one real
   * local TLS backend (127.0.0.1:port) instead of unroutable 10.x addresses.
   */
  readonly backend?: { readonly port: number; readonly services: readonly number[] };
  /**
   * Number of hostname variants a policy cycles through on edits (default: unbounded, each edit
   * a new name). 2 makes edits toggle between two names a backend certificate can carry.
   */
  readonly hostnameVariants?: number;
}

export interface GeneratedConfig {
  readonly dir: string;
  readonly layout: Layout;
  readonly n: number;
  readonly namespaces: number;
  readonly files: number;
  readonly bytes: number;
  /** The file that holds policy `i`. */
  policyFile(i: number): string;
  /**
   * Flips policy `i` to its next variant (its validation.hostname changes) and returns the
   * new content of its file, plus the SNI the edited policy now asks for.
   */
  editPolicy(i: number): { file: string; content: string; sni: string };
  /**
   * Moves the first endpoint of Service `i`'s EndpointSlice to its next address (a pod
   * replaced in a rollout) and returns the new content of its file, plus the address the IR
   * must now hold. Not for the traffic phase's Services (their slices point at the backend).
   */
  editSlice(i: number): { file: string; content: string; address: string };
  /**
   * Flips HTTPRoute `i`'s first rule's request timeout between 10 s and 11 s (a route edit: a full
   * translation) and returns the new content of its file, plus the timeout in ms the IR must hold.
   */
  editRoute(i: number): { file: string; content: string; requestMs: number };
  /** Namespace of object `i`. */
  namespaceOf(i: number): string;
  /** The listener port of each Gateway, in order. */
  readonly listenerPorts: readonly number[];
  /** The CA behind the `shared-ca` ConfigMaps (policies of even `i` trust it). */
  readonly sharedCa: CertificateAuthority;
  /** The hostname policy `i` validates in variant `v` (the SNI the gateway sends). */
  hostnameOf(i: number, v: number): string;
}

const PER_NAMESPACE = 100;
const GATEWAY_NAMESPACE = 'gateways';

function pad(i: number, width: number): string {
  return String(i).padStart(width, '0');
}

/** PEM as a YAML block scalar indented by `indent` spaces. */
function block(pem: string, indent: number): string {
  const sp = ' '.repeat(indent);
  return `|\n${pem.trimEnd().split('\n').map((l) => sp + l).join('\n')}`;
}

/** Generates the folder; returns how to edit it. */
export async function generateConfig(options: GenerateOptions): Promise<GeneratedConfig> {
  const { n, dir, layout } = options;
  const gatewayCount = options.gateways ?? 4;
  const caCount = Math.max(2, options.cas ?? 4);
  const namespaces = Math.max(1, Math.round(n / PER_NAMESPACE));
  const cas = await Promise.all(Array.from({ length: caCount }, (_, i) => createCa({ commonName: `bench CA ${i}` })));
  const caPem = (i: number): string => cas[i]?.certPem ?? '';
  const ns = (i: number): string => `team-${pad(i % namespaces, 4)}`;
  const variants = new Map<number, number>();
  const hostnameVariants = options.hostnameVariants ?? Number.POSITIVE_INFINITY;
  const backendServices = new Set(options.backend?.services ?? []);
  const portOf = (g: number): number => options.listenerPorts?.[g] ?? 18080 + g;
  const hostnameOf = (i: number, v: number): string =>
    v === 0 ? `svc-${i}.${ns(i)}.svc.cluster.local` : `svc-${i}-v${v}.${ns(i)}.svc.cluster.local`;

  const gatewayClass = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: lastmile
spec:
  controllerName: lastmile.dev/gateway-controller
`;
  const gateway = (g: number): string => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw-${g}
  namespace: ${GATEWAY_NAMESPACE}
spec:
  gatewayClassName: lastmile
  listeners:
    - name: http
      port: ${portOf(g)}
      protocol: HTTP
      allowedRoutes:
        namespaces:
          from: All
    - name: http-example
      port: ${portOf(g)}
      protocol: HTTP
      hostname: "*.example.com"
      allowedRoutes:
        namespaces:
          from: Selector
          selector:
            matchExpressions:
              - key: kubernetes.io/metadata.name
                operator: Exists
`;
  // One shared CA in every namespace (a LocalObjectReference cannot leave the policy's
  // namespace, so "shared" means the same bundle copied, as cert-manager's trust-manager does),
  // and a per-namespace CA chosen among the others.
  const caConfigMaps = (k: number): string[] => [
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: shared-ca
  namespace: ${ns(k)}
data:
  ca.crt: ${block(caPem(0), 4)}
`,
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: team-ca
  namespace: ${ns(k)}
data:
  ca.crt: ${block(caPem(1 + (k % (caCount - 1))), 4)}
`,
  ];
  const service = (i: number): string => `apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  namespace: ${ns(i)}
  labels:
    app: app-${i}
spec:
  selector:
    app: app-${i}
  ports:
    - name: https
      port: 443
      targetPort: 8443
      protocol: TCP
    - name: metrics
      port: 9090
      targetPort: 9090
      protocol: TCP
`;
  const localSlice = (i: number, port: number): string => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-${i}-x7k2p
  namespace: ${ns(i)}
  labels:
    kubernetes.io/service-name: svc-${i}
addressType: IPv4
ports:
  - name: https
    port: ${port}
    protocol: TCP
  - name: metrics
    port: ${port}
    protocol: TCP
endpoints:
  - addresses: ["127.0.0.1"]
    conditions: {ready: true}
`;
  // Variant v of a slice moves its first endpoint: .10 in variant 0, then .110, .111, ...
  const sliceVariants = new Map<number, number>();
  const firstAddress = (i: number): string => {
    const v = sliceVariants.get(i) ?? 0;
    return `10.${(i >> 8) & 255}.${i & 255}.${v === 0 ? 10 : 110 + ((v - 1) % 140)}`;
  };
  const slice = (i: number): string => options.backend && backendServices.has(i) ? localSlice(i, options.backend.port) : `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-${i}-x7k2p
  namespace: ${ns(i)}
  labels:
    kubernetes.io/service-name: svc-${i}
addressType: IPv4
ports:
  - name: https
    port: 8443
    protocol: TCP
  - name: metrics
    port: 9090
    protocol: TCP
endpoints:
  - addresses: ["${firstAddress(i)}"]
    conditions: {ready: true}
  - addresses: ["10.${(i >> 8) & 255}.${i & 255}.11"]
    conditions: {ready: true}
  - addresses: ["10.${(i >> 8) & 255}.${i & 255}.12"]
    conditions: {ready: ${i % 5 !== 0}}
`;
  const routeVariants = new Map<number, number>();
  const timeoutOf = (i: number): number => 10 + ((routeVariants.get(i) ?? 0) % 2);
  const route = (i: number): string => {
    const host = `app-${i}.${ns(i)}.example.com`;
    const hostnames = i % 7 === 0 ? `["${host}", "app-${i}.internal"]` : `["${host}"]`;
    const headerRule = i % 2 === 0
      ? `
    - matches:
        - path: {type: PathPrefix, value: /api/v2}
          headers:
            - {name: x-canary, value: "true"}
      backendRefs:
        - {name: svc-${i}, port: 443, weight: 1}`
      : '';
    return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route-${i}
  namespace: ${ns(i)}
spec:
  parentRefs:
    - name: gw-${i % gatewayCount}
      namespace: ${GATEWAY_NAMESPACE}
  hostnames: ${hostnames}
  rules:
    - matches:
        - path: {type: PathPrefix, value: /api}
        - path: {type: Exact, value: /healthz}
          method: GET
      backendRefs:
        - {name: svc-${i}, port: 443}
      timeouts:
        request: ${timeoutOf(i)}s${headerRule}
    - matches:
        - path: {type: PathPrefix, value: /metrics}
      backendRefs:
        - {name: svc-${i}, port: 9090}
`;
  };
  const policy = (i: number): { text: string; sni: string } => {
    const v = (variants.get(i) ?? 0) % hostnameVariants;
    const sni = hostnameOf(i, v);
    const section = i % 3 === 0 ? '\n      sectionName: https' : '';
    const sans = i % 4 === 0
      ? `
    subjectAltNames:
      - {type: Hostname, hostname: ${sni}}
      - {type: URI, uri: "spiffe://cluster.local/ns/${ns(i)}/sa/app-${i}"}`
      : '';
    const options = i % 10 === 0 ? `\n  options:\n    lastmile.dev/min-tls-version: "TLSv1.3"` : '';
    const text = `apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: btls-${i}
  namespace: ${ns(i)}
spec:
  targetRefs:
    - group: ""
      kind: Service
      name: svc-${i}${section}
  validation:
    caCertificateRefs:
      - {group: "", kind: ConfigMap, name: ${i % 2 === 0 ? 'shared-ca' : 'team-ca'}}
    hostname: ${sni}${sans}${options}
`;
    return { text, sni };
  };

  // Objects of namespace k: i = k, k + namespaces, k + 2*namespaces, ... < n.
  const members = (k: number): number[] => {
    const out: number[] = [];
    for (let i = k; i < n; i += namespaces) out.push(i);
    return out;
  };
  const files = new Map<string, string>();
  const join3 = (docs: string[]): string => docs.join('---\n');
  files.set(join(dir, 'cluster.yaml'), join3([gatewayClass, ...Array.from({ length: gatewayCount }, (_, g) => gateway(g))]));
  const sliceFileOf = (i: number): string =>
    layout === 'namespace' ? join(dir, ns(i), 'services.yaml') : join(dir, ns(i), 'endpointslices', `svc-${i}.yaml`);
  const renderSliceFile = (i: number): string =>
    layout === 'namespace' ? join3(members(i % namespaces).flatMap((j) => [service(j), slice(j)])) : slice(i);
  const routeFileOf = (i: number): string =>
    layout === 'namespace' ? join(dir, ns(i), 'routes.yaml') : join(dir, ns(i), 'routes', `route-${i}.yaml`);
  const renderRouteFile = (i: number): string => (layout === 'namespace' ? join3(members(i % namespaces).map(route)) : route(i));
  const policyFileOf = (i: number): string =>
    layout === 'namespace' ? join(dir, ns(i), 'policies.yaml') : join(dir, ns(i), 'policies', `btls-${i}.yaml`);
  const renderPolicyFile = (i: number): string =>
    layout === 'namespace' ? join3(members(i % namespaces).map((j) => policy(j).text)) : policy(i).text;
  for (let k = 0; k < namespaces; k++) {
    const m = members(k);
    const d = join(dir, ns(k));
    if (layout === 'namespace') {
      files.set(join(d, 'ca.yaml'), join3(caConfigMaps(k)));
      files.set(join(d, 'services.yaml'), join3(m.flatMap((i) => [service(i), slice(i)])));
      files.set(join(d, 'routes.yaml'), join3(m.map(route)));
      files.set(join(d, 'policies.yaml'), join3(m.map((i) => policy(i).text)));
    } else {
      caConfigMaps(k).forEach((text, j) => files.set(join(d, `ca-${j}.yaml`), text));
      for (const i of m) {
        files.set(join(d, 'services', `svc-${i}.yaml`), service(i));
        files.set(join(d, 'endpointslices', `svc-${i}.yaml`), slice(i));
        files.set(join(d, 'routes', `route-${i}.yaml`), route(i));
        files.set(join(d, 'policies', `btls-${i}.yaml`), policy(i).text);
      }
    }
  }
  const dirs = new Set([...files.keys()].map((f) => f.slice(0, f.lastIndexOf('/'))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  let bytes = 0;
  const entries = [...files];
  for (let i = 0; i < entries.length; i += 64) {
    await Promise.all(entries.slice(i, i + 64).map(([file, text]) => {
      bytes += Buffer.byteLength(text);
      return writeFile(file, text);
    }));
  }

  return {
    dir, layout, n, namespaces, files: files.size, bytes,
    policyFile: policyFileOf,
    namespaceOf: ns,
    listenerPorts: Array.from({ length: gatewayCount }, (_, k) => portOf(k)),
    sharedCa: cas[0] ?? (await createCa()),
    hostnameOf,
    editPolicy(i: number): { file: string; content: string; sni: string } {
      variants.set(i, (variants.get(i) ?? 0) + 1);
      return { file: policyFileOf(i), content: renderPolicyFile(i), sni: policy(i).sni };
    },
    editRoute(i: number): { file: string; content: string; requestMs: number } {
      routeVariants.set(i, (routeVariants.get(i) ?? 0) + 1);
      return { file: routeFileOf(i), content: renderRouteFile(i), requestMs: timeoutOf(i) * 1000 };
    },
    editSlice(i: number): { file: string; content: string; address: string } {
      if (backendServices.has(i)) throw new Error(`svc-${i} is a traffic Service: its slice is not edited`);
      sliceVariants.set(i, (sliceVariants.get(i) ?? 0) + 1);
      return { file: sliceFileOf(i), content: renderSliceFile(i), address: firstAddress(i) };
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { n: { type: 'string', default: '1000' }, out: { type: 'string' }, layout: { type: 'string', default: 'namespace' } },
  });
  if (!values.out) throw new Error('--out DIR is required');
  const layout = values.layout === 'object' ? 'object' : 'namespace';
  const g = await generateConfig({ n: Number(values.n), dir: values.out, layout });
  console.log(`wrote ${g.files} files (${(g.bytes / 1e6).toFixed(1)} MB) for N=${g.n} in ${g.namespaces} namespaces to ${g.dir}`);
}

if (import.meta.main) await main();
