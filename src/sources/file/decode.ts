/**
 * Turns the bytes of a manifest file into text, or into one diagnostic when the file is not text.
 * Kept apart from the YAML parser so a binary file never reaches it: the parser would report
 * dozens of confusing syntax errors for what is one problem ("this is not a manifest").
 */
import type { Diagnostic } from '../../validation/diagnostic.ts';

/**
 * Files larger than this are refused without being read. The API server refuses requests over
 * 3 MiB (etcd's default request limit is 1.5 MiB per object), so no real object comes near it;
 * 8 MiB leaves room for a file holding several large objects (CA bundles in ConfigMaps) while a
 * stray log, tarball or generated dump is rejected before it costs memory and parse time.
 */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

const UTF8_BOM = 0xfeff;

/** `fatal: true` makes invalid UTF-8 throw instead of being replaced with U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes manifest bytes as strict UTF-8; NUL bytes or invalid UTF-8 mean a binary file. */
export function decodeManifest(bytes: Uint8Array, file: string): { text: string } | { diagnostic: Diagnostic } {
  // A NUL byte never appears in YAML text (YAML 1.2 section 5.1 excludes it from the printable set);
  // it is also what UTF-16 text looks like when read as bytes.
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { diagnostic: binaryDiagnostic(file, `contains a NUL byte at offset ${nul}`) };
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { diagnostic: binaryDiagnostic(file, 'is not valid UTF-8') };
  }
  // TextDecoder strips a leading BOM by default (ignoreBOM: false); keep this guard for clarity
  // should that option ever change.
  if (text.charCodeAt(0) === UTF8_BOM) text = text.slice(1);
  return { text };
}

function binaryDiagnostic(file: string, why: string): Diagnostic {
  return {
    severity: 'error',
    code: 'binary_file',
    file,
    message: `not a manifest: the file ${why} (binary data, or text in an encoding other than UTF-8)`,
  };
}

/** The diagnostic for a file over MAX_MANIFEST_BYTES. */
export function tooLargeDiagnostic(file: string, size: number): Diagnostic {
  return {
    severity: 'error',
    code: 'file_too_large',
    file,
    message: `file is ${formatBytes(size)}, over the ${formatBytes(MAX_MANIFEST_BYTES)} limit for a manifest file; it was not read`,
  };
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${n} bytes`;
}
