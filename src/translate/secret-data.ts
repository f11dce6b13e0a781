/** Reading Secret values and checking certificate/key pairs (no secret material in messages). */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Secret } from '../api/core.ts';

/** A Secret value, decoded from base64 `data` (or plain `stringData` if the writer left it). */
export function secretValue(secret: Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  if (typeof b64 === 'string') return Buffer.from(b64, 'base64').toString('utf8');
  const plain = secret.stringData?.[key];
  return typeof plain === 'string' ? plain : undefined;
}

export type KeyPairResult =
  | { readonly ok: true; readonly certPem: string; readonly keyPem: string }
  | { readonly ok: false; readonly why: string };

/**
 * Checks that `tls.crt` and `tls.key` of a Secret parse and belong together. Messages say what is
 * wrong, never what the Secret contains.
 */
export function readKeyPair(secret: Secret): KeyPairResult {
  const certPem = secretValue(secret, 'tls.crt');
  const keyPem = secretValue(secret, 'tls.key');
  if (certPem === undefined || certPem.trim() === '') return { ok: false, why: 'has no tls.crt' };
  if (keyPem === undefined || keyPem.trim() === '') return { ok: false, why: 'has no tls.key' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { ok: false, why: 'tls.crt is not a PEM certificate' };
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return { ok: false, why: 'tls.key is not a PEM private key' };
  }
  if (!cert.checkPrivateKey(key)) return { ok: false, why: 'tls.key does not match the certificate in tls.crt' };
  return { ok: true, certPem: certPem.endsWith('\n') ? certPem : certPem + '\n', keyPem: keyPem.endsWith('\n') ? keyPem : keyPem + '\n' };
}
