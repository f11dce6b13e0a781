/**
 * What a real API server stores is validated and defaulted; the fake one stores what it is given.
 * Seeding it with objects passed through lastmile's own validation (the same verdict, with
 * defaults) gives the Kubernetes source what a cluster would send.
 */
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/meta.ts';
import type { Origin } from '../../src/sources/origin.ts';
import { validateObject } from '../../src/validation/validate.ts';

/** The object as the API server would store it; fails the test if it is invalid. */
export function defaulted(object: unknown): KubeObject {
  const origin: Origin = { file: 'seed', line: 1, col: 1 };
  const { object: valid, diagnostics } = validateObject({ object, origin, positionOf: () => origin });
  assert.ok(valid, `seed object is invalid: ${JSON.stringify(diagnostics)}`);
  return valid;
}
