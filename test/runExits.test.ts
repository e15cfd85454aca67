// The exit codes of dmflow run and dmflow glrl (docs/exit-codes.md): 0 when the
// command reached what was asked, 1 when it ended on a failure or plateau
// status (the full result still printed), 2 on refused input. And runs that
// converge before their last save time integrate on to it (docs/runs.md,
// "Save times"). Everything through the built bin.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { randomSpec } from './helpers/randomSpecs.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-run-exits-'));
let files = 0;
const write = (value: unknown) => { const p = join(dir, `spec-${files++}.json`); writeFileSync(p, JSON.stringify(value)); return p; };

const A = [[1, 2], [3, 4]];
const small = { target: A, observed: { kind: 'all' }, depth: 2, init: { kind: 'gaussian', std: 0.3, seed: 1 } };

/** Run a spec through the bin: its exit code and the printed result (always a whole JSON object). */
function runBin(spec: unknown, args: string[] = []) {
  const r = cli(['run', write(spec), ...args]);
  expect(r.stderr).toBe('');
  return { code: r.status, result: JSON.parse(r.stdout) as { status: string; t: number; loss: number; lossTol: number; convergedAt?: number; minimum?: unknown; sensitive?: boolean; message: string; trajectory?: { t: number; loss: number; singularValues: number[] }[] } };
}

describe('dmflow run exits 0 when it reached what was asked, else 1, and prints the result either way', () => {
  const cases: [string, unknown, string[], string, 0 | 1][] = [
    ['converged at lossTol', small, [], 'converged', 0],
    ['a minimum of the width-1 model', { ...small, width: 1 }, [], 'converged', 0],
    ['t-max the spec sets', { ...small, solver: { tMax: 1 } }, [], 't-max', 0],
    ['lossTol 0: integrate to tMax', { ...small, solver: { lossTol: 0, tMax: 5 } }, [], 't-max', 0],
    ['t-max at the default tMax (never reached lossTol)', { ...small, width: 1, solver: { plateauStop: false } }, [], 't-max', 1],
    ['max-steps', { ...small, solver: { maxSteps: 5 } }, [], 'max-steps', 1],
    ['max-evals', { ...small, solver: { maxEvals: 30 } }, [], 'max-evals', 1],
    ['diverged (gd, lr 2)', { ...small, solver: { method: 'gd', lr: 2 } }, [], 'diverged', 1],
    ['a saddle held by exact zeros', { target: [[3, 0], [0, 1]], observed: { kind: 'all' }, depth: 2, init: { kind: 'layers', layers: [[[0.5, 0], [0, 0]], [[0.5, 0], [0, 0]]] } }, [], 'saddle', 1],
  ];
  for (const [what, spec, args, status, code] of cases) {
    it(`${what}: ${status}, exit ${code}`, () => {
      const r = runBin(spec, args);
      expect(r.result.status).toBe(status);
      expect(r.code).toBe(code);
    });
  }

  it('time-limit: the wall-clock budget the user gave is what was asked (exit 0)', () => {
    // A 40x40 depth-4 run from a small init takes far longer than 1 ms.
    const spec = { target: { kind: 'low-rank', size: [40, 40], rank: 3, seed: 1 }, observed: { kind: 'random', count: 800, seed: 2 }, depth: 4, init: { kind: 'gaussian', productScale: 1e-3, seed: 3 } };
    const r = runBin(spec, ['--max-time', '1ms']);
    expect(r.result.status).toBe('time-limit');
    expect(r.code).toBe(0);
  });

  it('an end state the verification repeat moves (sensitive) exits 1 even though it converged', () => {
    const r = cli(['run', join(import.meta.dirname, 'fixtures', 'sensitive-5x8.json'), '--verify']);
    const result = JSON.parse(r.stdout) as { status: string; sensitive: boolean };
    expect(result.status).toBe('converged');
    expect(result.sensitive).toBe(true);
    expect(r.status).toBe(1);
  });

  it('on a seeded population with random budgets, the code follows the printed status and the spec as written', () => {
    let seen = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const base = randomSpec(25, i, { maxSide: 6 }).spec;
      // Budgets drawn so that every ending occurs: the spec's own tMax or none, tight step and evaluation budgets, lossTol 0.
      const solver: Record<string, unknown> = { ...(base.solver ?? {}) };
      if (i % 4 === 1) solver.tMax = 0.5 + i;
      if (i % 6 === 2) solver.maxSteps = 3 + i;
      if (i % 6 === 3) solver.maxEvals = 20 + 5 * i;
      if (i % 8 === 5) { solver.lossTol = 0; solver.tMax = 2; }
      const spec = { ...base, solver };
      const r = runBin(spec);
      const asked = solver.tMax !== undefined || solver.lossTol === 0;
      const expected = r.result.status === 'converged' || r.result.status === 'time-limit' || (r.result.status === 't-max' && asked) ? 0 : 1;
      expect(r.code, `${JSON.stringify(spec)} -> ${r.result.status}`).toBe(expected);
      seen = seen.add(`${r.result.status}:${r.code}`);
    }
    // The population reaches both codes.
    expect([...seen].some((s) => s.endsWith(':0'))).toBe(true);
    expect([...seen].some((s) => s.endsWith(':1'))).toBe(true);
  });

  it('refused input exits 2 with one line and no result', () => {
    const { depth: _, ...rest } = small;
    const r = cli(['run', write({ ...rest, depht: 2 })]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dmflow: spec: unknown key "depht" \(did you mean "depth"\?\)\n$/);
  });
});

describe('targets across the double range: a true verdict or a refusal, never a false one', () => {
  const ones = (scale: number, depth: number) => ({ target: { kind: 'ones', size: [2, 2], scale }, observed: { kind: 'all' }, depth, init: { kind: 'gaussian', std: 0.3, seed: 1 } });
  for (const [scale, depth] of [[1e150, 2], [1e100, 2], [1e20, 3]] as const) {
    it(`entries ${scale}, depth ${depth}: converges to the target (factors of about its L-th root are no divergence)`, () => {
      const r = runBin(ones(scale, depth));
      expect(r.code).toBe(0);
      expect(r.result.status).toBe('converged');
      expect(r.result.loss).toBeLessThanOrEqual(r.result.lossTol);
      // The target is rank 1 with singular value 2 * scale; the fit to 1e-12 of its energy puts W within 1e-5 of it.
      const sigma = (r.result as unknown as { singularValues: number[] }).singularValues;
      expect(Math.abs(sigma[0] / (2 * scale) - 1)).toBeLessThan(1e-5);
    });
  }
  it('a target whose energy overflows, or whose relative loss tolerance underflows, is refused (exit 2) naming spec.target', () => {
    const huge = cli(['run', write(ones(1e160, 2))]);
    expect(huge.status).toBe(2);
    expect(huge.stderr).toMatch(/^dmflow: spec\.target: expected observed entries whose squares sum to a finite double .* got a target energy of Infinity: scale the target down\n$/);
    const tiny = cli(['run', write(ones(1e-160, 2))]);
    expect(tiny.status).toBe(2);
    expect(tiny.stderr).toMatch(/^dmflow: spec\.target: expected a target energy of at least 2\.23e-296 .* got 2\.00e-320: scale the target up, or give solver\.lossTol\n$/);
    // With its own lossTol the tiny target runs (and says honestly whether it got there).
    const own = cli(['run', write({ ...ones(1e-160, 2), solver: { lossTol: 1e-300, tMax: 10 } })]);
    expect(own.status).toBe(0);
    expect(JSON.parse(own.stdout).status).toBe('t-max');
  });
});

describe('dmflow glrl exits 0 at a solution or the rank the user set, 1 otherwise', () => {
  it('the embedded examples converge (exit 0); --max-rank 1 on the rank-3 example ends at the rank asked (exit 0)', () => {
    for (const ex of ['counter-example', 'rank-3', 'psd']) {
      const r = cli(['glrl', '--example', ex]);
      expect(JSON.parse(r.stdout).status, ex).toBe('converged');
      expect(r.status, ex).toBe(0);
    }
    const capped = cli(['glrl', '--example', 'rank-3', '--max-rank', '1']);
    expect(JSON.parse(capped.stdout).status).toBe('max-rank');
    expect(capped.status).toBe(0);
  });
});

describe('a run that converges before its last save time integrates on to it', () => {
  const spec = { ...small, save: { times: [1, 10, 100] } };

  it('keeps every save time, says when it converged, and exits 0', () => {
    const r = runBin(spec);
    expect(r.code).toBe(0);
    expect(r.result.status).toBe('converged');
    expect(r.result.trajectory!.map((p) => p.t)).toEqual([1, 10, 100]);
    expect(r.result.convergedAt).toBeGreaterThan(10);
    expect(r.result.convergedAt).toBeLessThan(100);
    expect(r.result.t).toBeGreaterThanOrEqual(100);
    expect(r.result.loss).toBeLessThanOrEqual(r.result.lossTol);
    expect(r.result.message).toMatch(/converged at t = .*, then integrated on to the last save time 100$/);
  });

  it('the states at the save times are the flow\'s: the same as a run that integrates to t = 100 without stopping', () => {
    const r = runBin(spec).result;
    const whole = runBin({ ...small, save: { times: [1, 10, 100] }, solver: { lossTol: 0, tMax: 100 } }).result;
    expect(whole.convergedAt).toBeUndefined();
    for (let k = 0; k < 3; k++) {
      const a = r.trajectory![k].singularValues, b = whole.trajectory![k].singularValues;
      // Both integrations at rtol 1e-8 on the same flow: their paths agree to the tolerance's scale.
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, b[0]));
    }
  });

  it('save times within the run need nothing more: no convergedAt, the run ends where it converged', () => {
    const r = runBin({ ...small, save: { times: [1, 10] } }).result;
    expect(r.convergedAt).toBeUndefined();
    expect(r.trajectory!.map((p) => p.t)).toEqual([1, 10]);
    expect(r.t).toBeGreaterThan(10);
  });
});
