/**
 * Golden translation tests: every test/golden/translate/<case>.in.yaml is translated (see
 * harness.ts) and compared exactly with <case>.out.yaml. `UPDATE_GOLDEN=1` rewrites the outputs;
 * without it a missing output fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CasePki, loadCase, render, runSteps } from './harness.ts';

const DIR = join(import.meta.dirname, 'translate');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const cases = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).sort();

for (const file of cases) {
  const name = file.slice(0, -'.in.yaml'.length);
  test(`golden: ${name}`, async () => {
    const pki = new CasePki();
    const steps = await loadCase(pki, readFileSync(join(DIR, file), 'utf8'));
    const results = runSteps(steps);
    const text = stringify(render(pki, results), { lineWidth: 0, aliasDuplicateObjects: false });
    assert.doesNotMatch(text, /\{\{UNKNOWN_PEM\}\}/, 'every PEM in the output is one the harness generated');

    // Determinism: the same snapshots translate to deep-equal output, and the IR is frozen.
    const again = runSteps(steps);
    assert.deepEqual(again.map((r) => ({ ...r, statuses: [...r.statuses] })), results.map((r) => ({ ...r, statuses: [...r.statuses] })));
    for (const r of results) assert.ok(Object.isFrozen(r.ir) && Object.isFrozen(r.ir.listeners));

    const outPath = join(DIR, `${name}.out.yaml`);
    if (UPDATE) {
      writeFileSync(outPath, text);
      return;
    }
    assert.ok(existsSync(outPath), `${name}.out.yaml is missing: run with UPDATE_GOLDEN=1 and review it`);
    assert.equal(text, readFileSync(outPath, 'utf8'));
  });
}
