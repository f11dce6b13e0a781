import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FrontServer } from './server.ts';

/** A raw client: what the server wrote, and whether it closed. */
class Raw {
  readonly socket: net.Socket;
  data = '';
  closed = false;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (c: string) => {
      this.data += c;
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  async until(check: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.data)} closed=${this.closed}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const OK = 'HTTP/1.1 200 OK';

// The head clock without llhttp's message-begin callback (connection.ts #headTick): a head that
// begins on a keep-alive connection, alone or behind a pipelined request, is still bounded.
describe('front timeouts', () => {
  let front: FrontServer;
  let port = 0;
  before(async () => {
    front = new FrontServer(
      {
        request(_req, res) {
          res.writeHead(200, ['content-type', 'text/plain']);
          res.end('ok');
        },
        upgrade(_req, socket) {
          socket.destroy();
        },
        clientError() {},
      },
      { headersTimeoutMs: 300, keepAliveTimeoutMs: 3_000 },
    );
    await new Promise<void>((r) => front.server.listen(0, '127.0.0.1', r));
    port = (front.server.address() as net.AddressInfo).port;
  });
  after(async () => {
    front.destroyAll();
    front.stopSweep();
    await new Promise<void>((r) => front.server.close(() => r()));
  });

  test('a slow head after a first exchange on a keep-alive connection gets 408', async () => {
    const c = new Raw(port);
    try {
      c.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.until(() => c.data.includes('ok'), 2_000, 'first response');
      // Idle for a while (less than the keep-alive timeout), then a head that never completes.
      await new Promise((r) => setTimeout(r, 400));
      const start = Date.now();
      c.socket.write('GET /b HTTP/1.1\r\nHost: t\r\n');
      const drip = setInterval(() => c.socket.write('X-Drip: 1\r\n'), 50);
      try {
        await c.until(() => c.closed, 2_500, 'close');
      } finally {
        clearInterval(drip);
      }
      assert.match(c.data.slice(c.data.indexOf('ok') + 2), /^HTTP\/1\.1 408 /);
      assert.ok(Date.now() - start < 2_000, 'the headers timeout, not the keep-alive one, ended it');
    } finally {
      c.socket.destroy();
    }
  });

  test('an idle keep-alive connection is closed without an answer', async () => {
    const c = new Raw(port);
    try {
      c.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.until(() => c.data.includes('ok'), 2_000, 'first response');
      await c.until(() => c.closed, 6_000, 'idle close');
      assert.equal(c.data.split(OK).length, 2, 'one response, no 408');
      assert.ok(!c.data.includes('408'));
    } finally {
      c.socket.destroy();
    }
  });

  test('a head begun in the same read as a pipelined request is bounded too', async () => {
    const c = new Raw(port);
    try {
      c.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\n');
      await c.until(() => c.data.includes('ok'), 2_000, 'first response');
      // Without more bytes the connection is closed by the keep-alive timeout at the latest;
      // with more (a slow drip), by the headers timeout from the first later read.
      const drip = setInterval(() => c.socket.write('X-Drip: 1\r\n'), 50);
      try {
        await c.until(() => c.closed, 2_500, 'close');
      } finally {
        clearInterval(drip);
      }
      assert.match(c.data.slice(c.data.indexOf('ok') + 2), /^HTTP\/1\.1 408 /);
    } finally {
      c.socket.destroy();
    }
  });

  test('a request body arriving slowly is not a head (no 408 while it streams)', async () => {
    const c = new Raw(port);
    try {
      // The handler answers at once; the body keeps coming in reads that complete no message.
      c.socket.write('POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n');
      await c.until(() => c.data.includes('ok'), 2_000, 'response');
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 60));
        c.socket.write('xx');
      }
      c.socket.write('GET /b HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.until(() => c.data.split(OK).length === 3, 2_000, 'second response');
      assert.ok(!c.data.includes('408'));
    } finally {
      c.socket.destroy();
    }
  });
});
