import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockComponents, blockParams, blockSpec, run, solveBlockLimit, solveIvp, type Rhs } from '../src/index.js';
import { stagesFor } from '../src/ode/rkc.js';

const RUNS = Math.max(100, Number(process.env.PROPERTY_RUNS ?? 100));

describe('Runge–Kutta–Chebyshev (damped, second order)', () => {
  it('is second order: halving a fixed step divides the error by about 4', () => {
    // y' = -y (1 + t), exact y = exp(-t - t^2/2). Fixed steps through h0 = hMax and loose tolerances.
    const f: Rhs = (t, y, dy) => { dy[0] = -y[0] * (1 + t); };
    const exact = Math.exp(-1 - 0.5);
    const err = (h: number) => {
      const r = solveIvp(f, [0, 1], [1], { method: 'rkc', h0: h, hMax: h, rtol: 1, atol: 1 });
      return Math.abs(r.y[0] - exact);
    };
    const e = [0.1, 0.05, 0.025].map(err);
    expect(Math.log2(e[0] / e[1])).toBeGreaterThan(1.8);
    expect(Math.log2(e[1] / e[2])).toBeGreaterThan(1.8);
    expect(Math.log2(e[1] / e[2])).toBeLessThan(2.3);
  });

  it('takes stages so that h rho stays inside the stability interval', () => {
    for (const hr of [0.1, 10, 1e3, 1e5]) {
      const s = stagesFor(hr);
      expect(0.653 * s * s).toBeGreaterThan(hr);
    }
  });

  it('on a stiff linear problem: accurate, with far fewer evaluations than Dormand–Prince', () => {
    const f: Rhs = (t, y, dy) => { dy[0] = -1e4 * (y[0] - Math.cos(t)); dy[1] = -y[1]; };
    const exact = [Math.cos(10) + 1e-4 * Math.sin(10), Math.exp(-10)];
    // onStiff is dopri5's option (rkc and auto refuse it).
    const opts = { rtol: 1e-6, atol: 1e-9 };
    const d = solveIvp(f, [0, 10], [0, 1], { ...opts, onStiff: () => false });
    const r = solveIvp(f, [0, 10], [0, 1], { ...opts, method: 'rkc' });
    const a = solveIvp(f, [0, 10], [0, 1], { ...opts, method: 'auto' });
    for (const x of [r, a]) {
      expect(x.status).toBe('done');
      expect(Math.abs(x.y[0] - exact[0])).toBeLessThan(1e-6);
      expect(Math.abs(x.y[1] - exact[1])).toBeLessThan(1e-6);
      expect(x.nfev * 5).toBeLessThan(d.nfev);
    }
  });

  it('auto tests for stiffness on every step: it switches a few dozen steps in, not after the 1000 steps of dopri5\'s default', () => {
    // Dormand–Prince's step is capped near 3.3 / 1e4 from the start: a thousand steps reach t ~ 0.3.
    const f: Rhs = (t, y, dy) => { dy[0] = -1e4 * (y[0] - Math.cos(t)); };
    const switchTime = (options: { stiffCheckEvery?: number }) => {
      let at = NaN;
      const r = solveIvp(f, [0, 10], [0], { rtol: 1e-6, atol: 1e-9, method: 'auto', onSwitch: (t) => { at = t; }, ...options });
      expect(r.status).toBe('done');
      expect(Math.abs(r.y[0] - (Math.cos(10) + 1e-4 * Math.sin(10)) / (1 + 1e-8))).toBeLessThan(1e-6);
      return at;
    };
    expect(switchTime({})).toBeLessThan(0.05);
    expect(switchTime({ stiffCheckEvery: 1000 })).toBeGreaterThan(0.2);
  });

  it('dense output (cubic Hermite) matches the solution between steps', () => {
    const f: Rhs = (_t, y, dy) => { dy[0] = -y[0]; };
    const tEval = Array.from({ length: 50 }, (_, i) => i * 0.1);
    const r = solveIvp(f, [0, 5], [1], { method: 'rkc', rtol: 1e-8, atol: 1e-10, tEval });
    r.yEval.forEach((y, i) => expect(Math.abs(y[0] - Math.exp(-tEval[i]))).toBeLessThan(1e-6));
  });
});

describe('rkc and auto, with either spectral-radius estimate, pass the theorem property test (diagonal blocks, 1e-8 relative)', () => {
  const instance = fc.record({
    n: fc.integer({ min: 2, max: 4 }), L: fc.integer({ min: 2, max: 5 }),
    alpha: fc.double({ min: 0.45, max: 1.2, noNaN: true }), c: fc.double({ min: 0.05, max: 1, noNaN: true }),
  });
  for (const [method, spectralEstimate] of [['rkc', 'power'], ['auto', 'power'], ['rkc', 'lanczos'], ['auto', 'lanczos']] as const) {
    it(`${method} (spectral radius: ${spectralEstimate})`, () => {
      fc.assert(fc.property(instance, ({ n, L, alpha, c }) => {
        const p = blockParams(n, 1, L, alpha, c);
        const r = run(blockSpec(p, { method, spectralEstimate, rtol: 1e-12, atol: 1e-14, lossTol: 1e-20 }));
        expect(r.status).toBe('converged');
        const got = blockComponents(p, r.matrix.flat());
        const want = solveBlockLimit(p);
        expect(Math.abs(got.Lam - want.Lam) / want.Lam).toBeLessThan(1e-8);
        expect(Math.abs(got.N - want.N) / want.N).toBeLessThan(1e-8);
      }), { numRuns: method === 'auto' ? RUNS : Math.ceil(RUNS / 2), seed: 5001 });
    });
  }
});
