/**
 * Schema defaulting, a pass of its own before any validation, in the API server's order
 * (ecosystem.md 4: defaults BEFORE structural validation and CEL; a rule such as the targetRefs
 * uniqueness check compares `group`, which is often only there because of a default).
 */
import type { Schema } from './types.ts';
import { deepCopy, isPlainObject } from '../values.ts';

/**
 * Fills in defaults in place. Like the API server (structural defaulting), a `null` for a
 * non-nullable field is replaced by the default, or dropped when the field has none.
 * Walks only where the value's shape matches the schema; mismatches are for validation to report.
 */
export function applyDefaults(value: unknown, schema: Schema): void {
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  const props = schema.properties;
  if (props !== undefined) {
    for (const [key, prop] of Object.entries(props)) {
      const has = Object.hasOwn(value, key);
      const v = has ? value[key] : undefined;
      if (!has || (v === null && prop.nullable !== true)) {
        if (prop.default !== undefined) value[key] = deepCopy(prop.default);
        else if (has) delete value[key];
      }
      if (Object.hasOwn(value, key)) applyDefaults(value[key], prop);
    }
  }
  const extra = schema.additionalProperties;
  if (extra !== undefined) {
    for (const key of Object.keys(value)) {
      if (props !== undefined && Object.hasOwn(props, key)) continue;
      if (value[key] === null && extra.nullable !== true) {
        if (extra.default !== undefined) value[key] = deepCopy(extra.default);
        else delete value[key];
      }
      if (Object.hasOwn(value, key)) applyDefaults(value[key], extra);
    }
  }
}
