/**
 * `lastmile demo` (issue "The first five minutes"): in one process tree, a throwaway folder with a
 * fresh PKI, four HTTPS backends on loopback (one good, three failing in different ways), the
 * manifests for them, and the gateway started on that folder by the very code `lastmile serve`
 * runs (runner/serve.ts startServe: loader, translate, data plane, admin API; nothing demo-only in
 * the data plane). Then one request per route, each printed with the gateway's own reason, and the
 * commands to try next. Ctrl-C stops everything and removes the folder.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { CliIO } from '../cli/io.ts';
import { DEFAULT_ADMIN_ADDRESS, startServe, type RunningGateway } from '../runner/serve.ts';
import { startDemoBackend, type DemoBackend } from './backends.ts';
import { probe } from './evidence.ts';
import { DEMO_BACKENDS, DEMO_NAMESPACE, demoManifests, policyFile, policyName, writeDemoFiles, type DemoBackendName, type DemoFile } from './manifests.ts';
import { createDemoPki, DEMO_HOSTNAME, OTHER_HOSTNAME, type DemoPki } from './pki.ts';
import { pickPort } from './ports.ts';
import { formatVerdict } from './verdict.ts';

export interface DemoOptions {
  /** Gateway HTTP port (default 8080, or a free one when 8080 is busy). */
  readonly port?: number;
  /** Admin API HOST:PORT (default 127.0.0.1:9901, or a free port when that is busy). */
  readonly adminAddress?: string;
  /** Leave the folder in place on exit. */
  readonly keep?: boolean;
}

/** Thrown for a demo that cannot start (the CLI prints the message as one line). */
export class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

const ADDRESS = '127.0.0.1';
const DEFAULT_PORT = 8080;
const BIN = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'bin', 'lastmile.js');

/** Everything the demo started, so that it can all be stopped. */
interface Started {
  dir?: string;
  backends: DemoBackend[];
  gateway?: RunningGateway;
  log?: ReturnType<typeof pino.destination>;
}

async function startBackends(pki: DemoPki, into: DemoBackend[]): Promise<Record<DemoBackendName, number>> {
  const certificates: Record<DemoBackendName, { certificate: DemoPki['good']; clientCaPem?: string }> = {
    good: { certificate: pki.good },
    'wrong-host': { certificate: pki.wrongHost },
    untrusted: { certificate: pki.untrusted },
    mtls: { certificate: pki.good, clientCaPem: pki.caPem },
  };
  const ports = {} as Record<DemoBackendName, number>;
  for (const b of DEMO_BACKENDS) {
    const c = certificates[b.name];
    const backend = await startDemoBackend({ name: b.name, certificate: c.certificate, ...(c.clientCaPem !== undefined ? { clientCaPem: c.clientCaPem } : {}) });
    into.push(backend);
    ports[b.name] = backend.port;
  }
  return ports;
}

async function adminAddress(requested: string | undefined): Promise<string> {
  if (requested !== undefined) return requested;
  const [host, port] = DEFAULT_ADMIN_ADDRESS.split(':') as [string, string];
  const picked = await pickPort(host, Number(port));
  return `${host}:${picked.port}`;
}

async function waitReady(adminUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${adminUrl}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new DemoError(`error: the gateway did not become ready within ${timeoutMs / 1000} s (see ${adminUrl}/debug/diagnostics)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The gateway's own error diagnostics (a busy port is `listener_bind_failed`). */
async function gatewayErrors(adminUrl: string): Promise<{ code?: string; message?: string; text?: string }[]> {
  const body = (await (await fetch(`${adminUrl}/debug/diagnostics`, { signal: AbortSignal.timeout(5_000) })).json()) as { diagnostics?: { severity?: string; code?: string; message?: string; text?: string }[] };
  return (body.diagnostics ?? []).filter((d) => d.severity === 'error');
}

function filesSection(dir: string, files: readonly DemoFile[]): string {
  const width = Math.max(...files.map((f) => f.name.length)) + 9;
  const lines = files.map((f) => `  ${`config/${f.name}`.padEnd(width)}${f.holds}`);
  lines.push(`  ${'gateway.log'.padEnd(width)}the gateway's log (JSON lines)`);
  return `Folder   ${dir}\n${lines.join('\n')}\n`;
}

function backendsSection(ports: Readonly<Record<DemoBackendName, number>>): string {
  const lines = DEMO_BACKENDS.map((b) => `  ${b.name.padEnd(11)} https://127.0.0.1:${ports[b.name]}  ${b.about}`);
  return `Backends (HTTPS on loopback, in this process; each answers with what it saw)\n${lines.join('\n')}\n`;
}

function nextSection(dir: string, port: number, adminUrl: string, keep: boolean): string {
  const url = `http://${ADDRESS}:${port}`;
  const editFile = join(dir, 'config', policyFile('wrong-host'));
  const commands: [command: string, comment: string][] = [
    [`curl -i ${url}/good -H 'Host: shop.example'`, "the backend saw your Host, and the policy's SNI"],
    [`curl -i ${url}/wrong-host`, '502, and the code in x-lastmile-error'],
    [`lastmile get btlspolicy -A --server ${adminUrl}`, ''],
    [`lastmile describe btlspolicy ${policyName('wrong-host')} -n ${DEMO_NAMESPACE} --server ${adminUrl}`, ''],
    [`curl -s ${adminUrl}/debug/handshakes`, 'what each backend presented, and why it was refused'],
  ];
  const width = Math.max(...commands.filter(([, comment]) => comment !== '').map(([c]) => c.length)) + 2;
  return [
    'Try next',
    ...commands.map(([command, comment]) => (comment === '' ? `  ${command}` : `  ${command.padEnd(width)}# ${comment}`)),
    `  edit ${editFile}`,
    `    e.g. change hostname: ${DEMO_HOSTNAME} to ${OTHER_HOSTNAME}, save, and re-run the curl: the change is live`,
    `  tail -f ${join(dir, 'gateway.log')}`,
    '',
    `  (lastmile here is: alias lastmile='${process.execPath} ${BIN}')`,
    '',
    `Serving. Ctrl-C stops the gateway and the backends${keep ? ` (the folder is kept: ${dir})` : ' and removes the folder'}.`,
    '',
  ].join('\n');
}

async function stopAll(s: Started, keep: boolean): Promise<void> {
  await s.gateway?.close().catch(() => undefined);
  await Promise.all(s.backends.map((b) => b.close().catch(() => undefined)));
  if (s.log !== undefined) {
    const log = s.log;
    // The destination opens asynchronously; ending it before it opened throws.
    await new Promise<void>((done) => {
      try {
        log.end();
        log.once('close', () => done());
        // Not unref'd: the exit code is only set once this resolves.
        setTimeout(done, 1_000);
      } catch {
        done();
      }
    });
  }
  if (s.dir !== undefined && !keep) await rm(s.dir, { recursive: true, force: true });
}

/**
 * Runs the demo until `io.untilStopped()` resolves; returns the exit code. Throws DemoError when
 * it cannot start (after cleaning up what it started).
 */
export async function runDemo(io: CliIO, options: DemoOptions = {}): Promise<number> {
  // Listen for Ctrl-C from the start: a stop during start-up still cleans up.
  const stopped = io.untilStopped();
  const keep = options.keep ?? false;
  const started: Started = { backends: [] };
  try {
    const dir = await mkdtemp(join(tmpdir(), 'lastmile-demo-'));
    started.dir = dir;
    const configDir = join(dir, 'config');
    await mkdir(configDir);
    io.out('lastmile demo: verified TLS from the gateway to its backends, working and failing\n\n');

    const pki = await createDemoPki();
    const ports = await startBackends(pki, started.backends);
    const picked = options.port !== undefined ? { port: options.port, preferredBusy: false } : await pickPort(ADDRESS, DEFAULT_PORT);
    const files = demoManifests({ address: ADDRESS, port: picked.port, backendPorts: ports, pki });
    await writeDemoFiles(configDir, files);
    io.out(`${filesSection(dir, files)}\n${backendsSection(ports)}\n`);

    started.log = pino.destination({ dest: join(dir, 'gateway.log'), sync: false });
    started.gateway = await startServe({
      configPaths: [configDir],
      adminAddress: await adminAddress(options.adminAddress),
      bindAddress: ADDRESS,
      logDestination: started.log,
      shutdownTimeoutMs: 2_000,
    });
    const adminUrl = started.gateway.adminUrl;
    await waitReady(adminUrl, 15_000);
    const errors = await gatewayErrors(adminUrl);
    const bind = errors.find((d) => d.code === 'listener_bind_failed');
    if (bind !== undefined) throw new DemoError(`error: the gateway could not listen: ${bind.message ?? bind.text ?? ''}; pick another port with --port`);
    for (const d of errors) io.err(`lastmile demo: gateway reports: ${d.text ?? d.code ?? ''}\n`);
    const busyNote = picked.preferredBusy ? ` (${DEFAULT_PORT} was busy)` : '';
    io.out(`Gateway  http://${ADDRESS}:${picked.port}${busyNote}, admin API ${adminUrl}; serving config/ with the code of \`lastmile serve\`\n\n`);

    io.out('One request per route, and why the gateway answered so:\n');
    for (const b of DEMO_BACKENDS) {
      const evidence = await probe({ port: picked.port, address: ADDRESS, path: `/${b.name}`, adminUrl, service: { namespace: DEMO_NAMESPACE, name: b.name } });
      io.out(`  ${formatVerdict(evidence)}\n`);
    }
    io.out(`\n${nextSection(dir, picked.port, adminUrl, keep)}`);

    const signal = await stopped;
    io.out(`\nlastmile demo: ${signal}: stopping${keep ? `; the folder stays at ${dir}` : ''}\n`);
    return 0;
  } finally {
    await stopAll(started, keep);
  }
}
