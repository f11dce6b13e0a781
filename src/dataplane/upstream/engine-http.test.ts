import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BackendIR } from '../../ir/types.ts';
import type { ProxyRequest } from './engine.ts';
import { createUpstreamEngine, engineKinds } from './select.ts';
import { backendIR, fetchFront, makePki, refusedPort, startFront, startPlainBackend, startTlsBackend, tlsProfile } from './testing.ts';
import type { Echo, Front, Pki, TestBackend } from './testing.ts';

let pki: Pki;
let plain: TestBackend;
let secure: TestBackend;
let refused: number;
let engine: ReturnType<typeof createUpstreamEngine>;
let front: Front;
/** What the front server proxies to; each test sets it. */
let target: Partial<ProxyRequest> & { backend: BackendIR };

before(async () => {
  pki = await makePki();
  [plain, secure, refused] = await Promise.all([startPlainBackend(), startTlsBackend(pki.leaf), refusedPort()]);
});

after(async () => {
  await Promise.all([plain.close(), secure.close()]);
});

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

for (const kind of engineKinds) {
  describe(`${kind} engine`, () => {
    before(async () => {
      engine = createUpstreamEngine({ connectTimeoutMs: 2_000 }, kind);
      front = await startFront(engine, () => target);
    });

    after(async () => {
      await front.close();
      await engine.close();
    });

    describe('upstream engine: errors lastmile answers itself', () => {
      test('an unusable backend answers its status and code and never connects', async () => {
        let connections = 0;
        const listener = net.createServer((s) => {
          connections++;
          s.destroy();
        });
        await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
        const port = (listener.address() as AddressInfo).port;
        target = {
          backend: backendIR([{ address: '127.0.0.1', port }], {
            unusable: { status: 500, code: 'backend_tls_policy_invalid', message: 'policy default/api-tls: no valid CA certificate' },
          }),
        };
        const res = await fetchFront(front.port, '/echo', { headers: { 'x-request-id': 'req-1' } });
        await new Promise<void>((resolve) => listener.close(() => resolve()));
        assert.equal(res.status, 500);
        assert.equal(res.headers['x-lastmile-error'], 'backend_tls_policy_invalid');
        assert.deepEqual(JSON.parse(res.body.toString()), { error: 'backend_tls_policy_invalid', status: 500, requestId: 'req-1' });
        assert.equal(connections, 0);
        assert.match(front.outcomes.at(-1)?.detail ?? '', /no valid CA certificate/);
      });

      test('no endpoints answers 503 no_ready_endpoints', async () => {
        target = { backend: backendIR([]) };
        const res = await fetchFront(front.port, '/echo');
        assert.equal(res.status, 503);
        assert.equal(res.headers['x-lastmile-error'], 'no_ready_endpoints');
      });

      test('a refused port answers 502 upstream_connect_failed', async () => {
        target = { backend: backendIR([{ address: '127.0.0.1', port: refused }], { tls: tlsProfile({ caPem: pki.ca.certPem }) }) };
        const res = await fetchFront(front.port, '/echo');
        assert.equal(res.status, 502);
        assert.equal(res.headers['x-lastmile-error'], 'upstream_connect_failed');
        assert.match(front.outcomes.at(-1)?.detail ?? '', /ECONNREFUSED.*127\.0\.0\.1:\d+/);
      });

      test('a connect failure is retried on another endpoint for a request without a body', async () => {
        const dead = await refusedPort();
        target = { backend: backendIR([{ address: '127.0.0.1', port: dead }, plain.endpoint]) };
        const res = await fetchFront(front.port, '/echo');
        assert.equal(res.status, 200);
        assert.equal(front.outcomes.at(-1)?.endpoint, `127.0.0.1:${plain.port}`);
      });

      test('a request with a body is not retried; the failed endpoint is then skipped for a while', async () => {
        const dead = await refusedPort();
        target = { backend: backendIR([{ address: '127.0.0.1', port: dead }, plain.endpoint]) };
        const first = await fetchFront(front.port, '/upload', { method: 'POST', body: Buffer.from('payload') });
        assert.equal(first.status, 502);
        assert.equal(first.headers['x-lastmile-error'], 'upstream_connect_failed');
        // A new backend object starts round-robin at the dead endpoint again, which is now skipped.
        target = { backend: backendIR([{ address: '127.0.0.1', port: dead }, plain.endpoint]) };
        const second = await fetchFront(front.port, '/upload', { method: 'POST', body: Buffer.from('payload') });
        assert.equal(second.status, 200);
        assert.equal(JSON.parse(second.body.toString()).bytes, 7);
      });

      test('a slow backend answers 504 upstream_timeout (backendRequestMs and requestMs)', async () => {
        target = { backend: backendIR([plain.endpoint]), timeouts: { backendRequestMs: 150 } };
        const started = Date.now();
        const res = await fetchFront(front.port, '/slow?ms=3000');
        assert.equal(res.status, 504);
        assert.equal(res.headers['x-lastmile-error'], 'upstream_timeout');
        assert.ok(Date.now() - started < 2_000);
        target = { backend: backendIR([plain.endpoint]), timeouts: { requestMs: 150 } };
        const res2 = await fetchFront(front.port, '/slow?ms=3000');
        assert.equal(res2.status, 504);
        assert.match(front.outcomes.at(-1)?.detail ?? '', /request timeout \(150 ms\)/);
      });

      test('a backend that closes before answering gives 502 upstream_reset', async () => {
        target = { backend: backendIR([plain.endpoint]) };
        const res = await fetchFront(front.port, '/hangup');
        assert.equal(res.status, 502);
        assert.equal(res.headers['x-lastmile-error'], 'upstream_reset');
      });

      test('a backend that closes mid-body aborts the client response', async () => {
        target = { backend: backendIR([plain.endpoint]) };
        const outcome = front.nextOutcome();
        await assert.rejects(fetchFront(front.port, '/truncate'));
        const o = await outcome;
        assert.equal(o.status, 200);
        assert.equal(o.code, 'upstream_reset');
      });
    });

    describe('upstream engine: streaming and headers', () => {
      test('a 5 MiB download over TLS arrives intact', async () => {
        target = { backend: backendIR([secure.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) }) };
        const size = 5 * 1024 * 1024;
        const res = await fetchFront(front.port, `/download?bytes=${size}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.length, size);
        const expected = Buffer.concat(Array.from({ length: size / 65536 }, (_, k) => Buffer.alloc(65536, (k * 65536) % 251)));
        assert.equal(sha256(res.body), sha256(expected));
      });

      test('a 5 MiB chunked upload over TLS arrives intact', async () => {
        target = { backend: backendIR([secure.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) }) };
        const hash = createHash('sha256');
        const res = await fetchFront(front.port, '/upload', {
          method: 'POST',
          body: (req) => {
            let k = 0;
            const write = (): void => {
              while (k < 80) {
                const chunk = Buffer.alloc(65536, k++);
                hash.update(chunk);
                if (!req.write(chunk)) {
                  req.once('drain', write);
                  return;
                }
              }
              req.end();
            };
            write();
          },
        });
        assert.equal(res.status, 200);
        assert.deepEqual(JSON.parse(res.body.toString()), { sha256: hash.digest('hex'), bytes: 80 * 65536 });
      });

      test('response trailers are relayed', async () => {
        target = { backend: backendIR([plain.endpoint]) };
        const res = await fetchFront(front.port, '/trailers');
        assert.equal(res.body.toString(), 'body');
        assert.equal(res.trailers['x-checksum'], 'abc');
      });

      test('hop-by-hop response headers and those named in Connection are removed; the modifier applies', async () => {
        target = {
          backend: backendIR([plain.endpoint]),
          responseHeaders: { set: [{ name: 'X-Set', value: 's' }], add: [{ name: 'x-kept', value: 'again' }], remove: ['x-drop-me'] },
        };
        const res = await fetchFront(front.port, '/hop');
        assert.equal(res.status, 200);
        assert.equal(res.headers['x-private'], undefined);
        assert.equal(res.headers['proxy-thing'], undefined);
        assert.equal(res.headers['keep-alive'], undefined);
        assert.equal(res.headers['x-kept'], 'yes, again');
        assert.equal(res.headers['x-set'], 's');
      });

      test('request method, path and headers reach the backend', async () => {
        target = { backend: backendIR([plain.endpoint]) };
        const res = await fetchFront(front.port, '/echo?q=1', { method: 'DELETE', headers: { 'x-custom': 'v', host: 'h.example' } });
        const echo = JSON.parse(res.body.toString()) as Echo;
        assert.equal(echo.method, 'DELETE');
        assert.equal(echo.url, '/echo?q=1');
        assert.equal(echo.headers['x-custom'], 'v');
        assert.equal(echo.host, 'h.example');
      });

      test('a client that aborts its upload aborts the upstream request', async () => {
        target = { backend: backendIR([plain.endpoint]) };
        const outcome = front.nextOutcome();
        const req = http.request({ host: '127.0.0.1', port: front.port, path: '/upload', method: 'POST', agent: false, headers: { 'content-length': '1000000' } });
        req.on('error', () => undefined);
        req.write(Buffer.alloc(1000));
        setTimeout(() => req.destroy(), 100);
        const o = await outcome;
        assert.equal(o.status, 0);
      });

      test('a client that goes away aborts the upstream request', async () => {
        target = { backend: backendIR([plain.endpoint]) };
        const outcome = front.nextOutcome();
        const req = http.request({ host: '127.0.0.1', port: front.port, path: '/slow?ms=5000', agent: false });
        req.on('error', () => undefined);
        req.end();
        setTimeout(() => req.destroy(), 100);
        const started = Date.now();
        const o = await outcome;
        assert.equal(o.status, 0);
        assert.ok(Date.now() - started < 2_000);
      });
    });
  });
}
