/**
 * h2c with prior knowledge on plain-HTTP listeners (h2c.ts, listener.ts): HTTP/2 clients and
 * HTTP/1.1 clients share one port on both fronts; a preface split over two TCP segments is still
 * recognised; draining sends GOAWAY to h2c sessions.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { classifyPreface, H2_PREFACE } from './h2c.ts';
import { Listener, type FrontKind } from './listener.ts';

async function startListener(front: FrontKind): Promise<Listener> {
  const listener = new Listener(
    { name: 'l-http', address: '127.0.0.1', port: 0, protocol: 'HTTP' },
    {
      request: (req, res) => {
        const body = `v${req.httpVersion} ${req.method} ${req.url}`;
        (res as http.ServerResponse).writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      upgrade: (_req, socket) => socket.destroy(),
    },
    [],
    { front, headersTimeoutMs: 2_000 },
  );
  await listener.listen();
  return listener;
}

function h2Get(port: number, path: string): Promise<{ status: number; body: string; session: http2.ClientHttp2Session }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':path': path });
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve({ status, body, session }));
    req.on('error', reject);
  });
}

function h1Get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Sends `parts` as separate writes (separate TCP segments with noDelay), returns the first bytes back. */
function rawExchange(port: number, parts: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const timer = setTimeout(() => reject(new Error('no answer')), 3_000);
    socket.once('data', (d: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(d);
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      // Each part 50 ms after the last: separate segments on loopback.
      parts.forEach((p, i) => setTimeout(() => socket.write(p), i * 50));
    });
  });
}

// An empty SETTINGS frame (RFC 9113 section 6.5): length 0, type 4, flags 0, stream 0.
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

describe('classifyPreface', () => {
  test('full preface, prefixes and HTTP/1.1 starts', () => {
    assert.equal(classifyPreface(H2_PREFACE), 'h2');
    assert.equal(classifyPreface(Buffer.concat([H2_PREFACE, EMPTY_SETTINGS])), 'h2');
    assert.equal(classifyPreface(H2_PREFACE.subarray(0, 1)), 'more');
    assert.equal(classifyPreface(H2_PREFACE.subarray(0, 23)), 'more');
    assert.equal(classifyPreface(Buffer.from('POST / HTTP/1.1\r\n')), 'http1');
    assert.equal(classifyPreface(Buffer.from('PRI / HTTP/1.1\r\n')), 'http1');
    assert.equal(classifyPreface(Buffer.from('GET / HTTP/1.1\r\n')), 'http1');
  });
});

for (const front of ['lean', 'node'] as const) {
  describe(`plain-HTTP listener, ${front} front`, () => {
    test('h2c (prior knowledge) and HTTP/1.1 share the port', async () => {
      const listener = await startListener(front);
      try {
        const h2 = await h2Get(listener.port, '/grpc.Echo/Say');
        assert.deepEqual([h2.status, h2.body], [200, 'v2.0 GET /grpc.Echo/Say']);
        h2.session.close();
        const h1 = await h1Get(listener.port, '/plain');
        assert.deepEqual(h1, { status: 200, body: 'v1.1 GET /plain' });
        // HTTP/1.1 with a body, on a method that starts like the preface.
        const raw = await rawExchange(listener.port, [Buffer.from('POST /p HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi')]);
        assert.match(raw.toString('latin1'), /^HTTP\/1\.1 200 /);
      } finally {
        await listener.close(1_000);
      }
    });

    test('a preface split over two TCP segments is detected', async () => {
      const listener = await startListener(front);
      try {
        const answer = await rawExchange(listener.port, [H2_PREFACE.subarray(0, 5), Buffer.concat([H2_PREFACE.subarray(5), EMPTY_SETTINGS])]);
        // The server's first frame is its SETTINGS (type 4 on stream 0), not an HTTP/1.1 400.
        assert.ok(answer.length >= 9);
        assert.equal(answer[3], 4);
        assert.equal(answer.readUInt32BE(5) & 0x7fffffff, 0);
        // An HTTP/1.1 request line split the same way still reaches the HTTP/1.1 front.
        const h1 = await rawExchange(listener.port, [Buffer.from('PR'), Buffer.from('OPFIND / HTTP/1.1\r\nhost: x\r\n\r\n')]);
        assert.match(h1.toString('latin1'), /^HTTP\/1\.1 \d{3} /);
      } finally {
        await listener.close(1_000);
      }
    });

    test('close sends GOAWAY to h2c sessions and completes', async () => {
      const listener = await startListener(front);
      const h2 = await h2Get(listener.port, '/a');
      const goaway = new Promise<void>((resolve) => h2.session.once('goaway', () => resolve()));
      await Promise.all([listener.close(2_000), goaway]);
      h2.session.destroy();
    });
  });
}
