import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from '../test-helpers.ts';

/** An HTTPRoute whose one rule has `paths` path matches, in order. */
function route(paths: readonly string[]): string {
  const matches = paths.map((p) => `        - path: {type: PathPrefix, value: "${p}"}`).join('\n');
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  rules:
    - matches:
${matches}
`;
}

// The CEL pass cache (cel.ts) remembers values whose rules all passed. A value that fails must
// still fail at every place it appears, before and after the same node has cached passes, and
// past the trial after which a node with few repeats stops caching.
test('CEL rules give the same verdicts when values repeat (pass cache)', () => {
  for (let round = 0; round < 3; round++) {
    const valid = check(route(['/api', '/api', '/api']));
    assert.deepEqual(valid.diagnostics.filter((d) => d.severity === 'error'), []);
    const bad = check(route(['/api', '/a/../b', '/api', '/a/../b']));
    const errors = bad.diagnostics.filter((d) => d.severity === 'error' && d.code === 'cel_rule');
    assert.equal(errors.length, 2, JSON.stringify(bad.diagnostics));
    assert.deepEqual(errors.map((d) => d.field), ['spec.rules[0].matches[1].path', 'spec.rules[0].matches[3].path']);
  }
  // Many distinct values: the trial ends and the node may stop caching; verdicts are unchanged.
  for (let i = 0; i < 300; i++) {
    const r = check(route([`/p${i}`, `/p${i}/..`]));
    assert.equal(r.diagnostics.filter((d) => d.code === 'cel_rule').length, 1, `round ${i}`);
  }
});
