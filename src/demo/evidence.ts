/**
 * Gathers the evidence for one demo verdict through public surfaces only: one plain HTTP request
 * through the gateway (as curl would send it), then the admin API's `/debug/config` (the TLS
 * profile the gateway built for the route's backend) and `/debug/handshakes` (what the backend
 * presented, and why verification failed).
 */
import http from 'node:http';
import type { HandshakeRecord } from '../observability/handshakes.ts';
import type { BackendAnswer } from './backends.ts';
import type { ProfileFacts, VerdictEvidence } from './verdict.ts';

/** A response as a client sees it. */
export interface PlainResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One GET to 127.0.0.1:port (fresh connection, like curl), bounded by `timeoutMs`. */
export function get(port: number, path: string, options: { host?: string; timeoutMs?: number; address?: string } = {}): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: options.address ?? '127.0.0.1', port, path, method: 'GET', agent: false, headers: options.host === undefined ? {} : { host: options.host } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET on the admin API, parsed as JSON. */
async function adminJson(adminUrl: string, path: string): Promise<unknown> {
  const response = await fetch(adminUrl + path, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`admin API ${path} answered ${response.status}`);
  return response.json();
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function array(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The (redacted) BackendIR of a Service, searched through every route of the IR dump. */
export function findBackend(ir: unknown, namespace: string, name: string): Json | undefined {
  const root = isObject(ir) && isObject(ir['ir']) ? ir['ir'] : ir;
  if (!isObject(root)) return undefined;
  for (const listener of array(root['listeners'])) {
    if (!isObject(listener)) continue;
    for (const vhost of array(listener['virtualHosts'])) {
      if (!isObject(vhost)) continue;
      for (const route of array(vhost['routes'])) {
        if (!isObject(route)) continue;
        for (const weighted of array(route['backends'])) {
          const backend = isObject(weighted) ? weighted['backend'] : undefined;
          if (!isObject(backend) || !isObject(backend['service'])) continue;
          if (backend['service']['namespace'] === namespace && backend['service']['name'] === name) return backend;
        }
      }
    }
  }
  return undefined;
}

function strings(v: unknown): string[] {
  return array(v).filter((s): s is string => typeof s === 'string');
}

/** The profile facts of a (redacted) BackendIR's `tls`, or undefined when it has none. */
export function profileFacts(backend: Json | undefined): ProfileFacts | undefined {
  const tls = backend?.['tls'];
  if (!isObject(tls) || !isObject(tls['policy']) || !isObject(tls['verify']) || !isObject(tls['trust'])) return undefined;
  const verify: ProfileFacts['verify'] =
    tls['verify']['kind'] === 'hostname'
      ? { kind: 'hostname', hostname: String(tls['verify']['hostname']) }
      : { kind: 'subjectAltNames', dnsNames: strings(tls['verify']['dnsNames']), uris: strings(tls['verify']['uris']) };
  const trust: ProfileFacts['trust'] = tls['trust']['kind'] === 'system' ? { kind: 'system' } : { kind: 'bundle', sources: strings(tls['trust']['sources']) };
  const client = tls['clientCertificate'];
  return {
    policy: `${String(tls['policy']['namespace'])}/${String(tls['policy']['name'])}`,
    sni: String(tls['sni']),
    verify,
    trust,
    ...(isObject(client) && typeof client['source'] === 'string' ? { clientCertificate: client['source'] } : {}),
  };
}

function asAnswer(body: string): BackendAnswer | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) && typeof parsed['backend'] === 'string' ? (parsed as unknown as BackendAnswer) : undefined;
  } catch {
    return undefined;
  }
}

export interface ProbeTarget {
  /** Gateway listener port (on `address`, default 127.0.0.1). */
  readonly port: number;
  readonly address?: string;
  readonly path: string;
  readonly adminUrl: string;
  /** The Service the route sends `path` to. */
  readonly service: { readonly namespace: string; readonly name: string };
}

/** Sends the request, then reads what the gateway says about it. Never throws. */
export async function probe(t: ProbeTarget): Promise<VerdictEvidence> {
  let response: PlainResponse;
  try {
    response = await get(t.port, t.path, t.address === undefined ? {} : { address: t.address });
  } catch (err) {
    return { path: t.path, status: 0, requestError: err instanceof Error ? err.message : String(err) };
  }
  const header = response.headers['x-lastmile-error'];
  const code = typeof header === 'string' && header !== '' ? header : undefined;
  const answer = code === undefined ? asAnswer(response.body) : undefined;
  let backend: Json | undefined;
  let handshake: HandshakeRecord | undefined;
  try {
    const [config, handshakes] = await Promise.all([adminJson(t.adminUrl, '/debug/config'), adminJson(t.adminUrl, '/debug/handshakes')]);
    backend = findBackend(config, t.service.namespace, t.service.name);
    const name = backend?.['name'];
    const records = isObject(handshakes) ? array(handshakes['handshakes']) : [];
    handshake = records.filter((r): r is HandshakeRecord => isObject(r) && r['backend'] === name).at(-1);
  } catch {
    // The verdict then says only what the response itself carries.
  }
  const profile = profileFacts(backend);
  const unusable = isObject(backend?.['unusable']) ? backend['unusable']['message'] : undefined;
  return {
    path: t.path,
    status: response.status,
    ...(code === undefined ? {} : { code }),
    ...(answer === undefined ? {} : { answer }),
    ...(profile === undefined ? {} : { profile }),
    ...(typeof unusable === 'string' ? { unusable } : {}),
    ...(handshake === undefined ? {} : { handshake }),
  };
}
