/** Loopback helpers for end-to-end tests: free ports and small HTTP clients. */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { PeerCertificate } from 'node:tls';

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface SimpleResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies ad hoc
  readonly json: any;
}

export interface RequestOptions {
  readonly port: number;
  /** Where to connect (default 127.0.0.1; any 127.0.0.0/8 address reaches loopback on Linux). */
  readonly address?: string;
  readonly path?: string;
  readonly host?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Use TLS to the gateway (SNI = host) trusting this CA. */
  readonly tls?: {
    readonly ca: string;
    readonly servername?: string;
    /** Replaces Node's hostname check (e.g. to accept what another TLS stack accepts). */
    readonly checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  };
  /** Reuse connections (keep-alive) through this agent. */
  readonly agent?: http.Agent;
}

/** One request to 127.0.0.1 (or `address`); rejects on network errors or after the timeout (default 10 s). */
export function request(o: RequestOptions): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const mod = o.tls ? https : http;
    const req = mod.request(
      {
        host: o.address ?? '127.0.0.1',
        port: o.port,
        path: o.path ?? '/',
        method: o.method ?? 'GET',
        headers: { ...(o.host ? { host: o.host } : {}), ...o.headers },
        agent: o.agent ?? false,
        ...(o.tls ? { ca: o.tls.ca, servername: o.tls.servername ?? o.host } : {}),
        ...(o.tls?.checkServerIdentity ? { checkServerIdentity: o.tls.checkServerIdentity } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error(`request to :${o.port}${o.path ?? '/'} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
