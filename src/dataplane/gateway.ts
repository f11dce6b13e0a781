/**
 * The data plane: listeners, the compiled router and the upstream engine, driven by IR swaps.
 *
 * `apply(ir)` compiles a router and swaps it in with one assignment; a request reads the router
 * once when it starts, so in-flight requests finish with the config they started with while new
 * ones see the new one (design.md "Performance design": swapping the IR is a pointer swap).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { errorStatus } from '../errors.ts';
import type { DirectResponseIR, GatewayIR, RouteIR } from '../ir/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics, RequestMetrics } from '../observability/metrics.ts';
import { CertificateExpiryRecorder } from '../observability/certificates.ts';
import { applyHeaderModifier, buildUpstreamHeaders, isUpgradeRequest, type OutgoingHeaders } from './filters/headers.ts';
import { redirectLocation } from './filters/redirect.ts';
import { rewritePath, withQuery } from './filters/rewrite.ts';
import { hostWithoutPort } from './router/hosts.ts';
import { diffRoutes } from './router/ir-diff.ts';
import { parseTarget } from './router/path.ts';
import { compileRouter, type BindMetrics, type CompiledBackend, type CompiledRoute, type CompiledRouter } from './router/router.ts';
import type { ClientRequest, ClientResponse, Listener, ListenerOptions } from './server/listener.ts';
import { ListenerSet, type ReconcileResult } from './server/listener-set.ts';
import { FrontRequest } from './server/front/request.ts';
import { writeSocketError } from './server/raw-response.ts';
import type { ProxyOutcome, ProxyRequest } from './upstream/engine.ts';
import { HEADERS_CHECKED, type CheckableHeaders } from './upstream/h1/request-head.ts';
import { sendError } from './upstream/error-response.ts';

/** What the data plane asks the upstream engine to do (one definition: upstream/engine.ts). */
export type ProxyTarget = ProxyRequest;

/** How a proxied request ended (the engine wrote the response, including error answers). */
export type ProxyResult = ProxyOutcome;

/** The part of the upstream engine the data plane drives. */
export interface UpstreamEngineLike {
  proxy(req: ClientRequest, res: ClientResponse, target: ProxyTarget, done: (o: ProxyResult) => void): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer, target: ProxyTarget, done: (o: ProxyResult) => void): void;
  update(ir: GatewayIR): void;
  close(): Promise<void>;
}

export interface DataPlaneOptions {
  readonly engine: UpstreamEngineLike;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** One access log line per request (default true). */
  readonly accessLog?: boolean;
  /** How long listeners that go away (or shut down) may take to finish in-flight requests. */
  readonly drainMs?: number;
  /** HTTP/1.1 front and client timeouts (default: the lean front unless LASTMILE_FRONT=node). */
  readonly listener?: ListenerOptions;
}

/**
 * The HTTP/2 compatibility response has the same writeHead/end/headersSent surface as the HTTP/1
 * one; the error writer is typed for HTTP/1 only.
 */
function asH1(res: ClientResponse): ServerResponse {
  return res as ServerResponse;
}

const EMPTY_IR: GatewayIR = { listeners: [] };
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Request ids we generate: a random prefix drawn once per process (80 bits; each worker draws its
 * own) and a counter, shaped like a UUID (8-4-4-4-12 hex digits). Unique within the process by
 * the counter and across processes and restarts by the prefix, which is all x-request-id is for:
 * correlating one request's log lines, metrics and answers. It is not a secret (clients may send
 * their own, and we keep it), so a counter that is predictable once one id is seen costs nothing;
 * randomUUID() cost about 1% of the CPU per proxied request (issue 6), this is one string join.
 * Many proxies do the same (a per-process prefix and a sequence number).
 */
const ID_RANDOM = randomBytes(10).toString('hex');
const ID_PREFIX = `${ID_RANDOM.slice(0, 8)}-${ID_RANDOM.slice(8, 12)}-${ID_RANDOM.slice(12, 16)}-${ID_RANDOM.slice(16, 20)}-`;
/** 2^48: the 12 hex digits of the last group. */
const ID_SPACE = 0x1000000000000;
/**
 * The last 3 hex digits, '000' to 'fff', by value: the id is then one join of two strings per
 * request, and the radix conversion and padding (about 600 instructions per request, issue 6)
 * run once every 4096 ids, for the first 9 digits.
 */
const ID_LOW = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, '0'));
let idCounter = 0;
/** ID_PREFIX and the first 9 hex digits of the counter (those change every 4096 ids). */
let idHigh = '';

/** The next generated request id (see above). */
export function nextRequestId(): string {
  idCounter = (idCounter + 1) % ID_SPACE;
  const low = idCounter % 4096;
  if (low === 0 || idHigh === '') idHigh = ID_PREFIX + Math.floor(idCounter / 4096).toString(16).padStart(9, '0');
  return idHigh + ID_LOW[low]!;
}

/** The per-request facts the access log and metrics need. */
interface Exchange {
  readonly start: number;
  readonly requestId: string;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly listener: string;
}

export class DataPlane {
  readonly #engine: UpstreamEngineLike;
  readonly #log: Logger;
  readonly #access: Logger | undefined;
  readonly #metrics: GatewayMetrics;
  readonly #listeners: ListenerSet;
  readonly #notFound: RequestMetrics;
  readonly #drainMs: number;
  /** One binder for every compile, so a compile can reuse the previous router's parts. */
  readonly #bind: BindMetrics;
  readonly #certificates: CertificateExpiryRecorder;
  #router: CompiledRouter;

  constructor(options: DataPlaneOptions) {
    this.#engine = options.engine;
    this.#log = options.logger.child({ component: 'dataplane' });
    this.#access = options.accessLog === false ? undefined : options.logger.child({ component: 'access' });
    this.#metrics = options.metrics;
    this.#drainMs = options.drainMs ?? 10_000;
    this.#notFound = options.metrics.bindRequest('', '');
    this.#bind = (route, backend) => options.metrics.bindRequest(route, backend);
    this.#certificates = new CertificateExpiryRecorder(options.metrics);
    this.#router = compileRouter(EMPTY_IR, this.#bind);
    this.#listeners = new ListenerSet(
      {
        request: (req, res, l) => this.#handle(req, res, l),
        upgrade: (req, socket, head, l) => this.#handleUpgrade(req, socket, head, l),
        clientError: (err, l) => this.#log.debug({ listener: l.spec.name, err: err.message }, 'client connection error'),
      },
      { drainMs: () => this.#drainMs, ...(options.listener ? { listener: options.listener } : {}) },
    );
  }

  /** The IR being served. */
  get ir(): GatewayIR {
    return this.#router.ir;
  }

  /** The bound port of a listener (by IR name), if open. */
  listenerPort(name: string): number | undefined {
    return this.#listeners.get(name)?.port;
  }

  /**
   * Programs a new IR: the engine learns the new backends and TLS profiles first, then the
   * router is swapped, then listeners are reconciled. Resolves once new sockets are bound (or
   * failed, reported in the result; other listeners keep serving).
   *
   * Each step is incremental (an edit costs what it changed, not the size of the IR): the engine
   * and the expiry gauge walk only the routes whose IR objects changed, and the router reuses
   * the compiled parts of unchanged ones (router.ts). The router is still swapped with one
   * assignment, after the engine knows the new profiles (pools of changed profiles are closed
   * by then, so a new request never gets a connection verified under the old trust).
   */
  async apply(ir: GatewayIR): Promise<ReconcileResult> {
    this.#engine.update(ir);
    const previous = this.#router;
    this.#router = compileRouter(ir, this.#bind, previous);
    // After the compile bound the new routes' metrics: routes that left the IR give theirs back
    // (the same walk of changed routes the compile did; a pair still used elsewhere stays).
    diffRoutes(previous.ir, ir, { removed: (r) => this.#releaseMetrics(r), added: () => undefined });
    this.#certificates.record(ir);
    const result = await this.#listeners.reconcile(ir.listeners);
    for (const f of result.failed) {
      this.#metrics.listenerBindFailures.labels(f.listener, f.code).inc();
      this.#log.error({ listener: f.listener, protocol: f.protocol, code: f.code }, f.message);
    }
    for (const e of result.certificateErrors) {
      this.#log.error({ listener: e.listener, certificate: e.source }, `listener ${e.listener}: certificate ${e.source} could not be loaded: ${e.message}`);
    }
    return result;
  }

  /** Undoes the metric binds compileRoute (router.ts) made for one route: its own pair and one per backend. */
  #releaseMetrics(r: RouteIR): void {
    this.#metrics.releaseRequest(r.name, '');
    for (const wb of r.backends) this.#metrics.releaseRequest(r.name, wb.backend.name);
  }

  /** Graceful shutdown: stop accepting, let in-flight requests finish within the deadline, close pools. */
  async close(deadlineMs = this.#drainMs): Promise<void> {
    await this.#listeners.close(deadlineMs);
    await this.#engine.close();
  }

  #exchange(req: ClientRequest, listener: Listener, path: string): Exchange {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : nextRequestId();
    const authority = req.headers.host ?? req.headers[':authority'];
    return {
      start: performance.now(),
      requestId,
      method: req.method ?? 'GET',
      host: hostWithoutPort(typeof authority === 'string' ? authority : undefined),
      path,
      listener: listener.spec.name,
    };
  }

  #handle(req: ClientRequest, res: ClientResponse, listener: Listener): void {
    const router = this.#router; // read once: this request keeps this config
    const target = parseTarget(req.url ?? '');
    const ex = this.#exchange(req, listener, target?.path ?? req.url ?? '');
    if (target === undefined) {
      res.setHeader('x-request-id', ex.requestId);
      const body = JSON.stringify({ error: 'bad_request', status: 400 });
      asH1(res).writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      this.#finish(ex, this.#notFound, undefined, undefined, { status: 400 });
      return;
    }
    const lr = router.listeners.get(listener.spec.name);
    const view = { method: ex.method, path: target.path, query: target.query, headers: req.headers };
    const route = lr?.route(ex.host, view);
    if (route === undefined) {
      res.setHeader('x-request-id', ex.requestId);
      sendError(asH1(res), 'route_not_found', ex.requestId);
      this.#finish(ex, this.#notFound, undefined, undefined, { status: 404, code: 'route_not_found' });
      return;
    }
    const direct = this.#direct(route, ex, listener, target.query);
    if (direct.kind !== 'proxy') {
      res.setHeader('x-request-id', ex.requestId);
      if (direct.kind === 'redirect') {
        asH1(res).writeHead(direct.status, { location: direct.location, 'content-length': '0' });
        res.end();
      } else {
        this.#sendDirect(res, direct.response, ex.requestId);
      }
      this.#finish(ex, route.ownMetrics, route, undefined, direct.kind === 'redirect' ? { status: direct.status } : { status: direct.response.status, code: direct.response.code, detail: direct.response.message });
      return;
    }
    const b = direct.backend;
    // The engine sets x-request-id on the response (one writeHead, no header set beforehand).
    const proxyTarget = this.#target(req, listener, route, b, target.path, target.query, ex.requestId, false);
    this.#engine.proxy(req, res, proxyTarget, (o) => this.#finish(ex, b.metrics, route, b, o));
  }

  #handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, listener: Listener): void {
    const router = this.#router;
    const target = parseTarget(req.url ?? '');
    const ex = this.#exchange(req, listener, target?.path ?? req.url ?? '');
    socket.on('error', () => socket.destroy());
    if (target === undefined || !isUpgradeRequest(req.headers)) {
      writeSocketError(socket, 400, 'bad_request', ex.requestId);
      this.#finish(ex, this.#notFound, undefined, undefined, { status: 400 });
      return;
    }
    const view = { method: ex.method, path: target.path, query: target.query, headers: req.headers };
    const route = router.listeners.get(listener.spec.name)?.route(ex.host, view);
    if (route === undefined) {
      writeSocketError(socket, 404, 'route_not_found', ex.requestId);
      this.#finish(ex, this.#notFound, undefined, undefined, { status: 404, code: 'route_not_found' });
      return;
    }
    const direct = this.#direct(route, ex, listener, target.query);
    if (direct.kind !== 'proxy') {
      if (direct.kind === 'redirect') {
        socket.end(`HTTP/1.1 ${direct.status} Redirect\r\nlocation: ${direct.location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
        this.#finish(ex, route.ownMetrics, route, undefined, { status: direct.status });
      } else {
        writeSocketError(socket, direct.response.status, direct.response.code, ex.requestId);
        this.#finish(ex, route.ownMetrics, route, undefined, { status: direct.response.status, code: direct.response.code, detail: direct.response.message });
      }
      return;
    }
    const b = direct.backend;
    const proxyTarget = this.#target(req, listener, route, b, target.path, target.query, ex.requestId, true);
    this.#engine.upgrade(req, socket, head, proxyTarget, (o) => this.#finish(ex, b.metrics, route, b, o));
  }

  /**
   * Answers that need no upstream: a redirect filter, the route's directResponse, a rule with no
   * choosable backend (no backendRefs, or all weights 0: 500), or an unusable backend (e.g. an
   * invalid BackendTLSPolicy: 500, never plaintext).
   */
  #direct(
    route: CompiledRoute,
    ex: Exchange,
    listener: Listener,
    query: string,
  ): { kind: 'redirect'; status: number; location: string } | { kind: 'response'; response: DirectResponseIR } | { kind: 'proxy'; backend: CompiledBackend } {
    const r = route.ir;
    if (r.filters.redirect) {
      const location = redirectLocation(r.filters.redirect, {
        scheme: listener.spec.protocol === 'HTTPS' ? 'https' : 'http',
        hostname: ex.host,
        listenerPort: listener.spec.port,
        path: ex.path,
        query,
        match: r.match.path,
      });
      return { kind: 'redirect', status: r.filters.redirect.statusCode, location };
    }
    if (r.directResponse) return { kind: 'response', response: r.directResponse };
    const b = route.pick.pick();
    if (b === undefined) {
      return { kind: 'response', response: { status: 500, code: 'backend_not_found', message: `route ${r.name} has no backend to send to (no backendRefs, or every weight is 0)` } };
    }
    if (b.backend.unusable) return { kind: 'response', response: b.backend.unusable };
    return { kind: 'proxy', backend: b };
  }

  #sendDirect(res: ClientResponse, d: DirectResponseIR, requestId: string): void {
    if (errorStatus[d.code] === d.status) {
      sendError(asH1(res), d.code, requestId);
      return;
    }
    const body = JSON.stringify({ error: d.code, status: d.status, requestId });
    asH1(res).writeHead(d.status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-lastmile-error': d.code, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  #target(req: ClientRequest, listener: Listener, route: CompiledRoute, b: CompiledBackend, path: string, query: string, requestId: string, upgrade: boolean): ProxyTarget {
    const headers: OutgoingHeaders = buildUpstreamHeaders(req.headers, {
      remoteAddress: req.socket.remoteAddress,
      proto: listener.spec.protocol === 'HTTPS' ? 'https' : 'http',
      requestId,
      upgrade,
    });
    for (const m of b.requestHeaders) applyHeaderModifier(headers, m);
    let upstreamPath = path;
    const rw = b.urlRewrite;
    if (rw?.path) upstreamPath = rewritePath(path, rw.path, route.ir.match.path);
    // URLRewrite.hostname replaces Host only; SNI still comes from the TLS profile.
    if (rw?.hostname) {
      headers.host = rw.hostname;
    } else if (!upgrade && b.requestHeaders.length === 0 && b.backend.protocol === 'http1' && req instanceof FrontRequest) {
      // Every name and value is the strict parser's or one buildUpstreamHeaders checked or built
      // (request-head.ts HEADERS_CHECKED): the lean engine's HTTP/1.1 exchange skips its
      // per-character checks. (Set only for the requests that engine serves itself.)
      (headers as CheckableHeaders)[HEADERS_CHECKED] = true;
    }
    const method = req.method ?? 'GET';
    const fullPath = withQuery(upstreamPath, query);
    // Two literal shapes rather than a spread: no temporary object per request.
    const responseHeaders = b.responseHeaders;
    if (responseHeaders === undefined) return { backend: b.backend, method, path: fullPath, headers, timeouts: route.ir.timeouts, routeName: route.ir.name, requestId };
    return { backend: b.backend, method, path: fullPath, headers, timeouts: route.ir.timeouts, responseHeaders, routeName: route.ir.name, requestId };
  }

  #finish(ex: Exchange, metrics: RequestMetrics, route: CompiledRoute | undefined, b: CompiledBackend | undefined, o: ProxyResult): void {
    const ms = performance.now() - ex.start;
    metrics.observe(o.status, o.code ?? '', ms / 1000);
    const access = this.#access;
    if (access !== undefined && access.isLevelEnabled('info')) {
      access.info({
        requestId: ex.requestId,
        listener: ex.listener,
        method: ex.method,
        host: ex.host,
        path: ex.path,
        status: o.status,
        code: o.code,
        route: route?.ir.name,
        backend: b?.backend.name,
        endpoint: o.endpoint,
        durationMs: Math.round(ms * 1000) / 1000,
        upstreamMs: o.upstreamMs,
        detail: o.detail,
      });
    }
    if (o.code !== undefined && o.detail !== undefined && o.status >= 500) {
      this.#log.warn({ requestId: ex.requestId, code: o.code, route: route?.ir.name, backend: b?.backend.name, endpoint: o.endpoint }, o.detail);
    }
  }
}
