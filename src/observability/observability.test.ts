import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createCa } from '../pki/generate.ts';
import { createLogger } from './logger.ts';
import { GatewayMetrics, statusClass } from './metrics.ts';
import { recordCertificateExpiry, summarizePem } from './certificates.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return { lines, stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) };
}

describe('logger', () => {
  test('JSON lines with component, credentials redacted', () => {
    const { lines, stream } = capture();
    const { logger } = createLogger({ destination: stream });
    logger.child({ component: 'access' }).info({ headers: { authorization: 'Bearer s3cret', cookie: 'sid=1', accept: '*/*' } }, 'hello');
    const line = JSON.parse(lines[0] ?? '{}');
    assert.equal(line.component, 'access');
    assert.equal(line.level, 'info');
    assert.equal(line.headers.accept, '*/*');
    assert.equal(lines.join('').includes('s3cret'), false);
    assert.equal(lines.join('').includes('sid=1'), false);
  });
});

describe('metrics', () => {
  test('pre-bound request metrics count by code and status class', async () => {
    const m = new GatewayMetrics();
    const b = m.bindRequest('HTTPRoute/default/r/rule/0/match/0', 'Service/default/s:443');
    b.observe(200, '', 0.01);
    b.observe(502, 'upstream_tls_unknown_authority', 0.02);
    b.observe(502, 'upstream_tls_unknown_authority', 0.02);
    const text = await m.text();
    assert.match(text, /lastmile_requests_total\{route="HTTPRoute\/default\/r\/rule\/0\/match\/0",backend="Service\/default\/s:443",code="upstream_tls_unknown_authority",status_class="5xx"\} 2/);
    assert.match(text, /lastmile_request_duration_seconds_count\{route="[^"]+",backend="[^"]+"\} 3/);
    assert.equal(statusClass(404), '4xx');
  });
  test('certificate expiry gauge from the IR (seconds since epoch of notAfter)', async () => {
    const ca = await createCa({ commonName: 'expiry CA', notAfter: new Date('2030-01-02T03:04:05Z') });
    const m = new GatewayMetrics();
    const backend = {
      name: 'Service/default/s:443',
      service: { namespace: 'default', name: 's', port: 443 },
      endpoints: [],
      protocol: 'http1' as const,
      tls: { id: 'x', policy: { namespace: 'default', name: 'p' }, sni: 's', trust: { kind: 'bundle' as const, caPem: ca.certPem, sources: ['ConfigMap/default/ca'] }, verify: { kind: 'hostname' as const, hostname: 's' }, alpn: ['http/1.1'] },
    };
    recordCertificateExpiry(m, {
      listeners: [{ name: 'l', address: '0.0.0.0', port: 1, protocol: 'HTTP', certificates: [], virtualHosts: [{ hostname: '*', routes: [{ name: 'r', route: { kind: 'HTTPRoute', namespace: 'default', name: 'r', rule: 0 }, gateway: { namespace: 'default', name: 'g', listener: 'l' }, match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }, filters: {}, backends: [{ weight: 1, filters: {}, backend }], timeouts: {} }] }] }],
    });
    const text = await m.text();
    assert.match(text, /lastmile_certificate_expiry_timestamp_seconds\{use="upstream_ca",source="ConfigMap\/default\/ca",subject="CN=expiry CA"\} 1893553445/);
    assert.equal(summarizePem('not a pem').length, 0);
  });
});
