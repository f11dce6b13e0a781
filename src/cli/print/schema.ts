/**
 * How `explain` names a schema's type (`<string>`, `<[]Object>`, `<map[string]string>`, as kubectl
 * explain does) and states its limits, so a user sees what the API server will enforce before
 * writing the field.
 */
import type { Schema } from '../../validation/schema/types.ts';

/** kubectl explain's type label for a schema node, without the angle brackets. */
export function typeLabel(schema: Schema): string {
  if (schema['x-kubernetes-int-or-string'] === true) return 'IntOrString';
  if (schema.type === 'array') return `[]${schema.items ? typeLabel(schema.items) : 'Object'}`;
  if (schema.type === 'object' || (schema.type === undefined && schema.properties !== undefined)) {
    if (schema.properties === undefined && schema.additionalProperties !== undefined) {
      return `map[string]${typeLabel(schema.additionalProperties)}`;
    }
    return 'Object';
  }
  return schema.type ?? 'Object';
}

/** True when the node has fields to list under FIELDS (an object, or a list of objects). */
export function fieldsOf(schema: Schema): Readonly<Record<string, Schema>> | undefined {
  if (schema.type === 'array') return schema.items ? fieldsOf(schema.items) : undefined;
  return schema.properties;
}

/** The node whose fields a path step descends into: lists are looked through to their items. */
export function throughLists(schema: Schema): Schema {
  return schema.type === 'array' && schema.items ? throughLists(schema.items) : schema;
}

function range(min: number | undefined, max: number | undefined): string | undefined {
  if (min === undefined && max === undefined) return undefined;
  if (min === undefined) return `at most ${max}`;
  if (max === undefined) return `at least ${min}`;
  return min === max ? `exactly ${min}` : `${min} to ${max}`;
}

/**
 * One line per limit the API server enforces on this node: pattern, enum, lengths, item counts,
 * numeric range, default, format, list semantics and CEL rules (by their message).
 */
export function limitLines(schema: Schema): string[] {
  const lines: string[] = [];
  if (schema.enum !== undefined) lines.push(`Enum: ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.pattern !== undefined) lines.push(`Pattern: ${schema.pattern}`);
  if (schema.format !== undefined) lines.push(`Format: ${schema.format}`);
  const length = range(schema.minLength, schema.maxLength);
  if (length !== undefined) lines.push(`Length: ${length} characters`);
  const items = range(schema.minItems, schema.maxItems);
  if (items !== undefined) lines.push(`Items: ${items}`);
  const props = range(schema.minProperties, schema.maxProperties);
  if (props !== undefined) lines.push(`Entries: ${props}`);
  const value = range(schema.minimum, schema.maximum);
  if (value !== undefined) lines.push(`Range: ${value}${schema.exclusiveMinimum === true ? ' (minimum excluded)' : ''}`);
  if (schema.default !== undefined) lines.push(`Default: ${JSON.stringify(schema.default)}`);
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'map') lines.push(`List: a map keyed by ${(schema['x-kubernetes-list-map-keys'] ?? []).join(', ')}`);
  if (listType === 'set') lines.push('List: a set (no duplicates)');
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    lines.push(`Rule: ${rule.message ?? rule.rule}`);
  }
  // A list of scalars (e.g. hostnames): the limits each item must meet matter as much as the list's.
  const itemSchema = schema.type === 'array' ? schema.items : undefined;
  if (itemSchema !== undefined && fieldsOf(itemSchema) === undefined) {
    for (const line of limitLines(itemSchema)) lines.push(`Each item: ${line}`);
  }
  return lines;
}
