/**
 * `lastmile serve --provider kubernetes` against the in-process fake API server (test/fake-apiserver),
 * for the end-to-end tests: the API server over TLS with a bearer token, a kubeconfig for it, and
 * the gateway as a child process with its output collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCa } from '../../src/pki/generate.ts';
import { FakeApiServer } from '../fake-apiserver/server.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const MAIN = join(ROOT, 'src', 'main.ts');

export interface FakeCluster {
  readonly api: FakeApiServer;
  /** A kubeconfig in the test's folder that trusts the API server's CA and sends the token. */
  readonly kubeconfig: string;
}

/** Starts the fake API server with a certificate from a fresh CA and writes `dir/kubeconfig` for it. */
export async function startFakeCluster(dir: string, token: string): Promise<FakeCluster> {
  const apiCa = await createCa({ commonName: 'fake kube-apiserver CA' });
  const apiCert = await apiCa.issue({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const api = await FakeApiServer.start({ tls: { cert: apiCert.certPem, key: apiCert.keyPem }, token });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: fake, cluster: { server: '${api.url}', certificate-authority-data: ${Buffer.from(apiCa.certPem).toString('base64')} } }]`,
      `users: [{ name: lastmile, user: { token: ${token} } }]`,
      'contexts: [{ name: fake, context: { cluster: fake, user: lastmile } }]',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return { api, kubeconfig };
}

export interface ServeChild {
  readonly child: ChildProcess;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** What the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** SIGKILL unless it already exited (test teardown). */
  kill(): Promise<void>;
}

/**
 * Runs `lastmile serve --provider kubernetes --kubeconfig KUBECONFIG ...args` with an environment
 * that names no other cluster (KUBECONFIG, POD_NAME, POD_NAMESPACE removed).
 */
export function spawnKubernetesServe(kubeconfig: string, args: readonly string[]): ServeChild {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
  for (const name of ['KUBECONFIG', 'POD_NAME', 'POD_NAMESPACE']) delete env[name];
  const child = spawn(NODE, [MAIN, 'serve', '--provider', 'kubernetes', '--kubeconfig', kubeconfig, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
