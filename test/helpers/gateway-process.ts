/**
 * Runs the real `lastmile serve` process for end-to-end tests: spawns `node src/main.ts serve`
 * with the pinned Node, collects its JSON log lines, waits for /readyz, and stops it with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { eventually, freePort } from './net.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const MAIN = join(ROOT, 'src', 'main.ts');

export interface GatewayProcess {
  readonly adminUrl: string;
  readonly child: ChildProcess;
  /** Parsed JSON log lines seen so far (stdout). */
  readonly logs: readonly Record<string, unknown>[];
  /** Raw stderr so far. */
  stderr(): string;
  /** GET on the admin API, parsed as JSON when possible. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies ad hoc
  admin(path: string): Promise<{ status: number; text: string; json: any }>;
  /** Sends a signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  readonly configDir: string;
  readonly bindAddress?: string;
  readonly extraArgs?: readonly string[];
  /** Wait for /readyz (default true). */
  readonly waitReady?: boolean;
}

export async function startGateway(options: StartOptions): Promise<GatewayProcess> {
  const adminPort = await freePort();
  const args = [MAIN, 'serve', '--config', options.configDir, '--admin-address', `127.0.0.1:${adminPort}`, '--bind-address', options.bindAddress ?? '127.0.0.1', ...(options.extraArgs ?? [])];
  const child = spawn(NODE, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const admin = async (path: string) => {
    const r = await fetch(adminUrl + path);
    const text = await r.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, text, json };
  };
  const gw: GatewayProcess = {
    adminUrl,
    child,
    logs,
    stderr: () => stderr,
    admin,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  if (options.waitReady ?? true) {
    try {
      await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${stderr}`);
        return (await admin('/readyz')).status === 200 ? true : undefined;
      }, 20_000, 'gateway /readyz');
    } catch (err) {
      await gw.stop('SIGKILL');
      throw new Error(`${String(err)}\nstderr: ${stderr}\nlogs: ${JSON.stringify(logs.slice(-20))}`);
    }
  }
  return gw;
}
