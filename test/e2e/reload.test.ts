/**
 * End-to-end hot reload on the real process: CA rotation while traffic flows, trust revocation
 * reaching pooled connections, an invalid file keeping the last good config, graceful SIGTERM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { createCa } from '../../src/pki/generate.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { backendTlsPolicy, caConfigMap, gateway, gatewayClass, httpRoute, serviceWithEndpoints, writeManifests } from '../helpers/manifests.ts';
import { eventually, freePort, request, type SimpleResponse } from '../helpers/net.ts';
import { startTlsEchoBackend, type TlsEchoBackend } from '../helpers/tls-echo-backend.ts';

interface Sample {
  readonly status: number;
  readonly code: string | undefined;
  readonly phase: string;
}

/** Sends requests one after another until stopped (bounded), recording each outcome with the phase it started in. */
function trafficLoop(port: number, phase: () => string, max = 3000): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let stopped = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const done = (async () => {
    while (!stopped && samples.length < max) {
      const p = phase();
      let r: SimpleResponse;
      try {
        r = await request({ port, host: 'app.example', path: '/loop', agent, timeoutMs: 5000 });
      } catch (err) {
        samples.push({ status: 0, code: String(err), phase: p });
        continue;
      }
      samples.push({ status: r.status, code: r.headers['x-lastmile-error'] as string | undefined, phase: p });
    }
    agent.destroy();
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return samples;
    },
  };
}

describe('hot reload through the real gateway process', () => {
  let dir: string;
  let gw: GatewayProcess;
  let port: number;
  let backend: TlsEchoBackend;
  let caA: Awaited<ReturnType<typeof createCa>>;
  let leafA: { certPem: string; keyPem: string };

  const writeTrust = (pem: string) => writeManifests(dir, 'trust.yaml', [caConfigMap('app-ca', pem)]);
  const generation = async (): Promise<number> => (await gw.admin('/debug/config')).json.generation as number;
  /** Resolves once a config newer than `after` is programmed. */
  const programmedAfter = (after: number) => eventually(async () => ((await generation()) > after ? true : undefined), 15_000, `config generation > ${after}`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lastmile-reload-'));
    caA = await createCa({ commonName: 'rotation CA A' });
    leafA = await caA.issue({ dnsNames: ['app.internal'] });
    backend = await startTlsEchoBackend({ certPem: leafA.certPem, keyPem: leafA.keyPem });
    port = await freePort();
    await writeManifests(dir, 'app.yaml', [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }]),
      httpRoute({ name: 'app', gateway: 'gw', hostnames: ['app.example'], service: 'app', port: 443 }),
      ...serviceWithEndpoints('app', 443, backend.port),
      backendTlsPolicy({ name: 'app-tls', service: 'app', hostname: 'app.internal', caConfigMaps: ['app-ca'] }),
    ]);
    await writeTrust(caA.certPem);
    gw = await startGateway({ configDir: dir });
  });

  after(async () => {
    await gw?.stop('SIGKILL');
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('CA rotation with an overlap bundle: zero failed requests while traffic flows', async () => {
    const caB = await createCa({ commonName: 'rotation CA B' });
    const leafB = await caB.issue({ dnsNames: ['app.internal'] });
    let phase = 'A';
    const loop = trafficLoop(port, () => phase);
    await new Promise((r) => setTimeout(r, 200));
    // 1. Trust both CAs; 2. the backend switches to a B certificate; 3. trust B only.
    let g = await generation();
    phase = 'A+B';
    await writeTrust(caA.certPem + caB.certPem);
    await programmedAfter(g);
    await new Promise((r) => setTimeout(r, 200));
    phase = 'backend B';
    backend.setCertificate(leafB.certPem, leafB.keyPem);
    await new Promise((r) => setTimeout(r, 200));
    g = await generation();
    phase = 'B';
    await writeTrust(caB.certPem);
    await programmedAfter(g);
    await new Promise((r) => setTimeout(r, 300));
    const samples = await loop.stop();
    const failed = samples.filter((s) => s.status !== 200);
    assert.ok(samples.length >= 20, `enough traffic (${samples.length} requests)`);
    assert.deepEqual(failed, [], 'no request fails during an overlap rotation');
    // Each reload's log line says where its time went.
    const reloads = gw.logs.filter((l) => l.msg === 'configuration programmed');
    assert.ok(reloads.length >= 3, `a line per reload (${reloads.length})`);
    for (const l of reloads) {
      for (const f of ['ms', 'loadMs', 'translateMs', 'applyMs']) assert.equal(typeof l[f], 'number', `${f} in ${JSON.stringify(l)}`);
    }
    assert.ok(samples.some((s) => s.phase === 'B'), 'traffic flowed after the rotation');
  });

  test('trust no longer covering the backend takes effect at once: pooled connections are not reused', async () => {
    // Warm the pool under the current trust (B), then pin to an unrelated CA.
    for (let i = 0; i < 3; i++) assert.equal((await request({ port, host: 'app.example' })).status, 200);
    const unrelated = await createCa({ commonName: 'unrelated' });
    const g = await generation();
    await writeTrust(unrelated.certPem);
    await programmedAfter(g);
    const r = await request({ port, host: 'app.example' });
    assert.equal(r.status, 502, r.body);
    assert.equal(r.headers['x-lastmile-error'], 'upstream_tls_unknown_authority');
  });

  test('abrupt backend certificate change: failures only until the new CA is programmed', async () => {
    const caC = await createCa({ commonName: 'rotation CA C' });
    const leafC = await caC.issue({ dnsNames: ['app.internal'] });
    backend.setCertificate(leafC.certPem, leafC.keyPem);
    // Intended window: trust is the unrelated CA, the backend serves C.
    assert.equal((await request({ port, host: 'app.example' })).status, 502);
    let phase = 'window';
    const loop = trafficLoop(port, () => phase);
    const g = await generation();
    await writeTrust(caC.certPem);
    await programmedAfter(g);
    phase = 'after';
    await new Promise((r) => setTimeout(r, 300));
    const samples = await loop.stop();
    const after = samples.filter((s) => s.phase === 'after');
    assert.ok(after.length >= 5, `traffic after the reload (${after.length})`);
    assert.deepEqual(after.filter((s) => s.status !== 200), [], 'every request after the reload succeeds');
    for (const s of samples.filter((x) => x.status !== 200)) {
      assert.equal(s.phase, 'window');
      assert.equal(s.code, 'upstream_tls_unknown_authority');
    }
  });

  test('an invalid file keeps the last good config serving and shows in /debug/diagnostics', async () => {
    const before = (await gw.admin('/metrics')).text.match(/lastmile_config_reloads_total\{result="failure"\} (\d+)/)?.[1];
    await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   namespace: bad-indent\n');
    const diags = await eventually(async () => {
      const d = (await gw.admin('/debug/diagnostics')).json.diagnostics as { file?: string; text: string; severity: string }[];
      return d.some((x) => x.file?.endsWith('broken.yaml')) ? d : undefined;
    }, 15_000, 'diagnostic for broken.yaml');
    assert.ok(diags.some((d) => d.severity === 'error' && d.file?.endsWith('broken.yaml')));
    const r = await request({ port, host: 'app.example' });
    assert.equal(r.status, 200, 'the last good config keeps serving');
    const after = (await gw.admin('/metrics')).text.match(/lastmile_config_reloads_total\{result="failure"\} (\d+)/)?.[1];
    assert.ok(Number(after) > Number(before), `reload failures counted (${before} -> ${after})`);
    // An invalid edit of a live object keeps its last good version.
    await writeManifests(dir, 'app.yaml', [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port }]),
      httpRoute({ name: 'app', gateway: 'gw', hostnames: ['app.example'], service: 'app', port: 443 }),
      ...serviceWithEndpoints('app', 443, backend.port),
      backendTlsPolicy({ name: 'app-tls', service: 'app', hostname: 'Not A Hostname!', caConfigMaps: ['app-ca'] }),
    ]);
    await eventually(async () => {
      const d = (await gw.admin('/debug/diagnostics')).json.diagnostics as { kind?: string; name?: string }[];
      return d.some((x) => x.kind === 'BackendTLSPolicy' && x.name === 'app-tls') ? true : undefined;
    }, 15_000, 'diagnostic for the invalid policy');
    const still = await request({ port, host: 'app.example' });
    assert.equal(still.status, 200, still.body);
    assert.equal(still.json.sni, 'app.internal', 'the last good policy still applies');
    const errors = gw.logs.filter((l) => l.level === 'error' && String(l.msg).includes('broken.yaml'));
    assert.ok(errors.length >= 1, 'each diagnostic is logged');
  });

  test('graceful SIGTERM: in-flight requests finish, then the process exits 0', async () => {
    const inflight = request({ port, host: 'app.example', path: '/slow?delay=800' });
    await new Promise((r) => setTimeout(r, 200));
    const exit = gw.stop('SIGTERM');
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(await exit, 0);
    await assert.rejects(request({ port, host: 'app.example', timeoutMs: 2000 }), /ECONNREFUSED/);
  });
});
