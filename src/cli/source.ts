/**
 * Where `get` and `describe` read objects from: a folder of manifests (`--config DIR`), loaded and
 * translated here exactly as `serve` would, so offline answers equal online ones; or a running
 * gateway's admin API (`--server URL`), so status reflects the live process.
 */
import { stat } from 'node:fs/promises';
import type { KindInfo } from '../api/kinds.ts';
import { objectKey, type KubeObject } from '../api/meta.ts';
import { ConfigLoader } from '../runner/config-loader.ts';
import { translate } from '../translate/index.ts';
import type { Diagnostic } from '../validation/diagnostic.ts';
import { CliError } from './io.ts';

export interface ObjectSource {
  /** Objects of a kind with their status, in one namespace or (namespace undefined) all of them. */
  list(info: KindInfo, namespace: string | undefined): Promise<KubeObject[]>;
  get(info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /**
   * The diagnostics that concern an object (validation and translation), or undefined when the
   * source cannot know them (the admin API serves status, not diagnostics).
   */
  diagnosticsFor(kind: string, namespace: string | undefined, name: string): Promise<readonly Diagnostic[] | undefined>;
  /** Problems with the source as a whole (e.g. invalid objects that were left out), one line each. */
  readonly warnings: readonly string[];
}

function concerns(d: Diagnostic, kind: string, namespace: string | undefined, name: string): boolean {
  return d.kind === kind && (d.namespace ?? '') === (namespace ?? '') && d.name === name;
}

/** Loads DIR as `serve --config DIR` would and runs translation once, at `now`. */
export async function openConfigSource(dir: string, now: Date): Promise<ObjectSource> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new CliError(`error: --config ${dir}: no such file or directory`);
  const loaded = await new ConfigLoader({ paths: [dir], clock: () => now }).load();
  const result = translate({ snapshot: loaded.snapshot, now });
  const diagnostics = [...loaded.diagnostics, ...result.diagnostics];
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings =
    errors > 0 ? [`warning: ${dir} has ${errors} error${errors === 1 ? '' : 's'}; objects with errors are left out (see: lastmile validate -f ${dir})`] : [];

  function withStatus(object: KubeObject): KubeObject {
    const computed = result.statuses.get(objectKey(object.kind, object.metadata.namespace, object.metadata.name ?? ''));
    return computed === undefined ? object : { ...object, status: computed.status };
  }

  return {
    warnings,
    async list(kind, namespace) {
      return loaded.snapshot
        .list(kind.kind)
        .map((s) => s.object)
        .filter((o) => !kind.namespaced || namespace === undefined || o.metadata.namespace === namespace)
        .map(withStatus);
    },
    async get(kind, namespace, name) {
      const stored = loaded.snapshot.get(kind.kind, kind.namespaced ? namespace : undefined, name);
      return stored === undefined ? undefined : withStatus(stored.object);
    },
    async diagnosticsFor(kind, namespace, name) {
      return diagnostics.filter((d) => concerns(d, kind, namespace, name));
    },
  };
}

/** The admin API path of a kind's collection (design.md "Admin API"). */
export function collectionPath(info: KindInfo, namespace: string | undefined): string {
  const base = info.group === '' ? '/api/v1' : `/apis/${info.group}/${info.versions[0] ?? 'v1'}`;
  const ns = info.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.plural}`;
}

async function fetchJson(server: string, path: string): Promise<{ status: number; body: unknown }> {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new CliError(`error: --server ${server}: not a URL (expected e.g. http://127.0.0.1:9901)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new CliError(`error: --server ${server}: expected an http:// or https:// URL`);
  }
  // Keep a path prefix the user gave (a gateway behind a proxy), then add the API path.
  const url = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(`error: cannot reach the lastmile admin API at ${server}: ${why}`);
  }
  const text = await response.text();
  if (response.status === 404) return { status: 404, body: undefined };
  if (!response.ok) throw new CliError(`error: ${url.href}: the server answered ${response.status} ${text.slice(0, 200).trim()}`);
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw new CliError(`error: ${url.href}: the server did not answer JSON; is ${server} a lastmile admin address?`);
  }
}

/** Reads from a running gateway's admin API. */
export function openServerSource(server: string): ObjectSource {
  return {
    warnings: [],
    async list(kind, namespace) {
      const { status, body } = await fetchJson(server, collectionPath(kind, namespace));
      if (status === 404) return [];
      const items = (body as { items?: unknown } | undefined)?.items;
      return Array.isArray(items) ? (items as KubeObject[]) : [];
    },
    async get(kind, namespace, name) {
      const { status, body } = await fetchJson(server, `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`);
      return status === 404 ? undefined : (body as KubeObject);
    },
    async diagnosticsFor(kind, namespace, name) {
      // The running gateway's own findings (load, translation, listeners): /debug/diagnostics.
      const { status, body } = await fetchJson(server, '/debug/diagnostics');
      const list = (body as { diagnostics?: unknown } | undefined)?.diagnostics;
      if (status === 404 || !Array.isArray(list)) return undefined;
      return (list as Diagnostic[]).filter((d) => concerns(d, kind, namespace, name));
    },
  };
}

/** Opens the source the flags name; exactly one of --config and --server. */
export async function openSource(opts: { config?: string; server?: string }, now: Date): Promise<ObjectSource> {
  if (opts.config !== undefined && opts.server !== undefined) throw new CliError('error: give --config DIR or --server URL, not both');
  if (opts.config !== undefined) return openConfigSource(opts.config, now);
  if (opts.server !== undefined) return openServerSource(opts.server);
  throw new CliError('error: say where to read from: --config DIR (a folder of manifests) or --server URL (a running gateway\'s admin API)');
}
