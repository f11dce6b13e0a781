/**
 * Response framing a backend cannot get past either engine (no response smuggling into a pooled
 * connection), and the lean engine's connection reuse rules. The backend is a raw TCP server
 * that answers scripted bytes, one script per request line.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createUpstreamEngine, engineKinds } from './select.ts';
import { backendIR, fetchFront, startFront } from './testing.ts';
import type { Front } from './testing.ts';

/** Raw answers by request path. */
const scripts: Record<string, string> = {
  '/cl-te': 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
  '/two-cl': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc',
  '/obs-fold': 'HTTP/1.1 200 OK\r\nx-a: one\r\n two\r\ncontent-length: 2\r\n\r\nok',
  '/bare-lf': 'HTTP/1.1 200 OK\ncontent-length: 2\n\nok',
  '/extra': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nsmuggled',
  '/continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-request-id: from-backend\r\n\r\nfinal',
  '/head': 'HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n',
  '/close': 'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end',
  '/ok': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
};

let server: net.Server;
let port: number;
let connections = 0;
/** Paths answered once and then the connection is closed silently (a stale keep-alive). */
let closeAfterAnswer = false;

before(async () => {
  server = net.createServer((socket) => {
    connections++;
    let buffered = '';
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const path = head.split(' ')[1] ?? '/';
        socket.write(scripts[path] ?? scripts['/ok']!);
        if (path === '/close') socket.end();
        else if (closeAfterAnswer) setTimeout(() => socket.destroy(), 20);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

for (const kind of engineKinds) {
  describe(`${kind} engine: strict response framing`, () => {
    let engine: ReturnType<typeof createUpstreamEngine>;
    let front: Front;
    before(async () => {
      engine = createUpstreamEngine({ connectTimeoutMs: 2_000 }, kind);
      front = await startFront(engine, () => ({ backend: backendIR([{ address: '127.0.0.1', port }]) }));
    });
    after(async () => {
      await front.close();
      await engine.close();
    });

    for (const path of ['/cl-te', '/two-cl', '/obs-fold', '/bare-lf']) {
      test(`${path}: an ambiguous or malformed response answers 502 upstream_reset`, async () => {
        const res = await fetchFront(front.port, path);
        assert.equal(res.status, 502);
        assert.equal(res.headers['x-lastmile-error'], 'upstream_reset');
      });
    }

    test('bytes after a complete response are never read as the next response', async () => {
      const first = await fetchFront(front.port, '/extra');
      assert.equal(first.status, 200);
      assert.equal(first.body.toString(), 'ok');
      const second = await fetchFront(front.port, '/ok');
      assert.equal(second.status, 200);
      assert.equal(second.body.toString(), 'ok');
    });

    if (kind === 'lean') {
      test('an informational 100 is skipped; the backend request id wins', async () => {
        const res = await fetchFront(front.port, '/continue', { headers: { 'x-request-id': 'from-client' } });
        assert.equal(res.status, 200);
        assert.equal(res.body.toString(), 'final');
        assert.equal(res.headers['x-request-id'], 'from-backend');
      });
    } else {
      // A known limit of the undici fallback: it rejects a 1xx before the final response. It must
      // still fail closed with lastmile's own error answer, never relay half a response.
      test('undici: an informational 100 answers a clean 502 with an error code', async () => {
        const res = await fetchFront(front.port, '/continue');
        assert.equal(res.status, 502);
        assert.match(String(res.headers['x-lastmile-error']), /^upstream_/);
      });
    }

    test('the request id reaches the client response when the backend sends none', async () => {
      const res = await fetchFront(front.port, '/ok', { headers: { 'x-request-id': 'rid-7' } });
      assert.equal(res.headers['x-request-id'], 'rid-7');
    });

    test('a HEAD response has no body even with a content-length', async () => {
      const res = await fetchFront(front.port, '/head', { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-length'], '1234');
      assert.equal(res.body.length, 0);
      const next = await fetchFront(front.port, '/ok');
      assert.equal(next.body.toString(), 'ok');
    });

    test('a body delimited by the connection close is relayed whole', async () => {
      const res = await fetchFront(front.port, '/close');
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), 'until the end');
    });

    test('a pooled connection the backend closed is replaced (GET answered, not 502)', async () => {
      closeAfterAnswer = true;
      try {
        assert.equal((await fetchFront(front.port, '/ok')).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 80));
        assert.equal((await fetchFront(front.port, '/ok')).status, 200);
      } finally {
        closeAfterAnswer = false;
      }
    });
  });
}

test('sanity: the raw backend saw connections', () => {
  assert.ok(connections > 0);
});
