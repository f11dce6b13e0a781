/**
 * Shared fixtures of the BackendTLSPolicy conformance scenarios (conformance.md 1.2): the
 * certificates the suite generates at setup, the base manifests it installs, the echo backends,
 * and one running `lastmile serve` for the whole suite.
 *
 * Standalone adaptations (the real suite runs against a cluster):
 * - Every Gateway gets its own loopback address through `spec.addresses: [{type: IPAddress}]`
 *   (Linux routes all of 127.0.0.0/8 to lo), so each keeps the suite's ports 80/443 as a
 *   LoadBalancer address would. The addresses live in a random 127.X.Y.0/24 so that two runs on
 *   one machine (parallel `npm test`) do not collide. When port 80 cannot be bound (not root and
 *   `ip_unprivileged_port_start` > 80), the Gateways use two free high ports instead.
 * - Pods become TLS echo servers on loopback (test/helpers/tls-echo-backend.ts), and Services
 *   select them through EndpointSlices whose endpoints are 127.0.0.1:<echo port>, the way the
 *   EndpointSlice controller would publish `targetPort: 8443` of a pod.
 * - Certificates are ECDSA P-256 from src/pki/generate.ts (the suite uses RSA 2048): same
 *   subjects' roles, same SANs, same key usages; generated fresh for every run, never committed.
 * - "kubectl apply" and patches become atomic rewrites of files in the config folder; deleting
 *   a test's manifests (the suite's cleanup) removes its file. An API server write is visible
 *   once it returns, so `apply` and `remove` wait until the admin API serves the new state (an
 *   apply-token annotation, like kubectl's last-applied annotation; never part of a spec, so it
 *   does not bump `generation`).
 * - Objects and their status are read from lastmile's admin API (Kubernetes URL shapes).
 * - The client side: Go's hostname rules for the frontend certificate (http.ts), and 100 ms
 *   between failed attempts instead of 1 s; NamespacesMustBeReady checks the Gateways only
 *   (there are no pods; the echo servers listen before the gateway starts).
 * - Only the base objects these eight tests use are installed (two of the base Gateways, the
 *   `tls-backend` Service and the suite-generated certificates).
 */
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) throws at import without it
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { KeyObject, randomBytes, randomInt, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { kindInfo } from '../../src/api/kinds.ts';
import { createCa, type CertificateAuthority, type IssuedCertificate } from '../../src/pki/generate.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { writeManifests } from '../helpers/manifests.ts';
import { freePort } from '../helpers/net.ts';
import { startTlsEchoBackend, type TlsEchoBackend } from '../helpers/tls-echo-backend.ts';
import { CONTROLLER, GATEWAY_CLASS, GW_API, NS, WEB_BACKEND_NS, configMap, gatewayManifest, service, tlsSecret, type ListenerOptions, type Obj } from './manifests.ts';

export * from './manifests.ts';

/** The certificates conformance.md 1.2 lists, freshly generated. */
export interface ConformancePki {
  /** `tls-checks-ca-certificate`: the trust anchor of every backend-TLS test. */
  readonly ca: CertificateAuthority;
  /** `tls-checks-certificate`: what `tls-backend` serves (SANs abc.example.com, the SPIFFE URI, other.example.com). */
  readonly server: IssuedCertificate;
  /** `tls-checks-client-certificate`: clientAuth, no SANs; the Gateway's backend client certificate. */
  readonly client: IssuedCertificate;
  /** `mismatch-ca-certificate`: an unrelated CA. */
  readonly mismatchCa: CertificateAuthority;
  /** `tls-validity-checks-certificate`: self-signed frontend certificate of the HTTPS Gateway. */
  readonly frontend: IssuedCertificate;
  /** `certificate` in the web-backend namespace: self-signed, SAN `*`. */
  readonly webBackend: IssuedCertificate;
}

const SUBJECT = 'CN=default, O=Acme Co';

/**
 * A self-signed server certificate with DNS SANs, as the suite's MustCreateSelfSignedCertSecret
 * makes (src/pki/generate.ts only issues from a CA, and is a shared contract we do not widen).
 */
async function selfSigned(hosts: readonly string[]): Promise<IssuedCertificate> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: SUBJECT,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem: cert.toString('pem') + '\n', keyPem };
}

/** Generates the suite's certificates (suite.go setup). */
export async function createConformancePki(): Promise<ConformancePki> {
  const ca = await createCa({ commonName: 'gatewayapi' });
  const mismatchCa = await createCa({ commonName: 'gatewayapi mismatch' });
  const [server, client, frontend, webBackend] = await Promise.all([
    ca.issue({ commonName: 'default', dnsNames: ['abc.example.com', 'other.example.com'], uris: ['spiffe://abc.example.com/test-identity'], usage: 'server' }),
    ca.issue({ commonName: 'default', usage: 'client' }),
    selfSigned(['*', '*.org', '*.wildcard.org']),
    selfSigned(['*']),
  ]);
  return { ca, server, client, mismatchCa, frontend, webBackend };
}

// ---- the running suite ----

const APPLY_ANNOTATION = 'conformance.lastmile.dev/apply';
const APPLY_TIMEOUT_MS = 20_000;

/** The admin API path of an object (Kubernetes URL shapes). */
export function objectPath(o: Obj): string {
  const info = kindInfo(o.kind);
  if (info === undefined) throw new Error(`unknown kind ${o.kind}`);
  const prefix = String(o.apiVersion).includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return info.namespaced ? `${prefix}/namespaces/${o.metadata.namespace}/${info.plural}/${o.metadata.name}` : `${prefix}/${info.plural}/${o.metadata.name}`;
}

/** Loopback addresses and ports the Gateways use (see the header comment). */
interface Network {
  readonly base: string;
  readonly httpPort: number;
  readonly httpsPort: number;
}

async function canListen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, address, () => s.close(() => resolve(true)));
  });
}

async function chooseNetwork(): Promise<Network> {
  const base = `127.${randomInt(100, 255)}.${randomInt(0, 256)}`;
  if ((await canListen(`${base}.1`, 80)) && (await canListen(`${base}.1`, 443))) return { base, httpPort: 80, httpsPort: 443 };
  return { base, httpPort: await freePort(), httpsPort: await freePort() };
}

/** One address per Gateway name, 127.X.Y.1 upwards. */
function allocateAddress(addresses: Map<string, string>, base: string, gatewayName: string): string {
  let a = addresses.get(gatewayName);
  if (a === undefined) {
    a = `${base}.${addresses.size + 1}`;
    addresses.set(gatewayName, a);
  }
  return a;
}

/** The base manifests, the echo backends and one `lastmile serve` shared by every scenario. */
export class ConformanceSuite {
  readonly pki: ConformancePki;
  readonly dir: string;
  readonly gateway: GatewayProcess;
  /** `tls-backend`: serves `tls-checks-certificate`. */
  readonly tlsBackend: TlsEchoBackend;
  /** `tls-backend-with-client-cert-validation`: also verifies a client certificate if given. */
  readonly tlsBackendWithClientCertValidation: TlsEchoBackend;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly #base: string;
  readonly #addresses: Map<string, string>;
  readonly #applied = new Map<string, readonly Obj[]>();
  #applies = 0;

  private constructor(init: { pki: ConformancePki; dir: string; gateway: GatewayProcess; backends: [TlsEchoBackend, TlsEchoBackend]; network: Network; addresses: Map<string, string> }) {
    this.pki = init.pki;
    this.dir = init.dir;
    this.gateway = init.gateway;
    [this.tlsBackend, this.tlsBackendWithClientCertValidation] = init.backends;
    this.httpPort = init.network.httpPort;
    this.httpsPort = init.network.httpsPort;
    this.#base = init.network.base;
    this.#addresses = init.addresses;
  }

  /** Generates the PKI, starts the backends, writes the base manifests and starts the gateway. */
  static async start(): Promise<ConformanceSuite> {
    const pki = await createConformancePki();
    const network = await chooseNetwork();
    const dir = await mkdtemp(join(tmpdir(), 'lastmile-conformance-'));
    const tlsBackend = await startTlsEchoBackend({ certPem: pki.server.certPem, keyPem: pki.server.keyPem, name: 'tls-backend', namespace: NS });
    const withClientCert = await startTlsEchoBackend({
      certPem: pki.server.certPem,
      keyPem: pki.server.keyPem,
      caPem: pki.ca.certPem,
      verifyClientCertIfGiven: true,
      name: 'tls-backend-with-client-cert-validation',
      namespace: NS,
    });
    const addresses = new Map<string, string>();
    await writeManifests(dir, 'base.yaml', baseManifests(pki, network, (gw) => allocateAddress(addresses, network.base, gw), tlsBackend));
    let gateway: GatewayProcess;
    try {
      gateway = await startGateway({ configDir: dir, extraArgs: ['--log-level', 'info'] });
    } catch (err) {
      await Promise.all([tlsBackend.close(), withClientCert.close()]);
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return new ConformanceSuite({ pki, dir, gateway, backends: [tlsBackend, withClientCert], network, addresses });
  }

  /** The loopback address of a Gateway (allocated on first use). */
  address(gatewayName: string): string {
    return allocateAddress(this.#addresses, this.#base, gatewayName);
  }

  /** A Gateway of `{GATEWAY_CLASS_NAME}` on its own loopback address (suite ports 80/443). */
  gatewayObject(name: string, listeners: readonly ListenerOptions[], extraSpec: Obj = {}): Obj {
    return gatewayManifest(name, this.address(name), listeners, { http: this.httpPort, https: this.httpsPort }, extraSpec);
  }

  /**
   * `kubectl apply` of one test's manifests: (re)writes `<name>.yaml` atomically, then waits
   * until the gateway serves every object of this write (an apply token annotation, as kubectl
   * leaves its last-applied annotation), the way an API server write is visible once it returns.
   * A rejected manifest fails here with the gateway's diagnostics, as `kubectl apply` would.
   */
  async apply(name: string, objects: readonly Obj[]): Promise<void> {
    const token = `${name}/${++this.#applies}`;
    const stamped = objects.map((o): Obj => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata?.annotations, [APPLY_ANNOTATION]: token } } }));
    await writeManifests(this.dir, `${name}.yaml`, stamped);
    await this.#until(`apply ${name}.yaml`, async () => {
      for (const o of stamped) {
        const served = await this.get(objectPath(o));
        if (served?.metadata?.annotations?.[APPLY_ANNOTATION] !== token) return `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} not served yet`;
      }
      return true;
    });
    this.#applied.set(name, stamped);
  }

  /** Deletes what `apply(name)` created, and waits until the gateway no longer serves it. */
  async remove(name: string): Promise<void> {
    await unlink(join(this.dir, `${name}.yaml`)).catch(() => undefined);
    const objects = this.#applied.get(name) ?? [];
    this.#applied.delete(name);
    await this.#until(`delete ${name}.yaml`, async () => {
      for (const o of objects) if ((await this.get(objectPath(o))) !== undefined) return `${o.kind} ${o.metadata.name} still served`;
      return true;
    });
  }

  async #until(what: string, step: () => Promise<true | string>): Promise<void> {
    const deadline = Date.now() + APPLY_TIMEOUT_MS;
    let last = '';
    for (;;) {
      const r = await step();
      if (r === true) return;
      last = r;
      if (Date.now() >= deadline) {
        const d = await this.gateway.admin('/debug/diagnostics');
        const logs = this.gateway.logs.filter((l) => l.component === 'runner').slice(-10);
        throw new Error(`${what}: ${last} after ${APPLY_TIMEOUT_MS} ms; gateway diagnostics: ${d.text.slice(0, 2000)}; last log lines: ${JSON.stringify(logs)}`);
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** GET on the admin API; undefined when the object does not exist. */
  async get(path: string): Promise<Obj | undefined> {
    const r = await this.gateway.admin(path);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`admin GET ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    return r.json as Obj;
  }

  async stop(): Promise<number | null> {
    const code = await this.gateway.stop();
    await Promise.all([this.tlsBackend.close(), this.tlsBackendWithClientCertValidation.close()]);
    await rm(this.dir, { recursive: true, force: true });
    return code;
  }
}

/** conformance/base/manifests.yaml (the parts these tests use) plus the objects suite.go creates. */
function baseManifests(pki: ConformancePki, network: Network, address: (gw: string) => string, tlsBackend: TlsEchoBackend): Obj[] {
  const ports = { http: network.httpPort, https: network.httpsPort };
  const frontend = 'tls-validity-checks-certificate';
  return [
    { apiVersion: GW_API, kind: 'GatewayClass', metadata: { name: GATEWAY_CLASS }, spec: { controllerName: CONTROLLER } },
    gatewayManifest('same-namespace', address('same-namespace'), [{ name: 'http', protocol: 'HTTP' }], ports, {}),
    gatewayManifest(
      'same-namespace-with-https-listener',
      address('same-namespace-with-https-listener'),
      [
        { name: 'https', protocol: 'HTTPS', certificateSecret: frontend },
        { name: 'https-with-hostname', protocol: 'HTTPS', hostname: 'second-example.org', certificateSecret: frontend },
        { name: 'https-with-wildcard-hostname', protocol: 'HTTPS', hostname: '*.wildcard.org', certificateSecret: frontend },
        { name: 'https-with-hostname-matching-wildcard', protocol: 'HTTPS', hostname: 'fourth-example.wildcard.org', certificateSecret: frontend },
      ],
      ports,
      {},
    ),
    // Deployment/Service tls-backend: port 443 -> 8443, no port name.
    ...service('tls-backend', [{ port: 443 }], tlsBackend),
    configMap('tls-checks-ca-certificate', { 'ca.crt': pki.ca.certPem }),
    tlsSecret('tls-checks-certificate', pki.server),
    tlsSecret('tls-checks-client-certificate', pki.client),
    configMap('mismatch-ca-certificate', { 'ca.crt': pki.mismatchCa.certPem }),
    tlsSecret(frontend, pki.frontend),
    tlsSecret('certificate', pki.webBackend, WEB_BACKEND_NS),
  ];
}
