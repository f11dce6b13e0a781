/**
 * A thin Kubernetes API client over undici: JSON reads and writes, and watch streams read line by
 * line. It is written by hand on purpose (ecosystem.md section 2): client-node's informer stops on
 * the first error and must be restarted by the caller, does not ask for watch bookmarks, and hides
 * the resourceVersion it resumes from. lastmile needs all three under its control (resumption
 * without relist, 410 handling, backoff), and only ~200 lines of HTTP to get them. client-node is
 * still used for what it does well: reading kubeconfig and authenticating (kubeconfig.ts).
 */
import { request, type Dispatcher } from 'undici';
import { StringDecoder } from 'node:string_decoder';
import { LastmileError } from '../../errors.ts';

/** Where the API server is and how to authenticate to it. */
export interface ApiConnection {
  /** Base URL of the API server without a trailing slash, e.g. `https://10.96.0.1:443`. */
  readonly server: string;
  /** Carries the TLS settings (CA, client certificate) of the kubeconfig. */
  readonly dispatcher: Dispatcher;
  /** Headers to add to each request (Authorization); may refresh a rotated token. */
  authHeaders(): Promise<Record<string, string>>;
  /** Closes the dispatcher's connections. */
  close(): Promise<void>;
}

/** A non-2xx answer of the API server, with its HTTP status and the Status reason. */
export class ApiError extends LastmileError {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string, options?: { cause?: unknown }) {
    super('kube_api_error', message, options);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
  }
}

/** Query parameters; undefined values are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface KubeClientOptions {
  /** Sent as User-Agent, so API server audit logs name the replica. */
  readonly userAgent?: string;
  /** Bound on every non-watch request (headers and body). Default 30 s. */
  readonly requestTimeoutMs?: number;
}

function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Reads a Status object from an error body; never echoes more than a short message. */
function apiErrorFrom(status: number, method: string, path: string, text: string): ApiError {
  let reason = '';
  let message = '';
  try {
    const body = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (body.kind === 'Status') {
      reason = body.reason ?? '';
      message = body.message ?? '';
    }
  } catch {
    // not JSON: an ingress or proxy answered; the status code is all we report
  }
  const detail = message !== '' ? `: ${message.slice(0, 300)}` : '';
  return new ApiError(status, reason, `${method} ${path} answered ${status}${reason !== '' ? ` ${reason}` : ''}${detail}`);
}

/** JSON requests and watch streams against one API server. */
export class KubeClient {
  readonly #conn: ApiConnection;
  readonly #userAgent: string;
  readonly #timeoutMs: number;

  constructor(conn: ApiConnection, options: KubeClientOptions = {}) {
    this.#conn = conn;
    this.#userAgent = options.userAgent ?? 'lastmile';
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async #headers(extra?: Record<string, string>): Promise<Record<string, string>> {
    return { accept: 'application/json', 'user-agent': this.#userAgent, ...(await this.#conn.authHeaders()), ...extra };
  }

  async #send(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const hasBody = body !== undefined;
    const res = await request(`${this.#conn.server}${path}`, {
      method,
      dispatcher: this.#conn.dispatcher,
      headers: await this.#headers(hasBody ? { 'content-type': 'application/json' } : undefined),
      body: hasBody ? JSON.stringify(body) : undefined,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      signal,
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw apiErrorFrom(res.statusCode, method, path, text);
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ApiError(res.statusCode, 'InvalidJSON', `${method} ${path} answered a body that is not JSON`, { cause });
    }
  }

  /** GET a JSON document. Throws ApiError on a non-2xx answer. */
  async get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return (await this.#send('GET', withQuery(path, query), undefined, signal)) as T;
  }

  /** PUT a JSON document (an update; the server checks metadata.resourceVersion). */
  async put<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return (await this.#send('PUT', path, body, signal)) as T;
  }

  /** POST a JSON document (a create). */
  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return (await this.#send('POST', path, body, signal)) as T;
  }

  /**
   * Opens a watch and calls onLine for every line of the newline-delimited JSON event stream.
   * Resolves when the server ends the stream (timeoutSeconds elapsed, or the connection closed);
   * rejects with ApiError when the watch is refused (e.g. 410 Gone for a too-old
   * resourceVersion), or with the transport error. `idleTimeoutMs` bounds the silence between
   * bytes: bookmarks arrive about once a minute, so a silent stream is a dead one.
   */
  async watch(path: string, query: Query, signal: AbortSignal, idleTimeoutMs: number, onLine: (line: string) => void): Promise<void> {
    const res = await request(`${this.#conn.server}${withQuery(path, query)}`, {
      method: 'GET',
      dispatcher: this.#conn.dispatcher,
      headers: await this.#headers(),
      headersTimeout: this.#timeoutMs,
      bodyTimeout: idleTimeoutMs,
      signal,
    });
    if (res.statusCode !== 200) {
      throw apiErrorFrom(res.statusCode, 'GET', path, await res.body.text());
    }
    const decoder = new StringDecoder('utf8');
    let pending = '';
    for await (const chunk of res.body) {
      pending += decoder.write(chunk as Buffer);
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') onLine(line);
        newline = pending.indexOf('\n');
      }
    }
    const rest = (pending + decoder.end()).trim();
    if (rest !== '') onLine(rest);
  }
}
