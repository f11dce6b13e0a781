/**
 * Collects the diagnostics of one object, each placed at its source position and tagged with the
 * object's identity, so checks only say what is wrong and where in the object.
 */
import type { Diagnostic, Severity } from './diagnostic.ts';
import { formatFieldPath, type FieldPath, type SourcedObject } from '../sources/origin.ts';

/** Who the diagnostics are about. Mutable: name and namespace become known as checks go. */
export interface Identity {
  kind?: string;
  namespace?: string;
  name?: string;
}

export interface ReportOptions {
  /** The condition the controller will set (implementation checks). */
  readonly condition?: string;
  /** The field text when Kubernetes prints it differently from the path, e.g. `data[tls.crt]`. */
  readonly field?: string;
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  readonly identity: Identity;
  readonly #doc: SourcedObject;

  constructor(doc: SourcedObject, identity: Identity = {}) {
    this.#doc = doc;
    this.identity = identity;
  }

  error(code: string, path: FieldPath, message: string, opts?: ReportOptions): void {
    this.add('error', code, path, message, opts);
  }

  warning(code: string, path: FieldPath, message: string, opts?: ReportOptions): void {
    this.add('warning', code, path, message, opts);
  }

  /** True when an error was reported since `mark` (a previous `diagnostics.length`). */
  erredSince(mark: number): boolean {
    for (let i = mark; i < this.diagnostics.length; i++) if (this.diagnostics[i]?.severity === 'error') return true;
    return false;
  }

  add(severity: Severity, code: string, path: FieldPath, message: string, opts?: ReportOptions): void {
    let pos: { file: string; line: number; col: number } | undefined;
    try {
      pos = this.#doc.positionOf(path);
    } catch {
      // A position is a convenience; a faulty lookup must not hide the problem itself.
      pos = this.#doc.origin;
    }
    const field = opts?.field ?? formatFieldPath(path);
    const { kind, namespace, name } = this.identity;
    this.diagnostics.push({
      severity,
      code,
      file: pos.file,
      line: pos.line,
      col: pos.col,
      ...(kind !== undefined ? { kind } : {}),
      ...(namespace !== undefined && namespace !== '' ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(field !== '' ? { field } : {}),
      message,
      ...(opts?.condition !== undefined ? { condition: opts.condition } : {}),
    });
  }
}
