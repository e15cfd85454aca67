// The Runge–Kutta–Chebyshev step's arithmetic in WebAssembly SIMD
// (dmf_rkc_*) against the TypeScript loops (src/ode/rkcArithmetic.ts): the
// same bits, operation by operation on random vectors (every double, NaN,
// infinities, signed zeros, subnormals, odd lengths for the scalar tail), and
// whole integrations (rkc on random stiff systems and on random
// factorization fields, native, wasm and TypeScript kernels).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradientField, solveIvp, wasmModule, type Rhs } from '../src/index.js';
import { rkcArithmetic, RKC_WASM_FROM, type RkcArithmetic } from '../src/ode/rkcArithmetic.js';
import { nativeBlas } from '../src/linalg/native.js';
import { problemOf, problemShape } from './helpers/randomProblems.js';

const RUNS = Math.max(100, Number(process.env.PROPERTY_RUNS ?? 100));

/** Same value bit for bit; any NaN equals any NaN (a NaN's payload is not specified by IEEE arithmetic). */
function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect({ i, a: a[i] }).toEqual({ i, a: b[i] });
  }
}

/** A vector of the arithmetic holding xs. */
function put(ar: RkcArithmetic, xs: readonly number[]): Float64Array {
  const v = ar.vector();
  v.set(xs);
  return v;
}

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308];

/** A seeded draw of doubles: full 53-bit mantissas over exponents 2^-60..2^60, and with probability `special` a special value. */
function draws(seed: number, special: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
  return () => {
    if (u() < special) return SPECIAL[Math.floor(u() * SPECIAL.length)];
    const m = u() + u() / 2 ** 32;
    return (u() < 0.5 ? -1 : 1) * m * 2 ** Math.floor(120 * u() - 60);
  };
}

describe('RKC arithmetic: wasm SIMD kernels and TypeScript loops give the same bits', () => {
  it('the wasm kernels load here (else this file tests nothing)', () => {
    expect(wasmModule).not.toBeNull();
    expect(rkcArithmetic(10, 'wasm').kind).toBe('wasm');
    expect(rkcArithmetic(RKC_WASM_FROM).kind).toBe(process.env.DMFLOW_KERNEL === 'js' ? 'js' : 'wasm');
  });

  it('axpy, stage, error sum, difference and sum of squares, operation by operation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 67 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 0.01, 0.2),
        (n, seed, special) => {
          const draw = draws(seed, special);
          const vs = Array.from({ length: 6 }, () => Array.from({ length: n }, draw));
          const atolXs = Array.from({ length: n }, () => Math.abs(draw()));
          const cs = Array.from({ length: 5 }, draw);
          const rtol = Math.abs(draw());
          const out: Float64Array[][] = [];
          const sums: number[][] = [];
          for (const kind of ['js', 'wasm'] as const) {
            const ar = rkcArithmetic(n, kind);
            const [y, p1, p2, fj, f0, f1] = vs.map((x) => put(ar, x));
            const atol = put(ar, atolXs);
            const o1 = ar.vector(), o2 = ar.vector(), dv = ar.vector();
            ar.axpy(o1, y, cs[0], f0);
            ar.stage(o2, y, p1, p2, fj, f0, cs[0], cs[1], cs[2], cs[3], cs[4]);
            const e = ar.errorSum(y, p1, f0, f1, atol, rtol, cs[1]);
            const d = ar.diff(dv, fj, f0);
            out.push([o1, o2, dv].map((v) => Float64Array.from(v)));
            sums.push([e, d, ar.sumSquares(y), ar.sumSquares(p1)]);
          }
          for (let k = 0; k < 3; k++) expectSameBits(out[0][k], out[1][k]);
          expectSameBits(sums[0], sums[1]);
        },
      ),
      { numRuns: 4 * RUNS, seed: 29 },
    );
  });

  it('rkc on random stiff nonlinear systems: the same steps, evaluations and states', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 100 }), stiff: fc.double({ min: 1, max: 1e5, noNaN: true }),
          rtol: fc.double({ min: 1e-10, max: 1e-2, noNaN: true }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        }),
        ({ n, stiff, rtol, seed }) => {
          // y' = -lambda_i (y_i - cos t) - y_i^3 / 3 + 0.1 y_{i-1}: a spread of decay rates up to `stiff`.
          let s = seed;
          const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
          const lam = Float64Array.from({ length: n }, () => stiff ** rnd());
          const y0 = Array.from({ length: n }, () => 2 * rnd() - 1);
          const f: Rhs = (t, y, dy) => {
            const c = Math.cos(t);
            for (let i = 0; i < n; i++) dy[i] = -lam[i] * (y[i] - c) - (y[i] * y[i] * y[i]) / 3 + (i > 0 ? 0.1 * y[i - 1] : 0);
          };
          const tEval = [0.3, 1.7, 5];
          const run = (arithmetic: 'js' | 'wasm') => solveIvp(f, [0, 5], y0, { method: 'rkc', rtol, atol: rtol * 1e-3, tEval, arithmetic, maxEvals: 5000 });
          const a = run('js'), b = run('wasm');
          expect([b.status, b.nfev, b.naccept, b.nreject]).toEqual([a.status, a.nfev, a.naccept, a.nreject]);
          expectSameBits([b.t, b.h], [a.t, a.h]);
          expectSameBits(b.y, a.y);
          expectSameBits(b.tEval, a.tEval);
          for (let k = 0; k < a.yEval.length; k++) expectSameBits(b.yEval[k], a.yEval[k]);
        },
      ),
      { numRuns: RUNS, seed: 30 },
    );
  });

  it('rkc on random factorization fields (native, wasm, TypeScript kernels): the same end states', () => {
    const impls = ['typescript', 'wasm', ...(nativeBlas ? ['blas'] as const : [])] as const;
    fc.assert(
      fc.property(problemShape(9, 4, 0.2), fc.constantFrom(...impls), (shape, impl) => {
        const p = problemOf(shape);
        const run = (arithmetic: 'js' | 'wasm') => {
          const field = gradientField(p, impl);
          return solveIvp(field.rhs, [0, 20], p.y0, { method: 'rkc', rtol: 1e-6, atol: 1e-9, arithmetic, maxEvals: 20000 });
        };
        const a = run('js'), b = run('wasm');
        expect([b.status, b.nfev, b.naccept, b.nreject]).toEqual([a.status, a.nfev, a.naccept, a.nreject]);
        expectSameBits([b.t, b.h], [a.t, a.h]);
        expectSameBits(b.y, a.y);
      }),
      { numRuns: RUNS, seed: 31 },
    );
  });
});
