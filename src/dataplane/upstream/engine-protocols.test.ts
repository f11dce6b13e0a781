import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BackendIR } from '../../ir/types.ts';
import { createUpstreamEngine, engineKinds } from './select.ts';
import { backendIR, fetchFront, makePki, startFront, startTlsBackend, tlsProfile } from './testing.ts';
import type { Front, Pki, TestBackend } from './testing.ts';

let pki: Pki;
let good: TestBackend;
let expired: TestBackend;
let engine: ReturnType<typeof createUpstreamEngine>;
let front: Front;
let backend: BackendIR;

before(async () => {
  pki = await makePki();
  [good, expired] = await Promise.all([startTlsBackend(pki.leaf), startTlsBackend(pki.expired)]);
});

after(async () => {
  await Promise.all([good.close(), expired.close()]);
});

/** Opens a raw connection to the front server, sends `request`, and collects what comes back. */
function rawClient(request: string): { socket: net.Socket; received: () => string; waitFor: (text: string) => Promise<void>; closed: Promise<void> } {
  const socket = net.connect(front.port, '127.0.0.1');
  let data = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    for (const w of [...waiters]) {
      if (data.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(request);
  return {
    socket,
    received: () => data,
    closed,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (data.includes(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; got ${JSON.stringify(data)}`)), 5_000);
        waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

const upgradeRequest = 'GET /ws HTTP/1.1\r\nHost: public.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n';

for (const kind of engineKinds) {
  describe(`${kind} engine`, () => {
    before(async () => {
      engine = createUpstreamEngine({ connectTimeoutMs: 2_000 }, kind);
      front = await startFront(engine, () => ({ backend }));
    });

    after(async () => {
      await front.close();
      await engine.close();
    });

    describe('upstream engine: upgrades and HTTP/2', () => {
      test('an upgrade gets the 101 over verified TLS and bytes flow both ways', async () => {
        backend = backendIR([good.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        const client = rawClient(`${upgradeRequest}early`);
        await client.waitFor('hello:early');
        assert.match(client.received(), /^HTTP\/1\.1 101 /);
        assert.match(client.received(), /x-sni: api\.test\r\n/);
        assert.match(client.received(), /upgrade: websocket\r\n/i);
        client.socket.write('ping-1');
        await client.waitFor('ping-1');
        client.socket.write('ping-2');
        await client.waitFor('ping-2');
        assert.equal(front.outcomes.at(-1)?.status, 101);
        client.socket.destroy();
        await client.closed;
      });

      test('an upgrade to a backend that fails verification answers 502 with the code and closes', async () => {
        backend = backendIR([expired.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        const client = rawClient(upgradeRequest);
        await client.closed;
        assert.match(client.received(), /^HTTP\/1\.1 502 /);
        assert.match(client.received(), /x-lastmile-error: upstream_tls_certificate_expired\r\n/);
        assert.match(client.received(), /"error":"upstream_tls_certificate_expired"/);
      });

      test('a backend that declines the upgrade has its answer relayed', async () => {
        backend = backendIR([good.endpoint], { tls: tlsProfile({ caPem: pki.ca.certPem }) });
        const client = rawClient(upgradeRequest.replace('Upgrade: websocket', 'Upgrade: other'));
        await client.closed;
        assert.match(client.received(), /^HTTP\/1\.1 400 /);
        assert.match(client.received(), /\r\n\r\nno$/);
      });

      test('an h2 backend is spoken to over HTTP/2 when ALPN agrees', async () => {
        const server = http2.createSecureServer({ cert: pki.leaf.certPem, key: pki.leaf.keyPem, allowHTTP1: true }, (req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ version: req.httpVersion, authority: req.headers[':authority'] ?? req.headers.host }));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as AddressInfo).port;
        try {
          backend = backendIR([{ address: '127.0.0.1', port }], { protocol: 'h2', tls: tlsProfile({ caPem: pki.ca.certPem, alpn: ['h2', 'http/1.1'] }) });
          const res = await fetchFront(front.port, '/h2', { headers: { host: 'public.example' } });
          assert.equal(res.status, 200);
          assert.deepEqual(JSON.parse(res.body.toString()), { version: '2.0', authority: 'public.example' });
        } finally {
          // The pooled h2 session ends when the engine closes (after all tests).
          server.close();
        }
      });
    });
  });
}
