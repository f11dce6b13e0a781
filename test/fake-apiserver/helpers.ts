/** Helpers for tests against the fake API server: a connection, objects, and polling. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { KubeObject } from '../../src/api/meta.ts';
import type { ApiConnection } from '../../src/sources/kubernetes/client.ts';

/** A plain-HTTP loopback connection to the fake server. */
export function connectionTo(url: string, token?: string): ApiConnection {
  const dispatcher = new Agent({ keepAliveTimeout: 1000 });
  return {
    server: url,
    dispatcher,
    async authHeaders(): Promise<Record<string, string>> {
      return token === undefined ? {} : { Authorization: `Bearer ${token}` };
    },
    async close() {
      await dispatcher.destroy();
    },
  };
}

/** Polls until the predicate holds; fails after timeoutMs (bounded, so a broken test ends). */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const GW = 'gateway.networking.k8s.io/v1';

export function gatewayClass(name: string, controllerName = 'lastmile.dev/gateway-controller'): KubeObject {
  return { apiVersion: GW, kind: 'GatewayClass', metadata: { name }, spec: { controllerName } };
}

export function gateway(namespace: string, name: string, extra: { certificateSecret?: string } = {}): KubeObject {
  const listeners: object[] = [{ name: 'http', port: 80, protocol: 'HTTP' }];
  if (extra.certificateSecret !== undefined) {
    listeners.push({ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: extra.certificateSecret }] } });
  }
  return { apiVersion: GW, kind: 'Gateway', metadata: { namespace, name }, spec: { gatewayClassName: 'lastmile', listeners } };
}

export function httpRoute(namespace: string, name: string, gatewayName = 'gw'): KubeObject {
  return {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { namespace, name },
    spec: { parentRefs: [{ name: gatewayName }], rules: [{ backendRefs: [{ name: 'backend', port: 443 }] }] },
  };
}

export function backendTLSPolicy(namespace: string, name: string, caConfigMap: string, apiVersion = GW): KubeObject {
  return {
    apiVersion,
    kind: 'BackendTLSPolicy',
    metadata: { namespace, name },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'backend' }],
      validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: caConfigMap }], hostname: 'backend.test' },
    },
  };
}

export function configMap(namespace: string, name: string, data: Record<string, string> = { 'ca.crt': 'PEM' }, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name, labels }, data };
}

export function secret(namespace: string, name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' } };
}

export function service(namespace: string, name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { ports: [{ port: 443 }] } };
}
