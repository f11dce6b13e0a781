/**
 * The parse part of serve's start-up edit rehearsal (serve.ts rehearseEdit): warms the code an
 * edited manifest runs through, with no effect.
 */
import { decodeManifest } from '../sources/file/decode.ts';
import { splitDocuments } from '../sources/file/documents.ts';
import { readManifestBytesSync } from '../sources/file/read.ts';
import type { Snapshot } from '../store/snapshot.ts';
import { validateObject } from '../validation/validate.ts';
import { fileOutcome, sha256 } from './config-loader-files.ts';

/**
 * The loader's part of an edit (config-loader-files.ts fileOutcome) on a copy: the document
 * holding the first BackendTLSPolicy (else the first of `fallback`) is read again, then parsed
 * and validated as a new document next to itself unchanged, as an edit of its file is (the
 * unchanged pieces reused, the new one parsed alone). The outcome is thrown away: nothing is
 * stored or logged. Without it the first edit parsed cold (~20 ms at N = 10k), as serve's
 * rehearsal load of an unchanged file is answered from the loader's cache. True when the piece
 * path ran; a failure is the next real edit's to meet.
 */
export function rehearseParse(snapshot: Snapshot, fallback: string | undefined): boolean {
  try {
    const origin = snapshot.list('BackendTLSPolicy')[0]?.origin;
    const file = origin?.file ?? fallback;
    if (file === undefined) return false;
    const read = readManifestBytesSync(file);
    if (!('bytes' in read)) return false;
    sha256(read.bytes, 'hex');
    const decoded = decodeManifest(read.bytes, file);
    const split = 'text' in decoded ? splitDocuments(decoded.text) : undefined;
    // The piece holding the policy: the last one starting at or above its line.
    let piece = split?.[0];
    for (const p of split ?? []) if (p.line <= (origin?.line ?? 1)) piece = p;
    if (piece === undefined) return false;
    const text = piece.text.endsWith('\n') ? piece.text : `${piece.text}\n`;
    // The same document again after its own `---` line and a comment: a piece with new text.
    const copy = `---\n# rehearsal\n${text.replace(/^---[^\n]*\n/, '')}`;
    const encoder = new TextEncoder();
    const before = fileOutcome(file, encoder.encode(text), undefined, validateObject);
    return fileOutcome(file, encoder.encode(text + copy), before.pieces, validateObject).pieces !== undefined;
  } catch {
    return false; // Nothing to do: this only warms code up.
  }
}
