/**
 * Assertions shared by the kind schema tests: validate a YAML manifest through the real engine,
 * then check either that it is valid or that a given error is reported at a given field.
 * Test-only (imported by *.test.ts beside it).
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../api/meta.ts';
import type { Diagnostic } from '../../diagnostic.ts';
import { sourced } from '../../testing.ts';
import { validateObject } from '../../validate.ts';

export interface Validated {
  readonly object: KubeObject | undefined;
  readonly errors: readonly Diagnostic[];
}

/** Validate one manifest as the engine would (defaults applied, then schema and CEL checks). */
export function validateYaml(yamlText: string): Validated {
  const result = validateObject(sourced(yamlText, 'test.yaml'));
  return {
    object: result.object,
    errors: result.diagnostics.filter((d) => d.severity === 'error'),
  };
}

function show(errors: readonly Diagnostic[]): string {
  return errors.map((d) => `  [${d.code}] ${d.field ?? '<root>'}: ${d.message}`).join('\n') || '  (none)';
}

/** The manifest has no errors; returns the defaulted object. */
export function assertValid(yamlText: string): KubeObject {
  const { object, errors } = validateYaml(yamlText);
  assert.equal(errors.length, 0, `expected no errors, got:\n${show(errors)}`);
  assert.ok(object, 'a valid object comes back');
  return object;
}

/** The manifest has an error at exactly `field` whose message contains `message`. */
export function assertError(yamlText: string, field: string, message: string): Diagnostic {
  const { errors } = validateYaml(yamlText);
  const hit = errors.find((d) => d.field === field && d.message.includes(message));
  assert.ok(hit, `expected an error at ${field} containing ${JSON.stringify(message)}, got:\n${show(errors)}`);
  return hit;
}

/** Walks a defaulted object by keys and indices (test convenience). */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}
