/**
 * Secret checks as the API server makes them (ValidateSecret and the decoding of base64 `data`).
 * Secret values never appear in a message (design.md: secrets never reach logs or errors).
 */
import type { Reporter } from '../report.ts';
import { required } from '../messages.ts';
import { isPlainObject } from '../values.ts';
import { checkKey, MAX_DATA_BYTES } from './configmap.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks a Secret and stores it as the API server does: `stringData` merged into `data` as
 * base64 (stringData wins), `type` defaulted to Opaque.
 */
export function checkSecret(obj: Record<string, unknown>, r: Reporter): void {
  if (obj['type'] === undefined || obj['type'] === '') obj['type'] = 'Opaque';
  const data: Record<string, unknown> = isPlainObject(obj['data']) ? obj['data'] : {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    checkKey('data', key, r);
    if (typeof value !== 'string') continue;
    // Whitespace and newlines are what YAML block scalars add; Go's decoder rejects them in JSON
    // strings too, but a folded YAML value reaches the API server joined, so accept it here.
    const compact = value.replace(/\s+/g, '');
    const bad = firstBadBase64Byte(compact);
    if (bad !== undefined) {
      r.error('secret_data', ['data', key], `illegal base64 data at input byte ${bad} (value not shown)`, { field: `data[${key}]` });
    } else {
      data[key] = compact;
      size += Buffer.byteLength(compact, 'base64');
    }
  }
  const stringData = obj['stringData'];
  if (isPlainObject(stringData)) {
    for (const [key, value] of Object.entries(stringData)) {
      checkKey('stringData', key, r);
      if (typeof value === 'string') {
        const encoded = Buffer.from(value, 'utf8').toString('base64');
        if (!Object.hasOwn(data, key)) size += Buffer.byteLength(value);
        data[key] = encoded;
      }
    }
    delete obj['stringData'];
  }
  if (Object.keys(data).length > 0 || obj['data'] !== undefined) obj['data'] = data;
  if (size > MAX_DATA_BYTES) r.error('schema_limit', ['data'], `Too long: must have at most ${MAX_DATA_BYTES} bytes`);

  if (obj['type'] === 'kubernetes.io/tls') {
    // ValidateSecret: both keys must be present (their content is checked where it is used).
    for (const key of ['tls.crt', 'tls.key']) {
      if (!Object.hasOwn(data, key)) r.error('schema_required', ['data'], required(), { field: `data[${key}]` });
    }
  }
}

/** The offset Go's base64 decoder reports for the first illegal byte, or undefined when valid. */
function firstBadBase64Byte(s: string): number | undefined {
  if (BASE64.test(s)) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    // The whole string failed the pattern, so a padding byte here is misplaced.
    if (c === '=' || !/[A-Za-z0-9+/]/.test(c)) return i;
  }
  // Valid alphabet but wrong length: Go reports the end of the last full quantum.
  return s.length - (s.length % 4);
}
