/**
 * End-to-end: a gRPC client speaking h2c with prior knowledge to the real `lastmile serve`
 * process on a plain-HTTP listener, a GRPCRoute (method match) to a Service whose endpoint is an
 * HTTP/2 TLS backend under a BackendTLSPolicy: the call succeeds with the backend seeing SNI =
 * the policy hostname over ALPN h2; a policy with the wrong CA never yields a success; an
 * unmatched method is not routed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { createCa } from '../../src/pki/generate.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { backendTlsPolicy, caConfigMap, gateway, gatewayClass, serviceWithEndpoints, writeManifests } from '../helpers/manifests.ts';
import { freePort } from '../helpers/net.ts';

const SERVICE = 'echo.v1.Echo';

/** A length-prefixed gRPC message (gRPC over HTTP/2: compressed flag, 4-byte length, payload). */
function grpcFrame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** A minimal gRPC-shaped echo over h2 + TLS: answers `sni=<servername> alpn=<alpn> got=<payload>`. */
async function startGrpcBackend(certPem: string, keyPem: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createSecureServer({ cert: certPem, key: keyPem });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const okShape = headers[':method'] === 'POST' && headers['content-type'] === 'application/grpc' && body.length >= 5;
      const socket = stream.session?.socket as TLSSocket | undefined;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': okShape ? '0' : '3' }));
      const got = okShape ? body.subarray(5).toString() : '';
      stream.end(grpcFrame(`sni=${socket?.servername} alpn=${socket?.alpnProtocol} path=${headers[':path']} got=${got}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface GrpcAnswer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  message: string;
}

/** Calls `/SERVICE/method` over h2c with prior knowledge. */
function grpcCall(port: number, authority: string, method: string, payload: string): Promise<GrpcAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', (err: Error) => reject(err));
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error('grpc call timed out'));
    }, 8_000);
    const req = session.request({ ':method': 'POST', ':path': `/${SERVICE}/${method}`, ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => (headers = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      clearTimeout(timer);
      session.close();
      const body = Buffer.concat(chunks);
      resolve({ status: Number(headers[':status']), headers, trailers, message: body.length >= 5 ? body.subarray(5).toString() : body.toString() });
    });
    req.on('error', (err: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    });
    req.end(grpcFrame(payload));
  });
}

function grpcRoute(name: string, hostname: string, service: string, method: string): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name, namespace: 'default' },
    spec: {
      parentRefs: [{ name: 'gw' }],
      hostnames: [hostname],
      rules: [{ matches: [{ method: { service: SERVICE, method } }], backendRefs: [{ name: service, port: 443 }] }],
    },
  };
}

describe('GRPCRoute over h2c to a BackendTLSPolicy backend, real gateway process', () => {
  let dir: string;
  let gw: GatewayProcess;
  let port: number;
  let backend: { port: number; close(): Promise<void> };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lastmile-grpc-e2e-'));
    const ca = await createCa({ commonName: 'grpc e2e CA' });
    const otherCa = await createCa({ commonName: 'unrelated CA' });
    const leaf = await ca.issue({ dnsNames: ['grpc-backend.test'] });
    backend = await startGrpcBackend(leaf.certPem, leaf.keyPem);
    port = await freePort();
    await writeManifests(dir, 'gateway.yaml', [gatewayClass(), gateway('gw', [{ name: 'http', port }])]);
    await writeManifests(dir, 'backends.yaml', [
      caConfigMap('ca', ca.certPem),
      caConfigMap('other-ca', otherCa.certPem),
      ...serviceWithEndpoints('grpc-ok', 443, backend.port),
      ...serviceWithEndpoints('grpc-bad-ca', 443, backend.port),
      backendTlsPolicy({ name: 'ok', service: 'grpc-ok', hostname: 'grpc-backend.test', caConfigMaps: ['ca'] }),
      backendTlsPolicy({ name: 'bad-ca', service: 'grpc-bad-ca', hostname: 'grpc-backend.test', caConfigMaps: ['other-ca'] }),
    ]);
    await writeManifests(dir, 'routes.yaml', [grpcRoute('g-ok', 'grpc.example', 'grpc-ok', 'Say'), grpcRoute('g-bad', 'bad.example', 'grpc-bad-ca', 'Say')]);
    gw = await startGateway({ configDir: dir });
  });

  after(async () => {
    const code = await gw?.stop();
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
    assert.equal(code, 0, 'SIGTERM ends the process with exit code 0');
  });

  test('the method reaches the backend over verified TLS (SNI = policy hostname, ALPN h2)', async () => {
    const r = await grpcCall(port, 'grpc.example', 'Say', 'hello');
    assert.equal(r.status, 200);
    assert.equal(r.trailers['grpc-status'], '0', JSON.stringify(r));
    assert.equal(r.message, `sni=grpc-backend.test alpn=h2 path=/${SERVICE}/Say got=hello`);
  });

  test('a policy whose CA does not match never yields a success', async () => {
    const r = await grpcCall(port, 'bad.example', 'Say', 'hello');
    // design.md: a backend TLS verification failure answers 502 with its stable code.
    assert.equal(r.status, 502, JSON.stringify(r));
    assert.equal(r.headers['x-lastmile-error'], 'upstream_tls_unknown_authority', JSON.stringify(r.headers));
    assert.notEqual(r.trailers['grpc-status'] ?? r.headers['grpc-status'], '0');
    assert.ok(!r.message.includes('got=hello'), 'no backend answer');
  });

  test('a method no rule matches is not routed', async () => {
    const r = await grpcCall(port, 'grpc.example', 'Other', 'hello');
    assert.equal(r.status, 404, JSON.stringify(r));
    assert.equal(r.headers['x-lastmile-error'], 'route_not_found', JSON.stringify(r.headers));
    assert.ok(!r.message.includes('got='), 'no backend answer');
  });
});
