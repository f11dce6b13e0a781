/** Naming what to read, as kubectl does: `KIND [NAME]` or `KIND/NAME`, with `-n` and `-A`. */
import { resolveKindName, type KindInfo } from '../api/kinds.ts';
import { CliError } from './io.ts';

export const DEFAULT_NAMESPACE = 'default';

export interface Target {
  readonly info: KindInfo;
  readonly name: string | undefined;
}

/** Resolves `KIND`, `KIND NAME` or `KIND/NAME` (kind, plural, singular or short name, any case). */
export function parseTarget(kindArg: string, nameArg: string | undefined): Target {
  let kind = kindArg;
  let name = nameArg;
  const slash = kindArg.indexOf('/');
  if (slash >= 0) {
    if (nameArg !== undefined) throw new CliError(`error: there is no need to give a name after "${kindArg}"`);
    kind = kindArg.slice(0, slash);
    name = kindArg.slice(slash + 1);
    if (name === '') throw new CliError(`error: "${kindArg}" names no object after the slash`);
  }
  const info = resolveKindName(kind);
  if (info === undefined) throw new CliError(`error: the server doesn't have a resource type "${kind}"`);
  return { info, name };
}

/** `backendtlspolicies.gateway.networking.k8s.io` or `services`, as kubectl names a resource type. */
export function resourceType(info: KindInfo): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

/** kubectl's NotFound line. */
export function notFound(info: KindInfo, name: string): CliError {
  return new CliError(`Error from server (NotFound): ${resourceType(info)} "${name}" not found`);
}
