/**
 * The client-facing HTTP/1.1 path, byte for byte (undici's style: write raw bytes, read raw
 * bytes), through the whole data plane (router, lean upstream engine, a plain backend), for both
 * fronts: the lean front (front/server.ts) and node:http (`LASTMILE_FRONT=node`). Both must give
 * the same answers to smuggling attempts, pipelining, keep-alive, 100-continue, HEAD, oversized
 * and slow heads, and a client that aborts mid-body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../observability/logger.ts';
import { GatewayMetrics } from '../../observability/metrics.ts';
import { DataPlane } from '../gateway.ts';
import { LeanUpstreamEngine } from '../upstream/lean-engine.ts';
import { backendIR, gatewayIR } from '../upstream/testing.ts';
import type { FrontKind } from './listener.ts';

const sink = new Writable({ write: (_c, _e, cb) => cb() });

/** A plain backend: `/echo[?delay=ms]` answers what it got; `/hold` reads a body and records aborts. */
async function startBackend(): Promise<{ port: number; urls: string[]; requests: () => number; aborted: () => number; holding: () => number; close(): Promise<void> }> {
  let requests = 0;
  const urls: string[] = [];
  let aborted = 0;
  let holding = 0;
  const server = http.createServer((req, res) => {
    requests++;
    urls.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/hold') {
      holding++;
      req.on('close', () => {
        if (!req.complete) aborted++;
      });
      req.resume();
      return;
    }
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, bytes, host: req.headers.host, te: req.headers['transfer-encoding'] ?? null });
      const send = (): void => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      const delay = Number(url.searchParams.get('delay') ?? '0');
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    urls,
    requests: () => requests,
    aborted: () => aborted,
    holding: () => holding,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A raw client connection: write bytes, read what comes back. */
class Raw {
  readonly socket: net.Socket;
  data = '';
  closed = false;
  readonly #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (c: string) => {
      this.data += c;
      this.#wake();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  write(bytes: string): void {
    this.socket.write(bytes, 'latin1');
  }

  /** Waits until `check` holds (or fails after `ms`). */
  async until(check: (r: Raw) => boolean, ms = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.data)} closed=${this.closed}`);
      await new Promise<void>((resolve) => {
        // Woken by socket events, and every 20 ms for conditions on other things (the backend).
        const t = setTimeout(resolve, Math.min(left, 20));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Complete responses so far (Content-Length framed, or none for HEAD/1xx/no length). */
  responses(head = false): { status: number; headers: string; body: string }[] {
    const out: { status: number; headers: string; body: string }[] = [];
    let rest = this.data;
    for (;;) {
      const end = rest.indexOf('\r\n\r\n');
      if (end < 0) break;
      const headText = rest.slice(0, end);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 0);
      const cl = /\r\ncontent-length: *(\d+)/i.exec(headText);
      if (!head && status >= 200 && /\r\ntransfer-encoding: *chunked/i.test(headText)) {
        // Chunked: sizes and data until the last chunk (no trailers in these tests).
        let at = end + 4;
        let body = '';
        let done = false;
        for (;;) {
          const eol = rest.indexOf('\r\n', at);
          if (eol < 0) break;
          const size = parseInt(rest.slice(at, eol), 16);
          if (size === 0) {
            if (rest.length >= eol + 4) {
              at = eol + 4;
              done = true;
            }
            break;
          }
          if (rest.length < eol + 2 + size + 2) break;
          body += rest.slice(eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
        if (!done) break;
        out.push({ status, headers: headText, body });
        rest = rest.slice(at);
        continue;
      }
      const length = head || status < 200 || cl === null ? 0 : Number(cl[1]);
      if (rest.length < end + 4 + length) break;
      out.push({ status, headers: headText, body: rest.slice(end + 4, end + 4 + length) });
      rest = rest.slice(end + 4 + length);
    }
    return out;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const GET = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: front.test\r\n${extra}\r\n`;

for (const front of ['lean', 'node'] as FrontKind[]) {
  describe(`HTTP/1.1 front: ${front}`, () => {
    let backend: Awaited<ReturnType<typeof startBackend>>;
    let dp: DataPlane;
    let port = 0;

    before(async () => {
      backend = await startBackend();
      dp = new DataPlane({
        engine: new LeanUpstreamEngine(),
        logger: createLogger({ destination: sink }).logger,
        metrics: new GatewayMetrics(),
        listener: { front, headersTimeoutMs: 400, keepAliveTimeoutMs: 5_000 },
      });
      const r = await dp.apply(gatewayIR([backendIR([{ address: '127.0.0.1', port: backend.port }])]));
      assert.deepEqual(r.failed, []);
      port = dp.listenerPort('127.0.0.1:0')!;
    });
    after(async () => {
      await dp.close(500);
      await backend.close();
    });

    test('keep-alive: two requests, one after the other, on one connection', async () => {
      const c = new Raw(port);
      try {
        c.write(GET('/echo?n=1'));
        await c.until((r) => r.responses().length === 1, 5_000, 'first response');
        assert.equal(c.closed, false);
        c.write(GET('/echo?n=2'));
        await c.until((r) => r.responses().length === 2, 5_000, 'second response');
        const [a, b] = c.responses();
        assert.equal(a!.status, 200);
        assert.equal(JSON.parse(b!.body).url, '/echo?n=2');
        assert.match(a!.headers, /\r\nx-request-id: /i);
        assert.equal(c.closed, false);
      } finally {
        c.destroy();
      }
    });

    test('pipelined requests are answered in order, a slow one included', async () => {
      const c = new Raw(port);
      try {
        c.write(GET('/echo?n=1') + GET('/echo?n=2&delay=80') + GET('/echo?n=3'));
        await c.until((r) => r.responses().length === 3, 5_000, 'three responses');
        assert.deepEqual(
          c.responses().map((r) => JSON.parse(r.body).url),
          ['/echo?n=1', '/echo?n=2&delay=80', '/echo?n=3'],
        );
      } finally {
        c.destroy();
      }
    });

    // Each is answered 400 and closed, and the request smuggled behind it never reaches the
    // backend. The third field false: the error is in a chunked body, found after the head was
    // forwarded (the upstream request is then aborted); otherwise nothing reaches the backend.
    const smuggling: [string, string, boolean?][] = [
      ['Content-Length with Transfer-Encoding', 'POST /echo HTTP/1.1\r\nHost: front.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['two Content-Length fields', 'POST /echo HTTP/1.1\r\nHost: front.test\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'],
      ['an invalid chunk size', 'POST /echo HTTP/1.1\r\nHost: front.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', false],
      ['obs-fold', 'GET /echo HTTP/1.1\r\nHost: front.test\r\nX-A: 1\r\n  folded\r\n\r\n'],
      ['bare LF line ends', 'GET /echo HTTP/1.1\nHost: front.test\n\n'],
      ['a space before the colon', 'GET /echo HTTP/1.1\r\nHost: front.test\r\nContent-Length : 5\r\n\r\n'],
      ['NUL in a header value', 'GET /echo HTTP/1.1\r\nHost: front.test\r\nX-A: a\0b\r\n\r\n'],
      ['a bare CR', 'GET /echo HTTP/1.1\r\nHost: front.test\rX-A: 1\r\n\r\n'],
      ['an invalid request target', 'GET /a b HTTP/1.1\r\nHost: front.test\r\n\r\n'],
      ['Transfer-Encoding other than chunked last', 'POST /echo HTTP/1.1\r\nHost: front.test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n'],
    ];
    for (const [name, bytes, inHead = true] of smuggling) {
      test(`smuggling: ${name} is refused with 400 and the connection closes`, async () => {
        const before = backend.requests();
        const c = new Raw(port);
        try {
          c.write(bytes + GET('/echo?smuggled=1'));
          await c.until((r) => r.closed, 5_000, 'close');
          assert.match(c.data, /^HTTP\/1\.1 400 /);
          assert.equal(c.responses().length, 1, c.data);
          if (inHead) assert.equal(backend.requests(), before, 'nothing reached the backend');
          assert.ok(!backend.urls.some((u) => u.includes('smuggled')), 'the smuggled request never reached the backend');
        } finally {
          c.destroy();
        }
      });
    }

    test('an HTTP/1.1 request without Host is answered 400', async () => {
      const c = new Raw(port);
      try {
        c.write('GET /echo HTTP/1.1\r\n\r\n');
        await c.until((r) => r.responses().length === 1, 5_000, 'response');
        assert.equal(c.responses()[0]!.status, 400);
      } finally {
        c.destroy();
      }
    });

    test('Expect: 100-continue gets 100 before the body is sent, then the answer', async () => {
      const c = new Raw(port);
      try {
        c.write('POST /echo HTTP/1.1\r\nHost: front.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
        await c.until((r) => r.data.includes('\r\n\r\n'), 5_000, '100 Continue');
        assert.match(c.data, /^HTTP\/1\.1 100 Continue\r\n\r\n/);
        c.write('hello');
        await c.until((r) => r.responses().length === 2, 5_000, 'final response');
        const final = c.responses()[1]!;
        assert.equal(final.status, 200);
        assert.equal(JSON.parse(final.body).bytes, 5);
      } finally {
        c.destroy();
      }
    });

    test('an unknown expectation is answered 417', async () => {
      const c = new Raw(port);
      try {
        c.write('GET /echo HTTP/1.1\r\nHost: front.test\r\nExpect: something-else\r\n\r\n');
        await c.until((r) => r.responses().length === 1, 5_000, 'response');
        assert.equal(c.responses()[0]!.status, 417);
      } finally {
        c.destroy();
      }
    });

    test('HEAD: the head only (Content-Length kept), and the connection stays usable', async () => {
      const c = new Raw(port);
      try {
        c.write(`HEAD /echo HTTP/1.1\r\nHost: front.test\r\n\r\n`);
        await c.until((r) => r.responses(true).length === 1, 5_000, 'HEAD response');
        const h = c.responses(true)[0]!;
        assert.equal(h.status, 200);
        assert.match(h.headers, /\r\ncontent-length: \d+/i);
        const headBytes = c.data.length;
        c.write(GET('/echo?after=head'));
        await c.until((r) => r.data.length > headBytes && r.data.slice(headBytes).includes('after=head'), 5_000, 'next response');
        assert.match(c.data.slice(headBytes), /^HTTP\/1\.1 200 /);
      } finally {
        c.destroy();
      }
    });

    test('a head over the size limit is answered 431', async () => {
      const c = new Raw(port);
      try {
        c.write(`GET /echo HTTP/1.1\r\nHost: front.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
        await c.until((r) => r.closed, 5_000, 'close');
        assert.match(c.data, /^HTTP\/1\.1 431 /);
      } finally {
        c.destroy();
      }
    });

    test('slowloris: a head not complete within headersTimeout gets 408 and is closed', async () => {
      const c = new Raw(port);
      try {
        c.write('GET /echo HTTP/1.1\r\nHost: front.test\r\n');
        const t = setInterval(() => c.write('X-Drip: 1\r\n'), 50);
        try {
          await c.until((r) => r.closed, 5_000, 'close');
        } finally {
          clearInterval(t);
        }
        assert.match(c.data, /^HTTP\/1\.1 408 /);
      } finally {
        c.destroy();
      }
    });

    test('a chunked request body is streamed to the backend', async () => {
      const c = new Raw(port);
      try {
        c.write('POST /echo HTTP/1.1\r\nHost: front.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        await new Promise((r) => setTimeout(r, 30));
        c.write('6\r\n world\r\n0\r\n\r\n');
        await c.until((r) => r.responses().length === 1, 5_000, 'response');
        const body = JSON.parse(c.responses()[0]!.body);
        assert.equal(body.bytes, 11);
        assert.equal(body.te, 'chunked');
      } finally {
        c.destroy();
      }
    });

    test('a client that aborts mid-body aborts the upstream request', async () => {
      const aborted = backend.aborted();
      const holding = backend.holding();
      const c = new Raw(port);
      c.write('POST /hold HTTP/1.1\r\nHost: front.test\r\nContent-Length: 1000000\r\n\r\n' + 'x'.repeat(1000));
      await c.until(() => backend.holding() > holding, 5_000, 'the backend to get the request');
      c.destroy();
      const deadline = Date.now() + 5_000;
      while (backend.aborted() === aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(backend.aborted(), aborted + 1, 'the backend saw the request aborted');
    });

    test('Connection: close is honoured: answered, then closed', async () => {
      const c = new Raw(port);
      try {
        c.write(GET('/echo', 'Connection: close\r\n') + GET('/echo?ignored=1'));
        await c.until((r) => r.closed, 5_000, 'close');
        assert.equal(c.responses().length, 1);
        assert.match(c.responses()[0]!.headers, /\r\nconnection: close/i);
      } finally {
        c.destroy();
      }
    });
  });
}

describe('graceful drain (lean front)', () => {
  test('close(): a request in flight finishes with connection: close; idle connections end', async () => {
    const backend = await startBackend();
    const dp = new DataPlane({ engine: new LeanUpstreamEngine(), logger: createLogger({ destination: sink }).logger, metrics: new GatewayMetrics(), listener: { front: 'lean' } });
    try {
      await dp.apply(gatewayIR([backendIR([{ address: '127.0.0.1', port: backend.port }])]));
      const port = dp.listenerPort('127.0.0.1:0')!;
      const idle = new Raw(port);
      idle.write(GET('/echo'));
      await idle.until((r) => r.responses().length === 1, 5_000, 'idle response');
      const busy = new Raw(port);
      busy.write(GET('/echo?delay=200'));
      await new Promise((r) => setTimeout(r, 50));
      const closing = dp.close(3_000);
      await idle.until((r) => r.closed, 2_000, 'idle connection to end');
      await busy.until((r) => r.closed, 3_000, 'busy connection to end');
      assert.equal(busy.responses().length, 1);
      assert.equal(busy.responses()[0]!.status, 200);
      assert.match(busy.responses()[0]!.headers, /\r\nconnection: close/i);
      await closing;
    } finally {
      await dp.close(100);
      await backend.close();
    }
  });
});

describe('no socket left behind', () => {
  for (const front of ['lean', 'node'] as FrontKind[]) {
    test(`${front}: after Connection: close and keep-alive clients, close() does not wait for its deadline`, async () => {
      const backend = await startBackend();
      const dp = new DataPlane({ engine: new LeanUpstreamEngine(), logger: createLogger({ destination: sink }).logger, metrics: new GatewayMetrics(), listener: { front } });
      try {
        await dp.apply(gatewayIR([backendIR([{ address: '127.0.0.1', port: backend.port }])]));
        const port = dp.listenerPort('127.0.0.1:0')!;
        const once = new Raw(port);
        once.write(GET('/echo', 'Connection: close\r\n'));
        await once.until((r) => r.closed, 5_000, 'close after the answer');
        const kept = new Raw(port);
        kept.write(GET('/echo'));
        await kept.until((r) => r.responses().length === 1, 5_000, 'keep-alive answer');
        // A socket the server stopped reading never sees the client's FIN: it would stay open
        // (a leaked descriptor per Connection: close request) and close() would wait 10 s.
        const started = Date.now();
        await dp.close(10_000);
        assert.ok(Date.now() - started < 2_000, `close() took ${Date.now() - started} ms`);
        await kept.until((r) => r.closed, 2_000, 'the kept-alive connection to end');
      } finally {
        await dp.close(100);
        await backend.close();
      }
    });
  }
});
