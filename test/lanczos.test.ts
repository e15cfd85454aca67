// The spectral radius from Lanczos on exact Jacobian-vector products
// (src/ode/lanczos.ts), and rkc / auto using it (options.jvp): against known
// spectra, on a stiff symmetric linear problem, and resumed bit for bit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LanczosRadius, solveIvp, type Jvp, type Rhs, type SolveResult, type SolveState } from '../src/index.js';

/** A = Q diag(lambda) Q^T with Q a product of 8 Householder reflections from the seed. */
function symmetric(lambda: number[], seed: number): Float64Array {
  const n = lambda.length;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) A[i * n + i] = lambda[i];
  let s = seed >>> 0 || 1;
  const rnd = () => { s = (s * 1103515245 + 12345) >>> 0; return s / 2 ** 32 - 0.5; };
  for (let r = 0; r < 8; r++) {
    const u = Array.from({ length: n }, rnd);
    const uu = u.reduce((a, x) => a + x * x, 0);
    // A <- (I - 2uu^T/uu) A (I - 2uu^T/uu)
    const Au = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Au[i] += A[i * n + j] * u[j];
    const uAu = u.reduce((a, x, i) => a + x * Au[i], 0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      A[i * n + j] += (-2 * (Au[i] * u[j] + u[i] * Au[j])) / uu + (4 * uAu * u[i] * u[j]) / (uu * uu);
    }
  }
  return A;
}

const matvec = (A: Float64Array, n: number): Jvp => (_t, _y, v, out) => {
  for (let i = 0; i < n; i++) { let acc = 0; for (let j = 0; j < n; j++) acc += A[i * n + j] * v[j]; out[i] = acc; }
};

describe('LanczosRadius', () => {
  it('estimates the spectral radius of a symmetric matrix from a generic start to within rkc\'s margins, either sign dominant', () => {
    const spectrum = fc.record({
      n: fc.integer({ min: 1, max: 60 }), top: fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
      negative: fc.boolean(), seed: fc.integer({ min: 1, max: 1e6 }),
    });
    fc.assert(fc.property(spectrum, ({ n, top, negative, seed }) => {
      // Eigenvalues spread over [0, top] (a gradient flow's minus Hessian: mostly of one sign), the extreme one exactly top.
      const lambda = Array.from({ length: n }, (_, i) => (negative ? -1 : 1) * top * (i === 0 ? 1 : ((i * 37 + seed) % 97) / 100));
      const jvp = matvec(symmetric(lambda, seed), n);
      let s = seed * 7 + 3;
      const v = Float64Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) >>> 0; return s / 2 ** 32 - 0.5; });
      const lz = new LanczosRadius(n, 12);
      const r = lz.radius(jvp, 0, new Float64Array(n), v);
      expect(r.products).toBeLessThanOrEqual(12);
      // rkc multiplies a converged estimate by 1.1, one that hit the step limit by 1.2.
      expect(r.radius * (r.converged ? 1.1 : 1.2)).toBeGreaterThanOrEqual(top);
      expect(r.radius).toBeLessThan(1.1 * top);
      // Warm-started from the Ritz vector it returned, the next estimate is as good.
      const again = lz.radius(jvp, 0, new Float64Array(n), v);
      expect(again.radius * (again.converged ? 1.1 : 1.2)).toBeGreaterThanOrEqual(top);
    }), { numRuns: 200, seed: 7 });
  });
});

describe('rkc and auto with an exact Jacobian-vector product', () => {
  // y' = -A (y - c cos t), A symmetric with eigenvalues from 1 to 1e4: stiff, real spectrum.
  const n = 6;
  const A = symmetric([1e4, 3e3, 100, 10, 2, 1], 11);
  const c = Float64Array.from({ length: n }, (_, i) => 1 / (i + 1));
  const f: Rhs = (t, y, dy) => {
    for (let i = 0; i < n; i++) { let acc = 0; for (let j = 0; j < n; j++) acc += A[i * n + j] * (y[j] - c[j] * Math.cos(t)); dy[i] = -acc; }
  };
  const jvp: Jvp = (t, y, v, out) => { matvec(A, n)(t, y, v, out); for (let i = 0; i < n; i++) out[i] = -out[i]; };
  const y0 = new Float64Array(n);

  for (const method of ['rkc', 'auto'] as const) {
    it(`${method}: agrees with the power-iteration run and a tight reference to the tolerance`, () => {
      const opts = { method, rtol: 1e-8, atol: 1e-10 };
      const power = solveIvp(f, [0, 5], y0, opts);
      const exact = solveIvp(f, [0, 5], y0, { ...opts, jvp });
      const fine = solveIvp(f, [0, 5], y0, { method: 'rkc' as const, rtol: 1e-11, atol: 1e-13, jvp });
      expect(exact.status).toBe('done');
      for (let i = 0; i < n; i++) {
        expect(Math.abs(exact.y[i] - fine.y[i])).toBeLessThan(1e-6 * Math.abs(fine.y[i]) + 1e-8);
        expect(Math.abs(power.y[i] - fine.y[i])).toBeLessThan(1e-6 * Math.abs(fine.y[i]) + 1e-8);
      }
    });

    it(`${method}: resumed from any state it wrote, continues bit for bit`, () => {
      const plain = (r: SolveResult) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v, (x) => x.toString()) : v));
      const options = { method, rtol: 1e-6, atol: 1e-9, jvp, tEval: [0.5, 1, 2, 3] };
      const states: SolveState[] = [];
      const whole = solveIvp(f, [0, 3], y0, { ...options, checkpoint: { due: () => true, save: (s, final) => { if (!final) states.push(s); } } });
      expect(states.length).toBeGreaterThan(10);
      for (let k = 0; k < states.length; k += Math.ceil(states.length / 30)) {
        expect(plain(solveIvp(f, [0, 3], y0, { ...options, resume: structuredClone(states[k]) }))).toBe(plain(whole));
      }
    });
  }
});
