/**
 * `lastmile get KIND [NAME] [-n NS | -A] [-o yaml|json|wide|name] (--config DIR | --server URL)`:
 * kubectl-style tables, with the status lastmile computed (offline: by running translation on DIR;
 * online: from the gateway's admin API).
 */
import type { KubeObject } from '../api/meta.ts';
import type { VerbContext } from './context.ts';
import { CliError } from './io.ts';
import { columnsFor } from './print/columns.ts';
import { formatObjects, resourceName } from './print/output.ts';
import { formatTable } from './print/table.ts';
import { openSource } from './source.ts';
import { DEFAULT_NAMESPACE, notFound, parseTarget } from './target.ts';

const FORMATS = ['yaml', 'json', 'wide', 'name'] as const;
type Format = (typeof FORMATS)[number];

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
  config?: string;
  server?: string;
}

function parseFormat(output: string | undefined): Format | undefined {
  if (output === undefined) return undefined;
  if ((FORMATS as readonly string[]).includes(output)) return output as Format;
  throw new CliError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: ${[...FORMATS].sort().join(',')}`);
}

/** Rows of the table for `objects`, with a NAMESPACE column first when listing all namespaces. */
export function tableText(kind: string, objects: readonly KubeObject[], opts: { wide: boolean; withNamespace: boolean; now: Date }): string {
  const columns = columnsFor(kind, opts.wide);
  const header = columns.map((c) => c.header);
  const rows = objects.map((o) => columns.map((c) => c.cell(o, opts.now)));
  if (opts.withNamespace) {
    header.unshift('NAMESPACE');
    rows.forEach((row, i) => row.unshift(objects[i]?.metadata.namespace ?? ''));
  }
  return formatTable([header, ...rows]);
}

/** Runs `get`; returns the exit code. */
export async function runGet(ctx: VerbContext, kindArg: string, nameArg: string | undefined, opts: GetOptions): Promise<number> {
  const { info, name } = parseTarget(kindArg, nameArg);
  const format = parseFormat(opts.output);
  if (opts.allNamespaces === true && name !== undefined) {
    throw new CliError('error: a resource cannot be retrieved by name across all namespaces');
  }
  const now = ctx.io.now();
  const source = await openSource(opts, now);
  for (const warning of source.warnings) ctx.io.err(`${warning}\n`);
  const namespace = opts.allNamespaces === true ? undefined : (opts.namespace ?? DEFAULT_NAMESPACE);

  let objects: KubeObject[];
  if (name !== undefined) {
    const object = await source.get(info, namespace, name);
    if (object === undefined) throw notFound(info, name);
    objects = [object];
  } else {
    objects = await source.list(info, namespace);
  }

  if (format === 'yaml' || format === 'json') {
    ctx.io.out(formatObjects(objects, name !== undefined, format));
    return 0;
  }
  if (format === 'name') {
    ctx.io.out(objects.map((o) => `${resourceName(o)}\n`).join(''));
    return 0;
  }
  if (objects.length === 0) {
    ctx.io.err(info.namespaced && namespace !== undefined ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
    return 0;
  }
  const withNamespace = opts.allNamespaces === true && info.namespaced;
  ctx.io.out(tableText(info.kind, objects, { wide: format === 'wide', withNamespace, now }));
  return 0;
}
