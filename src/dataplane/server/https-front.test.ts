/**
 * HTTPS listeners split by ALPN (listener.ts): HTTP/1.1 over TLS (ALPN http/1.1, or no ALPN at
 * all) is served by the lean front, h2 by node's HTTP/2 server, with the certificate chosen by
 * SNI in every case; `front: 'node'` keeps node:http for HTTP/1.1. The front that answered is
 * told apart by its bytes: the lean front writes lower-case framing fields
 * (`connection: keep-alive`), node:http writes `Connection: keep-alive`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createCa } from '../../pki/generate.ts';
import type { CertificateAuthority } from '../../pki/generate.ts';
import type { ServerCertificateIR } from '../../ir/types.ts';
import { FrontServer } from './front/server.ts';
import { Listener, type FrontKind } from './listener.ts';

interface Pki {
  ca: CertificateAuthority;
  certificates: ServerCertificateIR[];
}

let pki: Pki;

before(async () => {
  const ca = await createCa({ commonName: 'https front test CA' });
  const [a, fallback] = await Promise.all([ca.issue({ dnsNames: ['a.example'] }), ca.issue({ dnsNames: ['default.example'] })]);
  pki = {
    ca,
    certificates: [
      { hostnames: ['a.example'], certPem: a.certPem, keyPem: a.keyPem, source: 'Secret/default/a' },
      { hostnames: ['*'], certPem: fallback.certPem, keyPem: fallback.keyPem, source: 'Secret/default/fallback' },
    ],
  };
});

/** An HTTPS listener whose handler answers the protocol version and the request's Host. */
async function startListener(front: FrontKind): Promise<Listener> {
  const listener = new Listener(
    { name: 'l-https', address: '127.0.0.1', port: 0, protocol: 'HTTPS' },
    {
      request: (req, res) => {
        const body = `v${req.httpVersion} ${req.method} ${req.url}`;
        // Both response kinds take (status, headers); the union's overloads do not line up in TS.
        (res as import('node:http').ServerResponse).writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      upgrade: (_req, socket) => socket.destroy(),
    },
    pki.certificates,
    { front },
  );
  await listener.listen();
  return listener;
}

interface RawAnswer {
  readonly alpn: string | false | null;
  readonly subject: string;
  readonly text: string;
}

/** Raw bytes over TLS: `request` written as is, the answer read until `done` says it is whole. */
function rawTls(port: number, options: { servername: string; alpn?: string[] }, request: string, done: (text: string) => boolean): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // The chain is verified; the name is not (the fallback certificate is for another name, and
    // which certificate came back is what the tests assert).
    const socket = tls.connect({ host: '127.0.0.1', port, servername: options.servername, ca: pki.ca.certPem, checkServerIdentity: () => undefined, ...(options.alpn === undefined ? {} : { ALPNProtocols: options.alpn }) });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer; got ${JSON.stringify(text)}`));
    }, 5_000);
    const finish = (): void => {
      clearTimeout(timer);
      const alpn = socket.alpnProtocol ?? null;
      const subject = String(socket.getPeerCertificate().subject?.CN ?? '');
      socket.destroy();
      resolve({ alpn, subject, text });
    };
    socket.on('secureConnect', () => socket.write(request));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (done(text)) finish();
    });
    socket.on('end', finish);
    socket.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Two keep-alive requests on one connection, both answered. */
function twoAnswers(text: string): boolean {
  return (text.match(/v1\.1 GET \/\w+/g) ?? []).length >= 2;
}

const twoRequests = 'GET /one HTTP/1.1\r\nhost: a.example\r\n\r\nGET /two HTTP/1.1\r\nhost: a.example\r\n\r\n';

describe('HTTPS listener with the lean front (ALPN split)', () => {
  let listener: Listener;
  before(async () => {
    listener = await startListener('lean');
  });
  after(async () => {
    await listener.close(1_000);
  });

  test('ALPN http/1.1: served by the lean front, certificate by SNI, keep-alive and pipelining', async () => {
    const r = await rawTls(listener.port, { servername: 'a.example', alpn: ['http/1.1'] }, twoRequests, twoAnswers);
    assert.equal(r.alpn, 'http/1.1');
    assert.equal(r.subject, 'a.example');
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(r.text, /\r\nconnection: keep-alive\r\n/);
    assert.match(r.text, /v1\.1 GET \/one[\s\S]*v1\.1 GET \/two/);
  });

  test('no ALPN at all: HTTP/1.1 through the lean front; another SNI name gets the fallback certificate', async () => {
    const r = await rawTls(listener.port, { servername: 'other.example' }, 'GET /plain HTTP/1.1\r\nhost: other.example\r\n\r\n', (t) => t.includes('v1.1 GET /plain'));
    assert.equal(r.alpn, false);
    assert.equal(r.subject, 'default.example');
    assert.match(r.text, /\r\nconnection: keep-alive\r\n/);
  });

  test('the strict parser holds over TLS: Content-Length with Transfer-Encoding answers 400 and closes', async () => {
    const smuggle = 'POST /x HTTP/1.1\r\nhost: a.example\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n';
    const r = await rawTls(listener.port, { servername: 'a.example', alpn: ['http/1.1'] }, smuggle, () => false);
    assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.doesNotMatch(r.text, /v1\.1 POST/);
  });

  test('ALPN h2: node\'s HTTP/2 server answers, certificate by SNI', async () => {
    const session = http2.connect(`https://127.0.0.1:${listener.port}`, { ca: pki.ca.certPem, servername: 'a.example' });
    try {
      const answer = await new Promise<{ body: string; subject: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/h2', ':authority': 'a.example' });
        let body = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (body += c));
        stream.on('end', () => resolve({ body, subject: String((session.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? '') }));
        stream.on('error', reject);
        stream.end();
      });
      assert.equal(answer.body, 'v2.0 GET /h2');
      assert.equal(answer.subject, 'a.example');
      assert.equal(session.alpnProtocol, 'h2');
    } finally {
      session.close();
    }
  });

  test('graceful close ends idle HTTP/1.1 connections too', async () => {
    const l = await startListener('lean');
    const socket = tls.connect({ host: '127.0.0.1', port: l.port, servername: 'a.example', ca: pki.ca.certPem, ALPNProtocols: ['http/1.1'] });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    socket.write('GET /idle HTTP/1.1\r\nhost: a.example\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await l.close(2_000);
    await ended;
  });
});

describe('HTTPS listener with node:http for HTTP/1.1 (LASTMILE_FRONT=node)', () => {
  test('ALPN http/1.1 is answered by node:http; h2 unchanged', async () => {
    const listener = await startListener('node');
    try {
      const r = await rawTls(listener.port, { servername: 'a.example', alpn: ['http/1.1'] }, twoRequests, twoAnswers);
      assert.equal(r.alpn, 'http/1.1');
      assert.equal(r.subject, 'a.example');
      assert.match(r.text, /\r\nConnection: keep-alive\r\n/);
    } finally {
      await listener.close(1_000);
    }
  });
});

test('a connection handed over with bytes already read into its stream is served from them', async () => {
  // What a TLS socket can hold when its handshake ends with the first request in the same read.
  const front = new FrontServer(
    {
      request: (req, res) => {
        res.writeHead(200, ['content-length', String(req.url.length)]);
        res.end(req.url);
      },
      upgrade: (_req, socket) => socket.destroy(),
      clientError: () => {},
    },
    { headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 },
  );
  const server = net.createServer((socket) => {
    socket.pause();
    socket.once('readable', () => {
      assert.ok(socket.readableLength > 0);
      front.accept(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      let got = '';
      const timer = setTimeout(() => {
        client.destroy();
        reject(new Error(`no answers; got ${JSON.stringify(got)}`));
      }, 5_000);
      client.setEncoding('latin1');
      client.on('data', (c: string) => {
        got += c;
        if (got.endsWith('/second')) {
          clearTimeout(timer);
          client.destroy();
          resolve(got);
        }
      });
      client.on('error', reject);
      client.write('GET /first HTTP/1.1\r\nhost: x\r\n\r\nGET /second HTTP/1.1\r\nhost: x\r\n\r\n');
    });
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\/first[\s\S]*HTTP\/1\.1 200 OK\r\n[\s\S]*\/second$/);
  } finally {
    front.drain();
    front.destroyAll();
    front.stopSweep();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
