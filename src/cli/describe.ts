/**
 * `lastmile describe KIND NAME [-n NS] (--config DIR | --server URL)`: one object in kubectl's
 * describe layout, with its computed status and the diagnostics that concern it.
 */
import type { VerbContext } from './context.ts';
import { CliError } from './io.ts';
import { describeText } from './print/describe.ts';
import { openSource } from './source.ts';
import { DEFAULT_NAMESPACE, notFound, parseTarget } from './target.ts';

export interface DescribeOptions {
  namespace?: string;
  config?: string;
  server?: string;
}

/** Runs `describe`; returns the exit code. */
export async function runDescribe(ctx: VerbContext, kindArg: string, nameArg: string | undefined, opts: DescribeOptions): Promise<number> {
  const { info, name } = parseTarget(kindArg, nameArg);
  if (name === undefined) throw new CliError(`error: describe needs a name: lastmile describe ${info.singular} NAME`);
  const source = await openSource(opts, ctx.io.now());
  for (const warning of source.warnings) ctx.io.err(`${warning}\n`);
  const namespace = info.namespaced ? (opts.namespace ?? DEFAULT_NAMESPACE) : undefined;
  const object = await source.get(info, namespace, name);
  if (object === undefined) throw notFound(info, name);
  // describeText prints Secret sizes only, never values (print/describe.ts).
  ctx.io.out(describeText(object, await source.diagnosticsFor(info.kind, namespace, name)));
  return 0;
}
