// The "model" field: the factored models' spec errors, and the commands that
// cover the deep model only saying so.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFactorProblem, buildProblem } from '../src/index.js';
import { cli } from './helpers/cli.js';
import { inputErrorOf } from './helpers/inputError.js';

const ok = {
  model: { kind: 'udv', rank: 2, ball: 'frobenius', radius: 1 },
  target: [[1, 2, 0], [3, 4, 1]],
  observed: [[1, 0, 1], [1, 1, 0]],
  init: { kind: 'gaussian', std: 0.1, seed: 1 },
} as const;
const sym = { ...ok, model: { kind: 'udu', rank: 2 }, target: [[2, 1], [1, 3]], observed: { kind: 'all' } };

const errorOf = (spec: unknown): string => inputErrorOf(buildFactorProblem, spec);

const cases: [string, unknown, RegExp][] = [
  ['depth with udv', { ...ok, depth: 2 }, /^spec\.depth: not used by the udv model/],
  ['width with udv', { ...ok, width: 3 }, /^spec\.width: not used by the udv model/],
  ['unknown ball', { ...ok, model: { ...ok.model, ball: 'spectral' } }, /^spec\.model\.ball: invalid (option|input)/],
  ['zero radius', { ...ok, model: { ...ok.model, radius: 0 } }, /^spec\.model\.radius: too small/],
  ['rank 0', { ...ok, model: { ...ok.model, rank: 0 } }, /^spec\.model\.rank: too small/],
  ['unknown model key', { ...ok, model: { ...ok.model, depth: 2 } }, /^spec\.model: unknown key "depth"/],
  ['method rkc', { ...ok, solver: { method: 'rkc' } }, /^spec\.solver\.method: expected "dopri5" .* or "gd"/],
  ['gd without lr', { ...ok, solver: { method: 'gd' } }, /^spec\.solver\.lr: expected a learning rate/],
  ['productScale init', { ...ok, init: { kind: 'gaussian', productScale: 0.1 } }, /^spec\.init: unknown key "productScale" \(valid keys for kind "gaussian": std, seed\); "std" is required$/],
  ['misspelled model key', { ...ok, model: { kind: 'udv', rnak: 2 } }, /^spec\.model: unknown key "rnak" \(did you mean "rank"\?\)$/],
  ['missing init', { model: ok.model, target: ok.target, observed: ok.observed }, /^spec\.init: required key missing \(a spec needs model, target, observed, init\)$/],
  ['identity-plus-ones init', { ...ok, init: { kind: 'identity-plus-ones', a: 1 } }, /^spec\.init\.kind: invalid discriminator value/],
  ['layers: two for udv', { ...ok, init: { kind: 'layers', layers: [[[0.1, 0], [0, 0.1]], [1, 1]] } }, /^spec\.init\.layers: expected \[U, d, V\] for model "udv", got 2/],
  ['layers: U of the wrong shape', { ...ok, init: { kind: 'layers', layers: [[[0.1, 0]], [1, 1], [[0.1, 0], [0, 0.1], [0, 0]]] } }, /^spec\.init\.layers\[0\]: expected U as 2x2 rows/],
  ['layers: d of the wrong length', { ...ok, init: { kind: 'layers', layers: [[[0.1, 0], [0, 0.1]], [1], [[0.1, 0], [0, 0.1], [0, 0]]] } }, /^spec\.init\.layers\[1\]: expected d as 2 numbers/],
  ['layers: U outside the ball', { ...ok, init: { kind: 'layers', layers: [[[1, 0], [0, 1]], [1, 1], [[0.1, 0], [0, 0.1], [0, 0]]] } }, /^spec\.init\.layers\[0\]: expected U in the ball of radius 1, got norm 1\.41/],
  ['udu on a non-square target', { ...sym, target: ok.target, observed: { kind: 'all' } }, /^spec\.target: expected a square target for model "udu", got 2x3/],
  ['udu on a non-symmetric target', { ...sym, target: [[2, 1], [0, 3]] }, /^spec\.target: expected a symmetric target for model "udu"/],
  ['udu on a non-symmetric mask', { ...sym, observed: [[1, 1], [0, 1]] }, /^spec\.observed: expected a symmetric mask for model "udu"/],
  ['udu with negative d', { ...sym, init: { kind: 'layers', layers: [[[0.1, 0], [0, 0.1]], [1, -1]] } }, /^spec\.init\.layers\[1\]: expected d >= 0 for model "udu"/],
  ['samples', { ...ok, save: { samples: 3 } }, /^spec\.save\.samples/],
];

describe('factored-model specs: one line naming the field', () => {
  it.each(cases.filter(([name]) => name !== 'samples'))('%s', (_name, spec, pattern) => {
    expect(errorOf(spec)).toMatch(pattern);
  });

  it('defaults: rank min(m, n), radius 1, frobenius; gaussian init projected into the balls', () => {
    const p = buildFactorProblem({ ...ok, model: { kind: 'udv' }, init: { kind: 'gaussian', std: 10, seed: 2 } });
    expect([p.k, p.radius, p.balls.length, p.size]).toEqual([2, 1, 2, 2 * 2 + 2 + 3 * 2]);
    const u = Math.hypot(...p.y0.subarray(0, 4)), v = Math.hypot(...p.y0.subarray(6));
    expect(Math.abs(u - 1)).toBeLessThan(1e-15);
    expect(Math.abs(v - 1)).toBeLessThan(1e-15);
  });

  it('the deep model: "model": {"kind": "deep"} builds the same problem as no model', () => {
    const deep = { target: ok.target, observed: ok.observed, depth: 2, init: ok.init };
    const a = buildProblem(deep), b = buildProblem({ ...deep, model: { kind: 'deep' } });
    expect(Array.from(b.y0)).toEqual(Array.from(a.y0));
    expect(inputErrorOf(buildProblem, { ...deep, model: { kind: 'deep', rank: 2 } })).toMatch(/^spec\.model: unknown key "rank"/);
  });
});

describe('commands that cover the deep model only say so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-udv-'));
  const file = join(dir, 'udv.json');
  writeFileSync(file, JSON.stringify(ok));
  it.each([['analyze'], ['check'], ['limit'], ['ode'], ['run', '--samples', '3'], ['run', '--checkpoint', join(dir, 'c.json')]])('%s', (...args) => {
    const r = cli([...args, file]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    if (args[0] === 'run') expect(r.stderr).toMatch(new RegExp(`^dmflow: ${args[1]}: expected none for model "udv"`));
    else expect(r.stderr).toMatch(/^dmflow: spec\.model: .*cover the deep model only \(W = W_L\.\.\.W_1\), got model\.kind "udv"/);
    if (args[0] === 'analyze' || args[0] === 'check') expect(r.stderr).toContain('the theorem families and the coupling kernel cover the deep model only');
  });
  it('run refuses save.samples for the factored models', () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify({ ...ok, save: { samples: 3 } }));
    const r = cli(['run', join(dir, 's.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dmflow: spec\.save\.samples: expected 0 for model "udv"/);
  });
});

describe('dmflow run on a udv spec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-udv-run-'));
  const spec = {
    model: { kind: 'udv', rank: 6, ball: 'frobenius' },
    target: { kind: 'low-rank', size: [6, 6], rank: 2, seed: 3 },
    observed: { kind: 'random', count: 24, seed: 3 },
    init: { kind: 'gaussian', std: 0.3, seed: 4 },
  };
  const runSpec = (name: string, s: object) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(s));
    const r = cli(['run', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  };

  it.each([
    ['flow, std 0.3', 0.3, { tMax: 1000, lossTol: 1e-12 }],
    ['flow, std 0.01', 0.01, { tMax: 1000, lossTol: 1e-12 }],
    ['projected GD, std 0.3', 0.3, { method: 'gd', lr: 0.02, tMax: 1000, lossTol: 1e-12 }],
    ['projected GD, std 0.01', 0.01, { method: 'gd', lr: 0.02, tMax: 1000, lossTol: 1e-12 }],
  ])('%s: constraint held, rank 2 with exact structure below', (name, std, solver) => {
    const out = runSpec(`${name.replace(/\W+/g, '-')}.json`, { ...spec, init: { ...spec.init, std }, solver });
    expect(out.model).toBe('udv');
    expect(out.status).toBe('converged');
    expect(out.constraint.violation).toBeLessThanOrEqual(1e-12);
    expect(out.constraint.U).toBeLessThanOrEqual(1 + 1e-12);
    expect(out.constraint.V).toBeLessThanOrEqual(1 + 1e-12);
    const s: number[] = out.singularValues;
    expect(s[1] / s[0]).toBeGreaterThan(0.1);
    // Far below the 1e-16 an SVD of the assembled matrix could resolve.
    expect(s[2] / s[0]).toBeLessThan(1e-30);
    if (!('method' in solver)) expect(out.switches).toBeGreaterThan(0); else expect(out.switches).toBe(0);
  });

  it('the same spec without "model" and with depth 2 runs as Burer–Monteiro', () => {
    const { model: _m, ...bm } = spec;
    const out = runSpec('bm.json', { ...bm, depth: 2, solver: { tMax: 1000, lossTol: 1e-12 } });
    expect(out.status).toBe('converged');
    expect(out.invariantDrift).toBeDefined();
    expect(out.constraint).toBeUndefined();
    expect(out.singularValues[2] / out.singularValues[0]).toBeGreaterThan(1e-16);
  });
});
