/**
 * Structural validation of a value against a Kubernetes structural schema, in the API server's
 * words (apiextensions-apiserver's OpenAPI validation converted to field errors).
 *
 * Hand-written rather than ajv on purpose: (1) the messages must be the API server's
 * (`Unsupported value`, `Too many: 17: must have at most 16 items`, `... in body should match`),
 * which ajv's error objects do not carry; (2) defaulting must be a separate pass before validation
 * (ajv's useDefaults interleaves them, which broke `oneOf` on Gateway addresses, ecosystem.md 4);
 * (3) `x-kubernetes-list-type: map|set` uniqueness and strict unknown-field errors are Kubernetes
 * semantics ajv does not have; (4) every error needs a field path we can turn into a source position.
 * The subset of the schema language the Gateway API CRDs use is small, so this stays short.
 */
import { isIP } from 'node:net';
import type { Schema } from './types.ts';
import type { FieldPath } from '../../sources/origin.ts';
import { formatFieldPath } from '../../sources/origin.ts';
import { duplicate, invalid, jsonType, required, tooLong, tooMany, unsupported } from '../messages.ts';
import { isPlainObject } from '../values.ts';

/** Where structural problems go: the object's Reporter, or a counter when probing anyOf branches. */
export interface Sink {
  error(code: string, path: FieldPath, message: string): void;
}

const patternCache = new Map<string, RegExp | null>();

/** The compiled pattern, or null when the ECMAScript engine cannot compile it (then not enforced). */
function compiledPattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      // 'u' so that lengths and classes work on code points as Go's RE2 does.
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    patternCache.set(pattern, re);
  }
  return re;
}

function typeMatches(value: unknown, schema: Schema): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) {
    return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  }
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/** RFC 3339 date-time as the API server's strfmt accepts it. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const HOSTNAME = /^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?))*\.?$/;

/** Checks a `format`; unknown formats pass, as in the API server. */
function formatOk(format: string, value: unknown): boolean {
  switch (format) {
    case 'int32':
      return typeof value !== 'number' || (value >= -2147483648 && value <= 2147483647);
    case 'int64':
      return typeof value !== 'number' || Number.isSafeInteger(value);
    case 'date-time':
      return typeof value !== 'string' || (DATE_TIME.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T'))));
    case 'ipv4':
      return typeof value !== 'string' || isIP(value) === 4;
    case 'ipv6':
      return typeof value !== 'string' || isIP(value) === 6;
    case 'hostname':
      return typeof value !== 'string' || (value.length <= 255 && HOSTNAME.test(value));
    default:
      return true;
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Validates `value` (already defaulted) at `path` against `schema`, reporting every problem.
 * `value` is never undefined here: absent fields are the parent's `required` business.
 */
export function validateStructure(value: unknown, schema: Schema, path: FieldPath, sink: Sink): void {
  // The path's text, built only for a message: formatting it for every node of every object
  // was a string per node a cold load (~1M at N = 10k) for messages almost never written.
  const where = (): string => formatFieldPath(path) || '<root>';
  if (value === null && schema.nullable === true) return;
  if (!typeMatches(value, schema)) {
    const want = schema['x-kubernetes-int-or-string'] === true ? 'integer or string' : (schema.type ?? 'object');
    const got = jsonType(value);
    sink.error('schema_type', path, invalid(got, `${where()} in body must be of type ${want}: ${JSON.stringify(got)}`));
    return;
  }

  if (schema.enum !== undefined && (typeof value === 'string' || typeof value === 'number') && !schema.enum.includes(value)) {
    sink.error('schema_enum', path, unsupported(value, schema.enum));
  }

  if (typeof value === 'string') {
    const len = codePoints(value);
    if (schema.maxLength !== undefined && len > schema.maxLength) sink.error('schema_limit', path, tooLong(schema.maxLength));
    if (schema.minLength !== undefined && len < schema.minLength) {
      sink.error('schema_limit', path, invalid(value, `${where()} in body should be at least ${schema.minLength} chars long`));
    }
    if (schema.pattern !== undefined) {
      const re = compiledPattern(schema.pattern);
      if (re !== null && !re.test(value)) {
        sink.error('schema_pattern', path, invalid(value, `${where()} in body should match '${schema.pattern}'`));
      }
    }
  }

  if (typeof value === 'number') {
    if (schema.minimum !== undefined) {
      const bad = schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum;
      if (bad) {
        const rel = schema.exclusiveMinimum === true ? 'greater than' : 'greater than or equal to';
        sink.error('schema_limit', path, invalid(value, `${where()} in body should be ${rel} ${schema.minimum}`));
      }
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      sink.error('schema_limit', path, invalid(value, `${where()} in body should be less than or equal to ${schema.maximum}`));
    }
  }

  if (schema.format !== undefined && !formatOk(schema.format, value)) {
    sink.error('schema_format', path, invalid(value, `${where()} in body must be of type ${schema.format}: ${JSON.stringify(String(value))}`));
  }

  if (Array.isArray(value)) validateArray(value, schema, path, where, sink);
  else if (isPlainObject(value)) validateObjectNode(value, schema, path, where, sink);

  validateCombinators(value, schema, path, where, sink);
}

function validateArray(value: unknown[], schema: Schema, path: FieldPath, where: () => string, sink: Sink): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) sink.error('schema_limit', path, tooMany(value.length, schema.maxItems));
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    sink.error('schema_limit', path, invalid(value.length, `${where()} in body should have at least ${schema.minItems} items`));
  }
  if (schema.items !== undefined) {
    for (let i = 0; i < value.length; i++) validateStructure(value[i], schema.items, [...path, i], sink);
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen = new Set<string>();
    for (let i = 0; i < value.length; i++) {
      const key = JSON.stringify(value[i]);
      if (seen.has(key)) sink.error('duplicate_key_in_list', [...path, i], duplicate(value[i]));
      seen.add(key);
    }
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (!isPlainObject(item)) continue;
      const keyObj: Record<string, unknown> = {};
      for (const k of keys) if (item[k] !== undefined) keyObj[k] = item[k];
      const key = JSON.stringify(keyObj);
      if (seen.has(key)) sink.error('duplicate_key_in_list', [...path, i], duplicate(keyObj));
      seen.add(key);
    }
  }
}

function validateObjectNode(value: Record<string, unknown>, schema: Schema, path: FieldPath, where: () => string, sink: Sink): void {
  const props = schema.properties;
  const extra = schema.additionalProperties;
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) sink.error('schema_limit', path, tooMany(count, schema.maxProperties));
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    sink.error('schema_limit', path, invalid(count, `${where()} in body should have at least ${schema.minProperties} properties`));
  }
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) sink.error('schema_required', [...path, key], required());
  }
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const prop = props !== undefined && Object.hasOwn(props, key) ? props[key] : undefined;
    if (prop !== undefined) {
      validateStructure(v, prop, [...path, key], sink);
    } else if (extra !== undefined) {
      validateStructure(v, extra, [...path, key], sink);
    } else if (schema['x-kubernetes-preserve-unknown-fields'] !== true && (props !== undefined || schema.type === 'object')) {
      // `kubectl apply` uses strict field validation: an unknown field is an error, not silently pruned.
      const full = formatFieldPath([...path, key]);
      sink.error('schema_unknown_field', [...path, key], `unknown field "${full}"`);
    }
  }
}

/** Counts problems without reporting them, to probe anyOf / oneOf branches. */
class CountingSink implements Sink {
  count = 0;
  error(): void {
    this.count++;
  }
}

function matchesSchema(value: unknown, schema: Schema, path: FieldPath): boolean {
  const probe = new CountingSink();
  // Combinator branches in structural schemas only add value checks; a missing `type` means "any".
  validateStructure(value, { ...schema, 'x-kubernetes-preserve-unknown-fields': true }, path, probe);
  return probe.count === 0;
}

function validateCombinators(value: unknown, schema: Schema, path: FieldPath, where: () => string, sink: Sink): void {
  for (const sub of schema.allOf ?? []) validateStructure(value, { ...sub, 'x-kubernetes-preserve-unknown-fields': true }, path, sink);
  if (schema.anyOf !== undefined && schema.anyOf.length > 0 && !schema.anyOf.some((s) => matchesSchema(value, s, path))) {
    sink.error('schema_combinator', path, invalid(value, `${where()} in body must validate at least one schema (anyOf)`));
  }
  const not = schema.not;
  if (not !== undefined && matchesSchema(value, not, path)) {
    sink.error('schema_combinator', path, invalid(value, `${where()} in body must not validate the schema (not)`));
  }
  if (schema.oneOf !== undefined && schema.oneOf.length > 0) {
    const n = schema.oneOf.filter((s) => matchesSchema(value, s, path)).length;
    if (n !== 1) sink.error('schema_combinator', path, invalid(value, `${where()} in body must validate one and only one schema (oneOf)`));
  }
}
