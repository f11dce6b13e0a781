/**
 * End-to-end: the real `lastmile serve` process in front of real TLS echo backends on loopback.
 * Asserts on real HTTP responses: SNI and Host, SAN matching, each failure mode's status and
 * error code, mTLS to a backend that requires a client certificate, admin reads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import http2 from 'node:http2';
import net from 'node:net';
import { createCa } from '../../src/pki/generate.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { backendTlsPolicy, caConfigMap, gateway, gatewayClass, httpRoute, serviceWithEndpoints, tlsSecret, writeManifests } from '../helpers/manifests.ts';
import { freePort, request } from '../helpers/net.ts';
import { startTlsEchoBackend, type TlsEchoBackend } from '../helpers/tls-echo-backend.ts';

const DAY = 86_400_000;
const SPIFFE = 'spiffe://cluster.local/ns/default/sa/api';

describe('backend TLS through the real gateway process', () => {
  let dir: string;
  let gw: GatewayProcess;
  let port: number;
  let noCertPort: number;
  let httpsPort: number;
  let busy: net.Server;
  let busyPort: number;
  let listenerCaPem: string;
  let clientCertPem: string;
  const backends: TlsEchoBackend[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lastmile-e2e-'));
    const ca = await createCa({ commonName: 'e2e backend CA' });
    const otherCa = await createCa({ commonName: 'unrelated CA' });
    const clientCa = await createCa({ commonName: 'e2e client CA' });
    const leaf = await ca.issue({ dnsNames: ['backend.test'], uris: [SPIFFE] });
    const expired = await ca.issue({ dnsNames: ['backend.test'], notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const client = await clientCa.issue({ commonName: 'lastmile-gateway', usage: 'client' });
    clientCertPem = client.certPem;

    const ok = await startTlsEchoBackend({ certPem: leaf.certPem, keyPem: leaf.keyPem });
    const old = await startTlsEchoBackend({ certPem: expired.certPem, keyPem: expired.keyPem });
    const mtls = await startTlsEchoBackend({ certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: clientCa.certPem, requireClientCert: true });
    backends.push(ok, old, mtls);
    port = await freePort();
    noCertPort = await freePort();
    httpsPort = await freePort();
    // A port something else holds: that Gateway's listener cannot bind; the others must serve.
    busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    busyPort = (busy.address() as net.AddressInfo).port;
    const listenerCa = await createCa({ commonName: 'e2e listener CA' });
    listenerCaPem = listenerCa.certPem;
    const listenerCert = await listenerCa.issue({ dnsNames: ['svc-ok.example'] });

    const services: [name: string, target: number | undefined][] = [
      ['svc-ok', ok.port],
      ['svc-san-dns', ok.port],
      ['svc-san-uri', ok.port],
      ['svc-san-mismatch', ok.port],
      ['svc-hostname-mismatch', ok.port],
      ['svc-unknown-ca', ok.port],
      ['svc-invalid-policy', ok.port],
      ['svc-timeout', ok.port],
      ['svc-expired', old.port],
      ['svc-no-endpoints', undefined],
      ['svc-mtls', mtls.port],
    ];
    const policies = [
      backendTlsPolicy({ name: 'ok', service: 'svc-ok', hostname: 'backend.test', caConfigMaps: ['ca'] }),
      backendTlsPolicy({ name: 'san-dns', service: 'svc-san-dns', hostname: 'sni-only.test', caConfigMaps: ['ca'], subjectAltNames: [{ type: 'Hostname', hostname: 'backend.test' }] }),
      backendTlsPolicy({ name: 'san-uri', service: 'svc-san-uri', hostname: 'sni-uri.test', caConfigMaps: ['ca'], subjectAltNames: [{ type: 'URI', uri: SPIFFE }] }),
      backendTlsPolicy({ name: 'san-mismatch', service: 'svc-san-mismatch', hostname: 'backend.test', caConfigMaps: ['ca'], subjectAltNames: [{ type: 'Hostname', hostname: 'nope.test' }] }),
      backendTlsPolicy({ name: 'hostname-mismatch', service: 'svc-hostname-mismatch', hostname: 'wrong.test', caConfigMaps: ['ca'] }),
      backendTlsPolicy({ name: 'unknown-ca', service: 'svc-unknown-ca', hostname: 'backend.test', caConfigMaps: ['other-ca'] }),
      backendTlsPolicy({ name: 'invalid', service: 'svc-invalid-policy', hostname: 'backend.test', caConfigMaps: ['does-not-exist'] }),
      backendTlsPolicy({ name: 'timeout', service: 'svc-timeout', hostname: 'backend.test', caConfigMaps: ['ca'] }),
      backendTlsPolicy({ name: 'expired', service: 'svc-expired', hostname: 'backend.test', caConfigMaps: ['ca'] }),
      backendTlsPolicy({ name: 'no-endpoints', service: 'svc-no-endpoints', hostname: 'backend.test', caConfigMaps: ['ca'] }),
      backendTlsPolicy({ name: 'mtls', service: 'svc-mtls', hostname: 'backend.test', caConfigMaps: ['ca'] }),
    ];
    const routes = services.map(([name]) =>
      httpRoute({ name: `r-${name}`, gateway: 'gw', hostnames: [`${name}.example`], service: name, port: 443, ...(name === 'svc-timeout' ? { timeouts: { request: '300ms' } } : {}) }),
    );
    await writeManifests(dir, 'gateway.yaml', [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }, { name: 'https', port: httpsPort, protocol: 'HTTPS', certificateSecrets: ['listener-cert'] }], { clientCertificateSecret: 'gateway-client' }),
      tlsSecret('listener-cert', listenerCert.certPem, listenerCert.keyPem),
      gateway('gw-nocert', [{ name: 'http', port: noCertPort }]),
      gateway('gw-busy', [{ name: 'http', port: busyPort }]),
      tlsSecret('gateway-client', client.certPem, client.keyPem),
    ]);
    await writeManifests(dir, 'backends.yaml', [
      caConfigMap('ca', ca.certPem),
      caConfigMap('other-ca', otherCa.certPem),
      ...services.flatMap(([name, target]) => serviceWithEndpoints(name, 443, target)),
      ...policies,
    ]);
    await writeManifests(dir, 'routes.yaml', [...routes, httpRoute({ name: 'r-nocert', gateway: 'gw-nocert', service: 'svc-mtls', port: 443 })]);
    gw = await startGateway({ configDir: dir });
  });

  after(async () => {
    const code = await gw?.stop();
    await Promise.all(backends.map((b) => b.close()));
    busy?.close();
    await rm(dir, { recursive: true, force: true });
    assert.equal(code, 0, 'SIGTERM ends the process with exit code 0');
  });

  const call = (host: string, path = '/hello') => request({ port, host, path });

  test('SNI is validation.hostname and Host is forwarded unchanged', async () => {
    const r = await call('svc-ok.example:' + port, '/hello?x=1');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.sni, 'backend.test');
    assert.equal(r.json.host, `svc-ok.example:${port}`);
    assert.equal(r.json.path, '/hello?x=1');
    assert.equal(r.json.headers['x-forwarded-proto'], 'http');
    assert.ok(r.json.headers['x-request-id']);
    assert.equal(r.json.protocol, 'http/1.1');
  });

  test('subjectAltNames Hostname: the SAN authenticates, SNI stays the policy hostname', async () => {
    const r = await call('svc-san-dns.example');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.sni, 'sni-only.test');
  });

  test('subjectAltNames URI authenticates', async () => {
    const r = await call('svc-san-uri.example');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.sni, 'sni-uri.test');
  });

  const failures: [service: string, status: number, code: string, path?: string][] = [
    ['svc-san-mismatch', 502, 'upstream_tls_san_mismatch'],
    ['svc-hostname-mismatch', 502, 'upstream_tls_hostname_mismatch'],
    ['svc-unknown-ca', 502, 'upstream_tls_unknown_authority'],
    ['svc-expired', 502, 'upstream_tls_certificate_expired'],
    ['svc-invalid-policy', 500, 'backend_tls_policy_invalid'],
    ['svc-no-endpoints', 503, 'no_ready_endpoints'],
    ['svc-timeout', 504, 'upstream_timeout', '/slow?delay=5000'],
  ];
  for (const [service, status, code, path] of failures) {
    test(`${service}: ${status} ${code}`, async () => {
      const r = await call(`${service}.example`, path);
      assert.equal(r.status, status, r.body);
      assert.equal(r.headers['x-lastmile-error'], code);
      assert.equal(r.json.error, code);
    });
  }

  test('the SAN mismatch is not rescued by the hostname (hostname not used for authentication when SANs are set)', async () => {
    // svc-san-mismatch's certificate does match validation.hostname; only the SAN list counts.
    const r = await call('svc-san-mismatch.example');
    assert.equal(r.status, 502);
  });

  test('mTLS: the Gateway client certificate is presented to a backend that requires one', async () => {
    const r = await call('svc-mtls.example');
    assert.equal(r.status, 200, r.body);
    assert.ok(r.json.clientCertificate);
    assert.equal(new X509Certificate(r.json.clientCertificate).fingerprint256, new X509Certificate(clientCertPem).fingerprint256);
    const other = await call('svc-ok.example');
    assert.equal(other.json.clientCertificate, null, 'backends that do not ask get no certificate');
  });

  test('mTLS: without a client certificate the backend refuses and the client gets 502', async () => {
    const r = await request({ port: noCertPort, host: 'any.example' });
    assert.equal(r.status, 502, r.body);
    assert.match(String(r.headers['x-lastmile-error']), /^upstream_/);
  });

  test('HTTPS listener: TLS terminated with the listener certificate, HTTP/1.1 and h2 from clients', async () => {
    const r = await request({ port: httpsPort, host: 'svc-ok.example', tls: { ca: listenerCaPem } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.sni, 'backend.test');
    assert.equal(r.json.headers['x-forwarded-proto'], 'https');
    const session = http2.connect(`https://127.0.0.1:${httpsPort}`, { ca: listenerCaPem, servername: 'svc-ok.example' });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const s = session.request({ ':path': '/h2', ':authority': 'svc-ok.example' });
        let status = 0;
        let body = '';
        s.on('response', (h) => (status = Number(h[':status'])));
        s.setEncoding('utf8');
        s.on('data', (c: string) => (body += c));
        s.on('end', () => resolve({ status, body }));
        s.on('error', reject);
        s.end();
      });
      assert.equal(status, 200, body);
      const echo = JSON.parse(body);
      assert.equal(echo.host, 'svc-ok.example', ':authority becomes Host upstream');
      assert.equal(echo.sni, 'backend.test');
      assert.equal(echo.path, '/h2');
    } finally {
      session.close();
    }
  });

  test('upgrade (WebSocket-style) over the verified TLS backend connection', async () => {
    const socket = net.connect(port, '127.0.0.1');
    try {
      socket.write(`GET /ws HTTP/1.1\r\nHost: svc-ok.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      let received = '';
      socket.setEncoding('utf8');
      const ping = 'ping-through-the-tunnel';
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no echo; got ${JSON.stringify(received)}`)), 5000);
        socket.on('data', (c: string) => {
          received += c;
          if (received.includes('\r\n\r\n') && received.includes('}\n') && !received.includes(ping)) socket.write(ping);
          if (received.includes(ping)) {
            clearTimeout(t);
            resolve();
          }
        });
        socket.on('error', reject);
      });
      assert.match(received, /^HTTP\/1\.1 101/);
      const line = received.slice(received.indexOf('\r\n\r\n') + 4).split('\n')[0] ?? '';
      const info = JSON.parse(line);
      assert.equal(info.sni, 'backend.test');
      assert.equal(info.host, 'svc-ok.example');
      assert.equal(info.path, '/ws');
    } finally {
      socket.destroy();
    }
  });

  test('upgrade to a backend whose verification fails gets the error, not a tunnel', async () => {
    const socket = net.connect(port, '127.0.0.1');
    try {
      socket.write(`GET /ws HTTP/1.1\r\nHost: svc-unknown-ca.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      socket.setEncoding('utf8');
      let received = '';
      await new Promise<void>((resolve) => {
        socket.on('data', (c: string) => (received += c));
        socket.on('end', () => resolve());
        socket.on('close', () => resolve());
      });
      assert.match(received, /^HTTP\/1\.1 502/);
      assert.match(received, /x-lastmile-error: upstream_tls_unknown_authority/);
    } finally {
      socket.destroy();
    }
  });

  test('a listener that cannot bind is reported precisely; the other listeners serve', async () => {
    const d = (await gw.admin('/debug/diagnostics')).json.diagnostics as { code: string; message: string }[];
    const bind = d.find((x) => x.code === 'listener_bind_failed');
    assert.ok(bind, JSON.stringify(d));
    assert.match(bind.message, new RegExp(`127\\.0\\.0\\.1:${busyPort}.*EADDRINUSE`));
    const m = await gw.admin('/metrics');
    assert.match(m.text, new RegExp(`lastmile_listener_bind_failures_total\\{listener="127\\.0\\.0\\.1:${busyPort}",code="EADDRINUSE"\\} 1`));
    assert.ok(gw.logs.some((l) => l.level === 'error' && String(l.msg).includes('EADDRINUSE')));
    assert.equal((await call('svc-ok.example')).status, 200);
  });

  test('unknown host: 404 route_not_found', async () => {
    const r = await call('nobody.example');
    assert.equal(r.status, 404);
    assert.equal(r.headers['x-lastmile-error'], 'route_not_found');
  });

  test('failures are logged with the whole story and counted in metrics', async () => {
    const m = await gw.admin('/metrics');
    assert.match(m.text, /lastmile_upstream_tls_handshakes_total\{[^}]*outcome="failed"[^}]*reason="upstream_tls_unknown_authority"/);
    assert.match(m.text, /lastmile_upstream_tls_handshakes_total\{[^}]*outcome="ok"/);
    assert.match(m.text, /lastmile_requests_total\{[^}]*code="no_ready_endpoints"[^}]*status_class="5xx"\} [1-9]/);
    assert.match(m.text, /lastmile_certificate_expiry_timestamp_seconds\{use="upstream_ca"/);
    assert.match(m.text, /lastmile_config_generation 1/);
    const access = gw.logs.filter((l) => l.component === 'access');
    assert.ok(access.some((l) => l.code === 'upstream_tls_unknown_authority' && l.status === 502 && typeof l.detail === 'string'));
    const text = JSON.stringify(gw.logs);
    assert.equal(text.includes('PRIVATE KEY'), false, 'no key material in logs');
  });

  test('admin API: objects with computed status; Secrets redacted', async () => {
    const p = await gw.admin('/apis/gateway.networking.k8s.io/v1/namespaces/default/backendtlspolicies/invalid');
    assert.equal(p.status, 200);
    const conditions = p.json.status.ancestors?.[0]?.conditions ?? [];
    assert.ok(conditions.some((c: { type: string; status: string }) => c.type === 'Accepted' || c.type === 'ResolvedRefs'), JSON.stringify(p.json.status));
    const g = await gw.admin('/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/gw');
    assert.ok(g.json.status.conditions.some((c: { type: string; status: string }) => c.type === 'Programmed' && c.status === 'True'), JSON.stringify(g.json.status));
    const s = await gw.admin('/api/v1/namespaces/default/secrets/gateway-client');
    assert.deepEqual(Object.keys(s.json.data).sort(), ['tls.crt', 'tls.key']);
    assert.equal(s.text.includes(Buffer.from(clientCertPem).toString('base64').slice(0, 40)), false);
    const list = await gw.admin('/apis/gateway.networking.k8s.io/v1/httproutes');
    assert.equal(list.json.kind, 'HTTPRouteList');
    assert.equal(list.json.items.length, 12);
    assert.ok(list.json.items.every((i: { status?: unknown }) => i.status !== undefined), 'every route has its computed status');
    const cfg = await gw.admin('/debug/config');
    assert.equal(cfg.text.includes('PRIVATE KEY'), false);
    assert.equal(cfg.text.includes('BEGIN CERTIFICATE'), false);
  });
});
