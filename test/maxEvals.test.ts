// maxEvals (issue 18): a bound on right-hand-side evaluations that every method
// honours, Runge–Kutta–Chebyshev's stages and spectral-radius estimates included.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_EVALS, parseSpec, solveIvp, type Rhs } from '../src/index.js';
import { cli } from './helpers/cli.js';

const oscillator: Rhs = (_t, y, dy) => { dy[0] = y[1]; dy[1] = -y[0]; };
// Stiff: rkc needs many stages per step (h rho large), so steps are few and evaluations many.
const heat: Rhs = (t, y, dy) => { dy[0] = -1e5 * (y[0] - Math.cos(t)); dy[1] = -y[1]; };

describe('maxEvals', () => {
  const cases: [string, Rhs, [number, number], object, number][] = [
    // method, f, span, options, largest evaluations one step (attempt) may take
    ['dopri5', oscillator, [0, 1000], { rtol: 1e-10 }, 6],
    ['auto', oscillator, [0, 1000], { rtol: 1e-10 }, 6],
    ['odex', oscillator, [0, 1000], { rtol: 1e-10 }, Infinity],
    ['gd', oscillator, [0, 1000], { lr: 1e-3 }, 1],
    ['rkc', heat, [0, 100], { rtol: 1e-6 }, 2000 + 50],
  ];
  it.each(cases)('%s stops with status max-evals and never passes the bound', (method, f, span, opts) => {
    for (const maxEvals of [1, 97, 1000, 5000]) {
      let calls = 0;
      const counted: Rhs = (t, y, dy) => { calls++; f(t, y, dy); };
      const r = solveIvp(counted, span, method === 'rkc' ? [0, 1] : [1, 0], { method: method as 'dopri5', ...opts, maxEvals });
      expect(r.status).toBe('max-evals');
      expect(r.message).toMatch(/maxEvals = \d+/);
      expect(r.nfev).toBe(calls);
      expect(calls).toBeLessThanOrEqual(maxEvals);
      expect(r.t).toBeLessThan(span[1]);
      expect(Array.from(r.y).every(Number.isFinite)).toBe(true);
    }
  });

  it('rkc counts its stages: few steps, the evaluations bounded', () => {
    const r = solveIvp(heat, [0, 100], [0, 1], { method: 'rkc', rtol: 1e-6, maxEvals: 20_000 });
    expect(r.status).toBe('max-evals');
    expect(r.nfev).toBeLessThanOrEqual(20_000);
    expect(r.nfev).toBeGreaterThan(20_000 - 2050); // it stopped only when the next step would not fit
    expect(r.naccept + r.nreject).toBeLessThan(r.nfev / 10); // many evaluations per step: maxSteps alone would not bound this
    // maxSteps keeps its meaning: steps, not evaluations.
    const s = solveIvp(heat, [0, 100], [0, 1], { method: 'rkc', rtol: 1e-6, maxSteps: 1000 });
    expect(s.status).toBe('max-steps');
    expect(s.naccept + s.nreject).toBe(1000);
    expect(s.nfev).toBeGreaterThan(10 * 1000);
  });

  it('a budget that suffices changes nothing', () => {
    const free = solveIvp(oscillator, [0, 10], [1, 0], { rtol: 1e-8 });
    const bounded = solveIvp(oscillator, [0, 10], [1, 0], { rtol: 1e-8, maxEvals: free.nfev });
    expect(bounded.status).toBe('done');
    expect(Array.from(bounded.y)).toEqual(Array.from(free.y));
    expect(() => solveIvp(oscillator, [0, 1], [1, 0], { maxEvals: 0 })).toThrow(/maxEvals must be >= 1/);
  });

  it('solver.maxEvals in a spec: default, validation, and the status of a run that hits it', () => {
    expect(parseSpec({ target: [[1]], observed: [[1]], depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 0 } }).solver.maxEvals).toBe(DEFAULT_MAX_EVALS);
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-maxevals-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    for (const method of ['dopri5', 'rkc', 'auto', 'gd', 'odex']) {
      const path = join(dir, `${method}.json`);
      writeFileSync(path, JSON.stringify({ target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 3, init: { kind: 'gaussian', productScale: 1e-3, seed: 0 }, solver: { method, lr: 0.01, maxEvals: 150 } }));
      const r = cli(['run', path]);
      // A budget that ran out is not what was asked: exit 1, the result printed (docs/exit-codes.md).
      expect(r.status, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout) as { status: string; nfev: number; message: string };
      expect(out.status).toBe('max-evals');
      expect(out.nfev).toBeLessThanOrEqual(150);
      expect(out.message).toMatch(/raise solver.maxEvals/);
    }
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ target: [[1]], observed: [[1]], depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 0 }, solver: { maxEvals: 0 } }));
    const r = cli(['run', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dmflow: spec.solver.maxEvals: /);
  });
});
