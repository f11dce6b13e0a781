/**
 * Loads kubeconfig (a file, the default chain, or the in-cluster service account) with
 * @kubernetes/client-node and turns it into an ApiConnection for our thin client.
 *
 * client-node costs ~0.6 s and ~100 MB to import (ecosystem.md section 2), so it is imported
 * lazily here and nowhere else: the CLI and standalone mode never pay for it.
 */
import { Agent } from 'undici';
import { LastmileError } from '../../errors.ts';
import type { ApiConnection } from './client.ts';

export interface KubeconfigOptions {
  /** Path of a kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then in-cluster. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig other than its current one. */
  readonly context?: string;
}

/** How long an Authorization header is reused before asking client-node again (token rotation). */
const AUTH_REFRESH_MS = 60_000;

/** The subset of https.RequestOptions that KubeConfig.applyToHTTPSOptions fills in. */
interface HttpsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  headers?: Record<string, string>;
  /** `user:password` for kubeconfig basic auth. */
  auth?: string;
}

function headersOf(options: HttpsOptions): Record<string, string> {
  const headers = { ...options.headers };
  if (options.auth !== undefined && headers.Authorization === undefined) {
    headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  }
  return headers;
}

/**
 * Builds an ApiConnection from kubeconfig. TLS verification follows the kubeconfig exactly
 * (its CA; `insecure-skip-tls-verify` only when the user wrote it).
 */
export async function connectWithKubeconfig(options: KubeconfigOptions = {}): Promise<ApiConnection> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
    if (options.context !== undefined) kc.setCurrentContext(options.context);
  } catch (cause) {
    // Only the first line, and no `cause`: the YAML parser's message quotes the kubeconfig lines
    // around the error, which can hold a token or a client key (secrets never reach logs).
    const firstLine = String((cause as Error)?.message ?? cause).split('\n')[0] ?? '';
    throw new LastmileError('kubeconfig_invalid', `cannot load kubeconfig${options.kubeconfig !== undefined ? ` ${options.kubeconfig}` : ''}: ${firstLine}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new LastmileError('kubeconfig_invalid', `kubeconfig has no cluster for context "${kc.getCurrentContext()}"`);

  // One call to learn the TLS material; applyToHTTPSOptions reads files (CA, client cert) and
  // runs auth providers (token file, exec plugins).
  const tlsOptions: HttpsOptions = { headers: {} };
  await kc.applyToHTTPSOptions(tlsOptions);
  const dispatcher = new Agent({
    connect: {
      ca: tlsOptions.ca,
      cert: tlsOptions.cert,
      key: tlsOptions.key,
      servername: tlsOptions.servername,
      // Secure by default: only an explicit kubeconfig `insecure-skip-tls-verify` turns it off.
      rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
    },
    keepAliveTimeout: 30_000,
  });

  let cached: { headers: Record<string, string>; at: number } | undefined = { headers: headersOf(tlsOptions), at: Date.now() };
  return {
    server: cluster.server.replace(/\/+$/, ''),
    dispatcher,
    async authHeaders() {
      if (cached && Date.now() - cached.at < AUTH_REFRESH_MS) return cached.headers;
      const fresh: HttpsOptions = { headers: {} };
      await kc.applyToHTTPSOptions(fresh);
      cached = { headers: headersOf(fresh), at: Date.now() };
      return cached.headers;
    },
    async close() {
      cached = undefined;
      await dispatcher.close();
    },
  };
}
