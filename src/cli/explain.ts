/**
 * `lastmile explain KIND[.field.path] [--recursive]`: the schema of a Gateway API kind as kubectl
 * explain prints it (KIND, VERSION, FIELD, DESCRIPTION, FIELDS with `-required-`), plus the limits
 * the API server enforces on each field (pattern, enum, lengths, defaults, CEL rules). The schema
 * is the one validation uses (validation/schema/), so what explain says is what validate enforces.
 */
import { resolveKindName, type KindInfo } from '../api/kinds.ts';
import { schemaFor } from '../validation/schema/index.ts';
import type { Schema } from '../validation/schema/types.ts';
import { CliError } from './io.ts';
import { fieldsOf, limitLines, throughLists, typeLabel } from './print/schema.ts';
import { wrapText } from './print/wrap.ts';

const WIDTH = 80;

/** Splits `btlspolicy.spec.validation` into the kind (longest prefix that names one) and the path. */
function splitTarget(target: string): { info: KindInfo; path: string[] } {
  const parts = target.split('.');
  for (let n = parts.length; n > 0; n--) {
    const info = resolveKindName(parts.slice(0, n).join('.'));
    if (info) return { info, path: parts.slice(n).filter((p) => p !== '') };
  }
  throw new CliError(`error: the server doesn't have a resource type "${parts[0] ?? target}"`);
}

interface Located {
  readonly schema: Schema;
  readonly name: string;
  readonly required: boolean;
}

function locate(info: KindInfo, root: Schema, path: readonly string[]): Located {
  let node: Located = { schema: root, name: info.kind, required: false };
  const walked: string[] = [];
  for (const step of path) {
    const parent = throughLists(node.schema);
    const fields = parent.properties ?? {};
    const child = fields[step];
    if (child === undefined) {
      const at = walked.length === 0 ? info.kind : `${info.kind}.${walked.join('.')}`;
      const known = Object.keys(fields).sort();
      const hint = known.length > 0 ? ` (fields there: ${known.join(', ')})` : ` (${at} has no fields)`;
      throw new CliError(`error: field "${[...walked, step].join('.')}" does not exist in ${info.kind}${hint}`);
    }
    walked.push(step);
    node = { schema: child, name: step, required: (parent.required ?? []).includes(step) };
  }
  return node;
}

function fieldLine(name: string, schema: Schema, required: boolean): string {
  return `${name}\t<${typeLabel(schema)}>${required ? ' -required-' : ''}`;
}

function describeLines(schema: Schema, indent: string): string[] {
  const lines = wrapText(schema.description ?? '<no description>', WIDTH, indent);
  // Limits are not wrapped: a pattern must stay copyable as one line.
  for (const limit of limitLines(schema)) lines.push(`${indent}${limit}`);
  return lines;
}

function sortedFields(schema: Schema): [string, Schema, boolean][] {
  const fields = fieldsOf(schema) ?? {};
  const required = throughLists(schema).required ?? [];
  return Object.keys(fields)
    .sort()
    .map((name) => [name, fields[name] as Schema, required.includes(name)]);
}

function recursiveLines(schema: Schema, depth: number, out: string[]): void {
  for (const [name, child, required] of sortedFields(schema)) {
    out.push(`${'  '.repeat(depth)}${fieldLine(name, child, required)}`);
    recursiveLines(child, depth + 1, out);
  }
}

/** The explain text for a target such as `btlspolicy.spec.validation.hostname`. */
export function explainText(target: string, recursive: boolean): string {
  const { info, path } = splitTarget(target);
  const root = schemaFor(info.kind);
  if (root === undefined) {
    throw new CliError(
      `error: explain covers the Gateway API kinds; ${info.kind} is a core Kubernetes kind (see "kubectl explain ${info.plural}")`,
    );
  }
  const node = locate(info, root, path);
  const out: string[] = [];
  if (info.group !== '') out.push(`GROUP:      ${info.group}`);
  out.push(`KIND:       ${info.kind}`, `VERSION:    ${info.versions[0] ?? ''}`, '');
  if (path.length > 0) {
    out.push(`FIELD: ${node.name} <${typeLabel(node.schema)}>${node.required ? ' -required-' : ''}`, '');
  }
  out.push('DESCRIPTION:', ...describeLines(node.schema, '    '));
  const fields = sortedFields(node.schema);
  if (fields.length > 0) {
    out.push('', 'FIELDS:');
    if (recursive) {
      recursiveLines(node.schema, 1, out);
    } else {
      for (const [name, child, required] of fields) {
        out.push(`  ${fieldLine(name, child, required)}`, ...describeLines(child, '    '), '');
      }
      out.pop();
    }
  }
  return `${out.join('\n')}\n`;
}
