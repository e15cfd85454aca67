import { describe, expect, it } from 'vitest';
import { arenstorf, solveIvp } from '../src/index.js';
import type { Rhs } from '../src/index.js';

const expDecay: Rhs = (_t, y, dy) => { dy[0] = -y[0]; };
const oscillator: Rhs = (_t, y, dy) => { dy[0] = y[1]; dy[1] = -y[0]; };

function maxErr(y: ArrayLike<number>, exact: number[]): number {
  return Math.max(...exact.map((e, i) => Math.abs(y[i] - e)));
}

describe('Dormand–Prince 5(4) on problems with exact solutions', () => {
  it('solves y\' = -y to the requested accuracy', () => {
    const r = solveIvp(expDecay, [0, 5], [1], { rtol: 1e-10, atol: 1e-12 });
    expect(r.status).toBe('done');
    expect(r.t).toBe(5);
    expect(Math.abs(r.y[0] - Math.exp(-5))).toBeLessThan(1e-11);
  });

  it('global error shrinks at fifth order as the tolerance tightens (harmonic oscillator)', () => {
    // With error per unit step controlled to tol, h ~ tol^(1/5) and the global
    // error of a 5th-order method ~ tol (Hairer I, II.4). Fixed steps show the
    // order directly: halving h divides the error by about 2^5 = 32.
    const T = 2 * Math.PI;
    const errs: number[] = [];
    for (const steps of [20, 40, 80]) {
      const h = T / steps;
      const r = solveIvp(oscillator, [0, T], [1, 0], { h0: h, hMax: h, rtol: 1e3, atol: 1e3 });
      expect(r.naccept).toBe(steps);
      errs.push(maxErr(r.y, [1, 0]));
    }
    const order1 = Math.log2(errs[0] / errs[1]);
    const order2 = Math.log2(errs[1] / errs[2]);
    expect(order1).toBeGreaterThan(4.7);
    expect(order2).toBeGreaterThan(4.7);
    expect(order2).toBeLessThan(5.5);
    // Adaptive: the error follows the tolerance, roughly proportionally.
    const adaptive = [1e-6, 1e-8, 1e-10].map((tol) => maxErr(solveIvp(oscillator, [0, 20], [1, 0], { rtol: tol, atol: tol }).y, [Math.cos(20), -Math.sin(20)]));
    expect(adaptive[1]).toBeLessThan(adaptive[0] / 20);
    expect(adaptive[2]).toBeLessThan(adaptive[1] / 20);
    expect(adaptive[2]).toBeLessThan(1e-8);
  });

  it('dense output between steps matches the exact solution (4th order interpolant)', () => {
    const tEval = Array.from({ length: 1000 }, (_, i) => (i * 10) / 999);
    const r = solveIvp(oscillator, [0, 10], [1, 0], { rtol: 1e-9, atol: 1e-12, tEval });
    expect(r.naccept).toBeLessThan(500); // so most points fall between steps
    expect(r.tEval).toEqual(tEval);
    let worst = 0;
    r.yEval.forEach((y, i) => { worst = Math.max(worst, maxErr(y, [Math.cos(tEval[i]), -Math.sin(tEval[i])])); });
    expect(worst).toBeLessThan(1e-7);
    // Interpolation error shrinks at 4th order in h when the steps are fixed.
    const interpErr = (h: number): number => {
      const mids = Array.from({ length: 10 }, (_, i) => (i + 0.5) * h);
      const s = solveIvp(oscillator, [0, 10 * h], [1, 0], { h0: h, hMax: h, rtol: 1e3, atol: 1e3, tEval: mids });
      return Math.max(...s.yEval.map((y, i) => maxErr(y, [Math.cos(mids[i]), -Math.sin(mids[i])])));
    };
    const ratio = interpErr(0.2) / interpErr(0.1);
    expect(Math.log2(ratio)).toBeGreaterThan(3.6);
  });

  it('integrates backwards in time', () => {
    const r = solveIvp(expDecay, [2, 0], [Math.exp(-2)], { rtol: 1e-10, atol: 1e-14 });
    expect(r.status).toBe('done');
    expect(Math.abs(r.y[0] - 1)).toBeLessThan(1e-9);
  });

  it('takes per-component atol', () => {
    const r = solveIvp(oscillator, [0, 1], [1, 0], { rtol: 1e-9, atol: [1e-12, 1e-12] });
    expect(maxErr(r.y, [Math.cos(1), -Math.sin(1)])).toBeLessThan(1e-9);
    expect(() => solveIvp(oscillator, [0, 1], [1, 0], { atol: [1e-12] })).toThrow(/atol has 1 components, expected 2/);
  });
});

describe('the Arenstorf orbit (Hairer I, II.0)', () => {
  it('returns to its start after one period at rtol = atol = 1e-10', () => {
    const { f, y0, period: T } = arenstorf();
    const r = solveIvp(f, [0, T], y0, { rtol: 1e-10, atol: 1e-10 });
    expect(r.status).toBe('done');
    expect(maxErr(r.y, y0)).toBeLessThan(1e-5);
    // A loose tolerance must not pass: the orbit is sensitive, so this checks the test can fail.
    const loose = solveIvp(f, [0, T], y0, { rtol: 1e-3, atol: 1e-3 });
    expect(maxErr(loose.y, y0)).toBeGreaterThan(1e-3);
  });
});

describe('stopping conditions', () => {
  it('stops on the predicate, with dy = f(t, y) passed in', () => {
    const r = solveIvp(expDecay, [0, 100], [1], {
      rtol: 1e-8,
      stop: (t, y, dy) => {
        expect(dy[0]).toBeCloseTo(-y[0], 14);
        return y[0] < 0.5;
      },
    });
    expect(r.status).toBe('stopped');
    expect(r.y[0]).toBeLessThan(0.5);
    expect(r.t).toBeGreaterThan(Math.log(2));
  });

  it('reports max-steps', () => {
    const r = solveIvp(oscillator, [0, 1000], [1, 0], { maxSteps: 50 });
    expect(r.status).toBe('max-steps');
  });

  it('reports step-too-small at a finite-time blow-up', () => {
    // y' = y^2, y(0) = 1 blows up at t = 1.
    const r = solveIvp((_t, y, dy) => { dy[0] = y[0] * y[0]; }, [0, 2], [1], { rtol: 1e-8, hMin: 1e-12 });
    expect(['step-too-small', 'non-finite']).toContain(r.status);
    // It stops at the pole (within the resolution of the last steps), not at t = 2.
    expect(Math.abs(r.t - 1)).toBeLessThan(1e-6);
  });

  it('detects stiffness (Hairer\'s test) on a stiff linear problem', () => {
    // y' = -1e4 (y - cos t): the explicit step is capped by stability.
    const f: Rhs = (t, y, dy) => { dy[0] = -1e4 * (y[0] - Math.cos(t)); };
    const r = solveIvp(f, [0, 100], [0], { rtol: 1e-4, atol: 1e-6, stiffCheckEvery: 10 });
    expect(r.status).toBe('stiff');
    // A non-stiff problem of similar length is not flagged.
    const ok = solveIvp(oscillator, [0, 2000], [1, 0], { rtol: 1e-4, atol: 1e-6, stiffCheckEvery: 10 });
    expect(ok.status).toBe('done');
    // With onStiff returning false the integration goes on to the end.
    let calls = 0;
    const cont = solveIvp(f, [0, 10], [0], { rtol: 1e-4, atol: 1e-6, stiffCheckEvery: 10, onStiff: () => { calls++; return false; } });
    expect(cont.status).toBe('done');
    expect(calls).toBeGreaterThan(0);
    expect(Math.abs(cont.y[0] - Math.cos(10))).toBeLessThan(1e-3);
  });

  it('reports a non-finite right-hand side', () => {
    const r = solveIvp((_t, _y, dy) => { dy[0] = NaN; }, [0, 1], [1]);
    expect(r.status).toBe('non-finite');
  });

  it('rejects tEval outside the interval', () => {
    expect(() => solveIvp(expDecay, [0, 1], [1], { tEval: [2] })).toThrow(/outside/);
  });
});
