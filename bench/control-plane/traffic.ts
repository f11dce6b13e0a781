/**
 * Traffic phase of the control-plane benchmark (run.ts --traffic; issue "Performance", part
 * "Control plane": "zero failed requests during the edits while traffic flows").
 *
 * Runs the real gateway (`src/main.ts serve`, a child process) on the generated folder, whose
 * chosen Services have EndpointSlices to one local TLS backend in this process. The backend's
 * certificate is issued by the CA the `shared-ca` ConfigMaps carry and names both hostnames each
 * edit toggles between (generate.ts hostnameVariants: 2), so every request should succeed: a
 * failure is the gateway's doing, not the backend's. The backend answers with the SNI it saw,
 * which gives the edit → traffic latency: from just before the write until the first response
 * whose backend-observed SNI is the new hostname.
 *
 * Everything is loopback and bounded: a fixed number of workers, a request cap and a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { GeneratedConfig } from './generate.ts';

/** A port the OS reports free now (a small race until the gateway binds it; loopback only). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Services whose routes carry traffic: even `i` (their policies trust the shared CA). */
export function trafficServices(n: number, edited: number, stable: number): { edited: number[]; stable: number[] } {
  const total = edited + stable;
  const half = Math.floor(n / 2);
  if (half < total) throw new Error(`--traffic needs N >= ${2 * total}`);
  const all = Array.from({ length: total }, (_, k) => 2 * Math.floor((k * half) / total));
  return { edited: all.filter((_, k) => k % 2 === 0).slice(0, edited), stable: all.filter((_, k) => k % 2 === 1).slice(0, stable) };
}

/** The TLS backend: listens before the config exists (its port goes into the EndpointSlices). */
export interface Backend {
  readonly port: number;
  /** Installs the certificate once the config (and so its CA) is generated. */
  setCertificate(g: GeneratedConfig, services: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  // No certificate yet: handshakes fail until setCertificate, which runs before the gateway starts.
  const server: Server = createHttpsServer({ minVersion: 'TLSv1.2' }, (req, res) => {
    const sni = (req.socket as TLSSocket).servername;
    const body = typeof sni === 'string' ? sni : '';
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('backend has no port');
  return {
    port: address.port,
    async setCertificate(g, services) {
      // Both hostnames of each service (variant 0 and 1) and the URI SAN that the policies with
      // subjectAltNames (i % 4 === 0 in generate.ts) ask for.
      const dnsNames = services.flatMap((i) => [g.hostnameOf(i, 0), g.hostnameOf(i, 1)]);
      const uris = services.map((i) => `spiffe://cluster.local/ns/${g.namespaceOf(i)}/sa/app-${i}`);
      const leaf = await g.sharedCa.issue({ commonName: 'bench backend', dnsNames, uris });
      server.setSecureContext({ cert: leaf.certPem, key: leaf.keyPem });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The gateway child process. */
export interface Gateway {
  readonly adminPort: number;
  /** The last lines it wrote (warnings and errors), for the report when something fails. */
  output(): string;
  close(): Promise<void>;
}

/** How to run the gateway child (diagnostics; the defaults are what the figures use). */
export interface GatewayRunOptions {
  /** Node flags before the script, e.g. `--cpu-prof --cpu-prof-dir=DIR` (written when it exits on SIGTERM). */
  readonly nodeFlags?: readonly string[];
  /**
   * Every line the gateway writes is appended here, and it logs at `info`: one "configuration
   * programmed" line per reload, with its `ms` (load + translate + apply).
   */
  readonly logFile?: string;
}

/** Starts `src/main.ts serve` on `dir`. */
export async function startGateway(dir: string, readyTimeoutMs: number, run: GatewayRunOptions = {}): Promise<Gateway> {
  const adminPort = await freePort();
  const main = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
  const child: ChildProcess = spawn(process.execPath, [...(run.nodeFlags ?? []), main, 'serve', '--config', dir, '--admin-address', `127.0.0.1:${adminPort}`,
    '--bind-address', '127.0.0.1', '--log-level', run.logFile === undefined ? 'warn' : 'info', '--no-access-log'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = run.logFile === undefined ? undefined : createWriteStream(run.logFile, { flags: 'a' });
  let out = '';
  const keep = (chunk: Buffer): void => {
    logFile?.write(chunk);
    out = (out + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gateway: Gateway = {
    adminPort,
    output: () => out,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      logFile?.end();
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}):\n${out}`);
    const status = await get(adminPort, '/readyz', 'admin').then((r) => r.status, () => 0);
    if (status === 200) return gateway;
    await sleep(100);
  }
  await gateway.close();
  throw new Error(`the gateway was not ready within ${readyTimeoutMs} ms:\n${out}`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function get(port: number, path: string, host: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: agent ?? false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** One route the load hits: Host header, listener port, Service index. */
export interface Target {
  readonly i: number;
  readonly host: string;
  readonly port: number;
}

export interface TrafficOptions {
  readonly edits: number;
  readonly concurrency: number;
  /** Hard caps: the load stops at whichever comes first (or when the edits are done). */
  readonly maxRequests: number;
  readonly maxMs: number;
  /** How long to wait for one edit to show in traffic before counting it as not observed. */
  readonly editTimeoutMs: number;
}

export interface TrafficResult {
  sent: number;
  ok: number;
  failed: number;
  /** First few failures: status (0 = transport error) and a short reason. */
  failures: string[];
  sentEdited: number;
  sentStable: number;
  edits: number;
  /** Edit → first response showing the new SNI, in ms, for each edit that was observed. */
  latencies: number[];
  notObserved: number;
  durationMs: number;
  requestsPerSecond: number;
}

/**
 * Drives load against `edited` and `stable` targets while editing the policies of `edited` in
 * turn (each edit toggles validation.hostname). Worker 0 always hits the route being edited,
 * so the edit → traffic latency has a resolution of one request round trip.
 */
export async function runTraffic(g: GeneratedConfig, edited: readonly Target[], stable: readonly Target[], o: TrafficOptions): Promise<TrafficResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const all = [...edited, ...stable];
  const editedSet = new Set(edited.map((t) => t.i));
  const r: TrafficResult = { sent: 0, ok: 0, failed: 0, failures: [], sentEdited: 0, sentStable: 0, edits: 0, latencies: [], notObserved: 0, durationMs: 0, requestsPerSecond: 0 };
  const t0 = performance.now();
  let stop = false;
  let current: { target: Target; sni: string; start: number; seen: () => void } | undefined;
  let rr = 0;
  const one = async (t: Target): Promise<void> => {
    r.sent++;
    if (editedSet.has(t.i)) r.sentEdited++;
    else r.sentStable++;
    try {
      const res = await get(t.port, `/api/bench/${t.i}`, t.host, agent);
      if (res.status !== 200) {
        r.failed++;
        if (r.failures.length < 10) r.failures.push(`${res.status} ${t.host}: ${res.body.slice(0, 160)}`);
        return;
      }
      r.ok++;
      const c = current;
      if (c && c.target.i === t.i && res.body === c.sni) c.seen();
    } catch (error) {
      r.failed++;
      if (r.failures.length < 10) r.failures.push(`0 ${t.host}: ${(error as Error).message}`);
    }
  };
  const worker = async (w: number): Promise<void> => {
    while (!stop && r.sent < o.maxRequests && performance.now() - t0 < o.maxMs) {
      const t = w === 0 && current ? current.target : all[rr++ % all.length];
      if (t) await one(t);
    }
  };
  const workers = Array.from({ length: o.concurrency }, (_, w) => worker(w));
  try {
    await sleep(500); // warm: pooled upstream connections exist before the first edit
    for (let e = 0; e < o.edits && !stop; e++) {
      if (performance.now() - t0 > o.maxMs || r.sent >= o.maxRequests) break;
      const target = edited[e % edited.length];
      if (!target) break;
      const edit = g.editPolicy(target.i);
      let seen: () => void = () => undefined;
      const observed = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), o.editTimeoutMs);
        seen = () => { clearTimeout(timer); resolve(true); };
      });
      const start = performance.now();
      current = { target, sni: edit.sni, start, seen: () => seen() };
      // Written synchronously: an in-place save truncates the file and then writes it, and with
      // the promise API each step waits for this process's event loop, which the load saturates.
      // The file then stayed empty for longer than the watcher's debounce, the gateway read it
      // empty (keeps its objects, warns "empty_file") and reloaded again when the bytes came: the
      // latency measured this process, not the gateway. An editor's save is truncate + write
      // back to back, as here.
      writeFileSync(edit.file, edit.content);
      const ok = await observed;
      const end = performance.now();
      current = undefined;
      r.edits++;
      if (ok) r.latencies.push(end - start);
      else r.notObserved++;
      await sleep(20); // let the reload settle; traffic keeps flowing meanwhile
    }
    await sleep(300); // traffic after the last edit counts too
  } finally {
    stop = true;
    await Promise.all(workers);
    agent.destroy();
  }
  r.durationMs = performance.now() - t0;
  r.requestsPerSecond = r.sent / (r.durationMs / 1000);
  return r;
}

/** Waits until every target answers 200 (the gateway has programmed the generated routes). */
export async function waitRoutes(targets: readonly Target[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const t of targets) {
    let last = '';
    for (;;) {
      const res = await get(t.port, `/api/bench/${t.i}`, t.host).catch((e: unknown) => ({ status: 0, body: (e as Error).message }));
      if (res.status === 200) break;
      last = `${res.status} ${res.body.slice(0, 200)}`;
      if (Date.now() > deadline) throw new Error(`route ${t.host} not serving within ${timeoutMs} ms: ${last}`);
      await sleep(100);
    }
  }
}
