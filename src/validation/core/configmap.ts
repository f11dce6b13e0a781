/** ConfigMap checks as the API server makes them (ValidateConfigMap). */
import type { Reporter } from '../report.ts';
import { configMapKey } from '../names.ts';
import { invalid } from '../messages.ts';
import { isPlainObject } from '../values.ts';

/** The API server's limit on the total size of a ConfigMap's or Secret's data (1 MiB). */
export const MAX_DATA_BYTES = 1024 * 1024;

export function checkConfigMap(obj: Record<string, unknown>, r: Reporter): void {
  const data = isPlainObject(obj['data']) ? obj['data'] : {};
  const binary = isPlainObject(obj['binaryData']) ? obj['binaryData'] : {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    checkKey('data', key, r);
    if (Object.hasOwn(binary, key)) {
      r.error('duplicate_key', ['data', key], invalid(key, 'duplicate of key present in binaryData'), { field: `data[${key}]` });
    }
    if (typeof value === 'string') size += Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(binary)) {
    checkKey('binaryData', key, r);
    if (typeof value === 'string') size += Buffer.byteLength(value, 'base64');
  }
  if (size > MAX_DATA_BYTES) r.error('schema_limit', [], `Too long: must have at most ${MAX_DATA_BYTES} bytes`, { field: '' });
}

/** `data[key]: Invalid value: "key": a valid config key must ...` */
export function checkKey(field: string, key: string, r: Reporter): void {
  for (const msg of configMapKey(key)) r.error('schema_pattern', [field, key], invalid(key, msg), { field: `${field}[${key}]` });
}
