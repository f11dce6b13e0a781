/**
 * The lean engine behind the lean front (the default data path), on ONE pooled connection, with a
 * raw backend: responses whose Content-Length body the connection counts itself (llhttp's
 * message-complete call off) interleaved with responses that need llhttp's own completion
 * (chunked, 100 Continue, HEAD, close-delimited), bodies split over several reads, and bytes a
 * backend sends after a counted body. Also checks the one-pass response head (front/headers.ts
 * upstreamFields) and the front's direct writes on what reaches the client.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { FrontServer } from '../../server/front/server.ts';
import type { ProxyOutcome } from '../engine.ts';
import { LeanUpstreamEngine } from '../lean-engine.ts';
import { backendIR, fetchFront } from '../testing.ts';

/** Raw answers by request path: a string is written at once, an array piece by piece. */
const scripts: Record<string, string | string[]> = {
  '/ok': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok',
  '/split': ['HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-Kept: yes\r\n\r\nhel', 'lo wo', 'rld!'],
  '/split-head': ['HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 4\r\n\r\n', 'fi', 've'],
  '/continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal',
  '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
  '/empty': 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
  '/no-content': 'HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n',
  '/late-extra': ['HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfour', 'HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nsmuggled'],
  '/hop': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\nProxy-Thing: x\r\nTE: trailers\r\nConnection: x-secret\r\nX-Secret: s\r\nX-Request-Id: backend-id\r\n\r\nok',
};

/** Resolved when the backend has written the last piece of a script (bytes are on the wire). */
let scriptDone: (() => void) | undefined;

let backend: net.Server;
let backendPort: number;
let connections = 0;
let front: FrontServer;
let frontPort: number;
let engine: LeanUpstreamEngine;
const outcomes: ProxyOutcome[] = [];

before(async () => {
  backend = net.createServer((socket) => {
    connections++;
    let buffered = '';
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const script = scripts[head.split(' ')[1] ?? '/'] ?? scripts['/ok']!;
        if (typeof script === 'string') {
          socket.write(script);
          continue;
        }
        // One piece per 15 ms: separate reads on the gateway's side.
        script.forEach((piece, i) =>
          setTimeout(() => {
            if (!socket.writable) return;
            socket.write(piece, () => {
              if (i === script.length - 1) scriptDone?.();
            });
          }, i * 15),
        );
      }
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as AddressInfo).port;
  engine = new LeanUpstreamEngine({ connectTimeoutMs: 2_000, maxConnectionsPerEndpoint: 1 });
  const target = backendIR([{ address: '127.0.0.1', port: backendPort }]);
  front = new FrontServer(
    {
      request: (req, res) => {
        engine.proxy(req as unknown as IncomingMessage, res as unknown as ServerResponse, { backend: target, method: req.method, path: req.url, headers: { host: 'backend.test' }, timeouts: {}, routeName: 'test', requestId: 'gw-id' }, (o) => outcomes.push(o));
      },
      upgrade: (_req, socket) => socket.destroy(),
      clientError: () => {},
    },
    { headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 },
  );
  await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
  frontPort = (front.server.address() as AddressInfo).port;
});

after(async () => {
  front.destroyAll();
  await new Promise<void>((resolve) => front.server.close(() => resolve()));
  await engine.close();
  await new Promise<void>((resolve) => backend.close(() => resolve()));
});

test('counted and llhttp-completed responses alternate on one pooled connection', async () => {
  const expected: [string, number, string][] = [
    ['/ok', 200, 'ok'],
    ['/split', 200, 'hello world!'],
    ['/continue', 200, 'final'],
    ['/split-head', 200, 'five'],
    ['/chunked', 200, 'abcde'],
    ['/ok', 200, 'ok'],
    ['/empty', 200, ''],
    ['/no-content', 204, ''],
    ['/split', 200, 'hello world!'],
  ];
  const before = connections;
  for (const [path, status, body] of expected) {
    const res = await fetchFront(frontPort, path);
    assert.equal(res.status, status, path);
    assert.equal(res.body.toString(), body, path);
    if (path === '/split') assert.equal(res.headers['x-kept'], 'yes');
  }
  assert.equal(connections - before <= 1, true, 'one pooled connection carried them all');
  const head = await fetchFront(frontPort, '/split', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal((await fetchFront(frontPort, '/ok')).body.toString(), 'ok');
});

test('bytes after a counted body retire the connection; the next request gets a fresh one', async () => {
  const written = new Promise<void>((resolve) => (scriptDone = resolve));
  const first = await fetchFront(frontPort, '/late-extra');
  assert.equal(first.body.toString(), 'four');
  // The unsolicited bytes reach the gateway while the connection is idle (sent after the whole
  // response, in a later read): the next request must not be answered with them.
  await written;
  scriptDone = undefined;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const before = connections;
  const next = await fetchFront(frontPort, '/ok');
  assert.equal(next.status, 200);
  assert.equal(next.body.toString(), 'ok');
  assert.equal(connections, before + 1);
});

test('the one-pass response head drops hop-by-hop fields and keeps the backend request id', async () => {
  const res = await fetchFront(frontPort, '/hop');
  assert.equal(res.status, 200);
  assert.equal(res.headers['keep-alive'], undefined); // the backend's is dropped (this client asked to close)
  assert.equal(res.headers['proxy-thing'], undefined);
  assert.equal(res.headers.te, undefined);
  assert.equal(res.headers['x-secret'], undefined); // named by the backend's Connection header
  assert.equal(res.headers['x-request-id'], 'backend-id');
  const plain = await fetchFront(frontPort, '/ok');
  assert.equal(plain.headers['x-request-id'], 'gw-id');
});

test('pipelined requests on one client connection are answered in order', async () => {
  const client = net.connect(frontPort, '127.0.0.1');
  const paths = ['/split', '/ok', '/chunked', '/ok', '/split-head'];
  client.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
  let got = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${JSON.stringify(got)}`)), 5_000);
    client.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if ((got.match(/HTTP\/1\.1 200/g) ?? []).length === paths.length && got.endsWith('five')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  client.destroy();
  const bodies = got.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((r) => r.slice(r.indexOf('\r\n\r\n') + 4));
  // The chunked answer came in one read: relayed whole, with a Content-Length.
  assert.deepEqual(bodies, ['hello world!', 'ok', 'abcde', 'ok', 'five']);
});
