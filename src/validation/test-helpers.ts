/**
 * Assertions for the validation tests: run a YAML manifest through validateObject and check one
 * diagnostic exactly (code, field, message, line and column). Test-only.
 */
import assert from 'node:assert/strict';
import type { Diagnostic } from './diagnostic.ts';
import { formatDiagnostic } from './diagnostic.ts';
import { sourced } from './testing.ts';
import { validateObject, type ValidationResult } from './validate.ts';

export function check(yamlText: string): ValidationResult {
  return validateObject(sourced(yamlText, 'test.yaml'));
}

/** Line and column (1-based) of the `nth` occurrence of `needle` in `text`. */
export function posOf(text: string, needle: string, nth = 1): { line: number; col: number } {
  let idx = -1;
  for (let i = 0; i < nth; i++) {
    idx = text.indexOf(needle, idx + 1);
    assert.ok(idx >= 0, `test bug: ${JSON.stringify(needle)} not found`);
  }
  const before = text.slice(0, idx);
  const line = before.split('\n').length;
  const col = idx - before.lastIndexOf('\n');
  return { line, col };
}

function show(ds: readonly Diagnostic[]): string {
  return ds.map((d) => `  ${d.severity} [${d.code}] ${formatDiagnostic(d)}`).join('\n') || '  (none)';
}

export interface Expected {
  readonly code: string;
  readonly field: string;
  /** Exact message, or a RegExp it must match. */
  readonly message: string | RegExp;
  /** Where: the text the diagnostic must point at (its first occurrence), or explicit line/col. */
  readonly at?: string | { line: number; col: number };
  readonly severity?: 'error' | 'warning';
  readonly condition?: string;
}

/** Asserts a diagnostic matching `want` exists; returns it. Also asserts that errors withhold the object. */
export function expectDiagnostic(yamlText: string, want: Expected): Diagnostic {
  const result = check(yamlText);
  const severity = want.severity ?? 'error';
  const hit = result.diagnostics.find(
    (d) =>
      d.severity === severity &&
      d.code === want.code &&
      d.field === (want.field === '' ? undefined : want.field) &&
      (typeof want.message === 'string' ? d.message === want.message : want.message.test(d.message)),
  );
  assert.ok(hit, `expected ${severity} [${want.code}] ${want.field}: ${String(want.message)}\ngot:\n${show(result.diagnostics)}`);
  if (want.at !== undefined) {
    const pos = typeof want.at === 'string' ? posOf(yamlText, want.at) : want.at;
    assert.deepEqual({ line: hit.line, col: hit.col }, pos, `position of ${formatDiagnostic(hit)}`);
  }
  assert.equal(hit.file, 'test.yaml');
  if (want.condition !== undefined) assert.equal(hit.condition, want.condition);
  if (severity === 'error') assert.equal(result.object, undefined, 'an object with errors is not returned');
  return hit;
}

/** Asserts there is no error (warnings allowed) and returns the defaulted object. */
export function expectValid(yamlText: string): Record<string, unknown> {
  const result = check(yamlText);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, `expected no errors, got:\n${show(errors)}`);
  assert.ok(result.object, 'a valid object comes back');
  return result.object;
}

/** The warnings of a valid object. */
export function warningsOf(yamlText: string): Diagnostic[] {
  const result = check(yamlText);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, `expected no errors, got:\n${show(errors)}`);
  return result.diagnostics.filter((d) => d.severity === 'warning');
}
