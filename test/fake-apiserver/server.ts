/**
 * An in-process Kubernetes API server for tests (no real one can be installed here). It speaks
 * the parts lastmile uses over real HTTP on loopback: discovery, list (resourceVersion, limit and
 * continue), watch streams (newline-delimited ADDED/MODIFIED/DELETED/BOOKMARK events, resumption
 * from a resourceVersion, 410 Gone as an ERROR event or as an HTTP 410), get, create, update and
 * the /status subresource with optimistic concurrency (409 Conflict), and delete. Tests steer it:
 * compact the history, drop watch connections, send bookmarks, inject garbage, fail requests.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../../src/api/meta.ts';
import { defaultResources, FakeApiFailure, FakeState, type FakeResource, type StoredEvent } from './state.ts';

export { defaultResources, FakeApiFailure, type FakeResource } from './state.ts';

export interface FakeApiServerOptions {
  readonly resources?: FakeResource[];
  /** Require `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** How a watch from a compacted resourceVersion is refused. Default 'event' (what kube-apiserver does). */
  readonly goneAs?: 'event' | 'http';
  /** Serve HTTPS with this certificate (PEM) instead of plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly userAgent: string;
  readonly body?: KubeObject;
}

interface Route {
  resource: FakeResource;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

interface Watch {
  resource: FakeResource;
  version: string;
  namespace?: string;
  bookmarks: boolean;
  res: http.ServerResponse;
}

type Hook = (req: RecordedRequest) => FakeApiFailure | void;

function status(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export class FakeApiServer {
  readonly state: FakeState;
  readonly requests: RecordedRequest[] = [];
  readonly #server: http.Server;
  readonly #options: FakeApiServerOptions;
  readonly #watches = new Set<Watch>();
  #hooks: Hook[] = [];
  url = '';

  private constructor(options: FakeApiServerOptions) {
    this.#options = options;
    this.state = new FakeState(options.resources ?? defaultResources());
    this.state.onEvent((event) => this.#broadcast(event));
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.#handle(req, res);
    this.#server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  }

  /** Starts a server on 127.0.0.1 with a random port. */
  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(options);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    server.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.#server.address() as AddressInfo).port}`;
    return server;
  }

  async close(): Promise<void> {
    this.dropWatches();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- test controls ----

  /** Creates, updates (by resourceVersion if given) or deletes objects, as a client would. */
  create(object: KubeObject): KubeObject {
    return this.state.create(this.state.resourceByKind(object.kind), object);
  }
  update(object: KubeObject, subresource?: 'status'): KubeObject {
    return this.state.update(this.state.resourceByKind(object.kind), object, subresource);
  }
  delete(kind: string, namespace: string | undefined, name: string): void {
    this.state.delete(this.state.resourceByKind(kind), namespace, name);
  }
  get(kind: string, namespace: string | undefined, name: string): KubeObject {
    return this.state.get(this.state.resourceByKind(kind), namespace, name);
  }

  /** Closes every open watch stream abruptly (as a network cut or an apiserver restart). */
  dropWatches(): void {
    for (const watch of this.#watches) watch.res.destroy();
    this.#watches.clear();
  }

  /** Number of open watch streams. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for them. */
  sendBookmarks(): void {
    const rv = String(this.state.resourceVersion);
    for (const w of this.#watches) {
      if (!w.bookmarks) continue;
      const apiVersion = w.resource.group === '' ? w.version : `${w.resource.group}/${w.version}`;
      w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: w.resource.kind, apiVersion, metadata: { resourceVersion: rv } } })}\n`);
    }
  }

  /** Writes a raw line to every open watch (to test the client's tolerance). */
  injectLine(line: string): void {
    for (const w of this.#watches) w.res.write(`${line}\n`);
  }

  /**
   * Runs before each request is served; returning a FakeApiFailure answers with it. A hook may
   * also change state (e.g. another controller writing status between our GET and PUT).
   */
  addHook(hook: Hook): void {
    this.#hooks.push(hook);
  }
  clearHooks(): void {
    this.#hooks = [];
  }

  // ---- HTTP ----

  #route(path: string): Route | 'discovery' | undefined {
    const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
    let group: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 2) {
      group = '';
      rest = parts.slice(1);
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1] ?? '';
      rest = parts.slice(2);
    } else {
      return parts.length <= 2 ? 'discovery' : undefined;
    }
    const [version = '', ...tail] = rest;
    if (tail.length === 0) return 'discovery';
    let namespace: string | undefined;
    if (tail[0] === 'namespaces' && tail.length >= 3) {
      namespace = tail[1];
      tail.splice(0, 2);
    }
    const [plural, name, sub] = tail;
    const resource = this.state.resources.find((r) => r.group === group && r.plural === plural && r.versions.includes(version));
    if (!resource || tail.length > 3 || (sub !== undefined && sub !== 'status')) return undefined;
    if (sub === 'status' && !resource.hasStatus) return undefined;
    return { resource, version, namespace, name, subresource: sub === 'status' ? 'status' : undefined };
  }

  #discovery(path: string): object | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    if (parts[0] === 'api' && parts.length === 1) return { kind: 'APIVersions', versions: ['v1'] };
    if (parts[0] === 'apis' && parts.length === 1) {
      const groups = [...new Set(this.state.resources.filter((r) => r.group !== '').map((r) => r.group))];
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => this.#discovery(`/apis/${g}`)) };
    }
    const group = parts[0] === 'api' ? '' : (parts[1] ?? '');
    const version = parts[0] === 'api' ? parts[1] : parts[2];
    const inGroup = this.state.resources.filter((r) => r.group === group);
    if (inGroup.length === 0) return undefined;
    if (version === undefined) {
      const versions = [...new Set(inGroup.flatMap((r) => r.versions))].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
      return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
    }
    const served = inGroup.filter((r) => r.versions.includes(version));
    if (served.length === 0) return undefined;
    const resources = served.flatMap((r) => {
      const main = { name: r.plural, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'] };
      return r.hasStatus ? [main, { name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'update'] }] : [main];
    });
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: KubeObject | undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (code: number, payload: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeObject;
      } catch {
        send(400, status(400, 'BadRequest', 'body is not JSON'));
        return;
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, userAgent: req.headers['user-agent'] ?? '', body };
    this.requests.push(recorded);
    if (this.#options.token !== undefined && req.headers.authorization !== `Bearer ${this.#options.token}`) {
      send(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    try {
      for (const hook of this.#hooks) {
        const failure = hook(recorded);
        if (failure) throw failure;
      }
      const route = this.#route(url.pathname);
      if (route === 'discovery') {
        const doc = this.#discovery(url.pathname);
        if (doc) send(200, doc);
        else send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      if (!route) {
        send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      this.#serve(route, recorded, url.searchParams, res, send);
    } catch (error) {
      if (error instanceof FakeApiFailure) send(error.status, status(error.status, error.reason, error.message));
      else send(500, status(500, 'InternalError', (error as Error).message));
    }
  }

  #serve(route: Route, req: RecordedRequest, query: URLSearchParams, res: http.ServerResponse, send: (code: number, payload: unknown) => void): void {
    const { resource, version, namespace, name } = route;
    const apiVersion = resource.group === '' ? version : `${resource.group}/${version}`;
    const out = (o: KubeObject): KubeObject => ({ ...o, apiVersion, kind: resource.kind });
    if (req.method === 'GET' && name === undefined) {
      if (query.get('watch') === '1' || query.get('watch') === 'true') {
        this.#watch(route, query, res);
        return;
      }
      send(200, this.#list(route, query, apiVersion));
      return;
    }
    if (req.method === 'GET' && name !== undefined) {
      send(200, out(this.state.get(resource, namespace, name)));
      return;
    }
    if (req.method === 'POST' && name === undefined && req.body) {
      send(201, out(this.state.create(resource, { ...req.body, metadata: { ...req.body.metadata, namespace } })));
      return;
    }
    if (req.method === 'PUT' && name !== undefined && req.body) {
      if (req.body.metadata?.name !== name) throw new FakeApiFailure(400, 'BadRequest', 'the name of the object does not match the name on the URL');
      send(200, out(this.state.update(resource, { ...req.body, metadata: { ...req.body.metadata, namespace } }, route.subresource)));
      return;
    }
    if (req.method === 'DELETE' && name !== undefined) {
      this.state.delete(resource, namespace, name);
      send(200, status(200, '', ''));
      return;
    }
    throw new FakeApiFailure(405, 'MethodNotAllowed', `${req.method} not supported on ${req.path}`);
  }

  #list(route: Route, query: URLSearchParams, apiVersion: string): object {
    const { resource, namespace } = route;
    const limit = Number(query.get('limit') ?? '0');
    let start = 0;
    let listRv = this.state.resourceVersion;
    const token = query.get('continue');
    if (token) {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv: number; offset: number };
      if (decoded.rv < this.state.compactedBefore) throw new FakeApiFailure(410, 'Expired', 'The provided continue parameter is too old');
      start = decoded.offset;
      listRv = decoded.rv;
    }
    // Items of typed lists carry no kind/apiVersion (as kube-apiserver's core lists); CRD lists do.
    const items = this.state.list(resource, namespace).map((o) => (resource.group === '' ? { ...o, kind: undefined, apiVersion: undefined } : { ...o, apiVersion }));
    const page = limit > 0 ? items.slice(start, start + limit) : items.slice(start);
    const next = limit > 0 && start + limit < items.length ? Buffer.from(JSON.stringify({ rv: listRv, offset: start + limit })).toString('base64url') : undefined;
    return { kind: `${resource.kind}List`, apiVersion, metadata: { resourceVersion: String(listRv), continue: next }, items: page };
  }

  #watch(route: Route, query: URLSearchParams, res: http.ServerResponse): void {
    const { resource, version, namespace } = route;
    const apiVersion = resource.group === '' ? version : `${resource.group}/${version}`;
    const line = (type: string, object: KubeObject): string => `${JSON.stringify({ type, object: { ...object, apiVersion, kind: resource.kind } })}\n`;
    const rvParam = query.get('resourceVersion') ?? '';
    let backlog: StoredEvent[] | undefined;
    if (rvParam !== '' && rvParam !== '0') {
      backlog = this.state.eventsSince(resource, Number(rvParam));
      if (!backlog) {
        const message = `too old resource version: ${rvParam} (${this.state.compactedBefore})`;
        if (this.#options.goneAs === 'http') {
          res.writeHead(410, { 'content-type': 'application/json' });
          res.end(JSON.stringify(status(410, 'Expired', message)));
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', message) })}\n`);
        }
        return;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (backlog) {
      for (const e of backlog) if (namespace === undefined || e.object.metadata.namespace === namespace) res.write(line(e.type, e.object));
    } else {
      for (const o of this.state.list(resource, namespace)) res.write(line('ADDED', o));
    }
    const watch: Watch = { resource, version, namespace, bookmarks: query.get('allowWatchBookmarks') === 'true', res };
    this.#watches.add(watch);
    const timeout = Number(query.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.#watches.delete(watch);
    });
  }

  #broadcast(event: StoredEvent): void {
    for (const w of this.#watches) {
      if (w.resource !== event.resource) continue;
      if (w.namespace !== undefined && event.object.metadata.namespace !== w.namespace) continue;
      const apiVersion = w.resource.group === '' ? w.version : `${w.resource.group}/${w.version}`;
      w.res.write(`${JSON.stringify({ type: event.type, object: { ...event.object, apiVersion, kind: w.resource.kind } })}\n`);
    }
  }
}
