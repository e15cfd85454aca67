// init.productScale is the RMS entry of the initial product W = W_L...W_1:
// E||W||_F^2 / (m n) = productScale^2 (docs/specs.md). Checked by Monte Carlo
// over widths 1-50 and depths 1-6: the mean of ||W||_F^2 / (m n productScale^2)
// over many seeds is 1 within 5 standard errors, the standard error taken from
// the exact second moment of ||W||_F^2 for Gaussian layers (derived below).

import { describe, expect, it } from 'vitest';
import { buildProblem, makeInit, Rng } from '../src/index.js';
import { productScaleStd } from '../src/model/problem.js';

/**
 * E||W||_F^2 and Var ||W||_F^2 / (E||W||_F^2)^2 for W = W_L...W_1 with i.i.d.
 * N(0, s^2) entries, layer l being dims[l] x dims[l-1]. With G = M M^T for
 * M = W_l...W_1 (G_0 = I_n), a = E[(tr G)^2] and b = E[tr(G^2)] obey, for the
 * next layer W (d' rows, each row w with E[w w^T] = s^2 I):
 *   E tr(W G W^T) = s^2 d' tr G,
 *   a' = s^4 (d'^2 a + 2 d' b),  b' = s^4 (d' a + d'(d'+1) b)
 * (rows are independent; w^T G w has mean s^2 tr G and variance 2 s^4 tr G^2,
 * and E (w^T G v)^2 = s^4 tr G^2 for independent rows w, v).
 */
function moments(dims: readonly number[], s: number): { mean: number; relVar: number } {
  const n = dims[0];
  let mean = n, a = n * n, b = n;
  const s2 = s * s, s4 = s2 * s2;
  for (let l = 1; l < dims.length; l++) {
    const d = dims[l];
    mean *= s2 * d;
    [a, b] = [s4 * (d * d * a + 2 * d * b), s4 * (d * a + d * (d + 1) * b)];
  }
  return { mean, relVar: a / (mean * mean) - 1 };
}

/** ||W_L...W_1||_F^2 of a packed state (layer l is dims[l] x dims[l-1], row-major). */
function productNorm2(y: Float64Array, dims: readonly number[], bufA: Float64Array, bufB: Float64Array): number {
  const n = dims[0];
  // M = W_1 (d_1 x n), then M <- W_l M.
  let M = bufA, next = bufB;
  M.set(y.subarray(0, dims[1] * n));
  let off = dims[1] * n;
  for (let l = 2; l < dims.length; l++) {
    const r = dims[l], c = dims[l - 1];
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let k = 0; k < c; k++) acc += y[off + i * c + k] * M[k * n + j];
        next[i * n + j] = acc;
      }
    }
    off += r * c;
    [M, next] = [next, M];
  }
  let s = 0;
  const m = dims[dims.length - 1];
  for (let i = 0; i < m * n; i++) s += M[i] * M[i];
  return s;
}

/** Standard errors of the mean allowed. */
const Z = 5;

function monteCarlo(dims: readonly number[], scale: number, seed0: number, std?: number) {
  const L = dims.length - 1;
  const offsets = [0];
  for (let l = 1; l <= L; l++) offsets.push(offsets[l - 1] + dims[l] * dims[l - 1]);
  const m = dims[L], n = dims[0];
  const s = std ?? productScaleStd(scale, dims);
  const { mean, relVar } = moments(dims, s);
  // Enough seeds for a relative standard error of 4% (5 standard errors: 20%), at least 100; the
  // narrowest, deepest product (all widths 1, depth 6: relative variance 3^6 - 1) needs 455,000.
  const N = Math.max(100, Math.ceil(relVar / 0.04 ** 2));
  const width = Math.max(...dims);
  const bufA = new Float64Array(width * n), bufB = new Float64Array(width * n);
  let sum = 0;
  for (let k = 0; k < N; k++) {
    const init = std === undefined
      ? { kind: 'gaussian' as const, productScale: scale, seed: seed0 + k }
      : { kind: 'gaussian' as const, std, seed: seed0 + k };
    sum += productNorm2(makeInit(init, [...dims], offsets), dims, bufA, bufB) / (m * n * scale * scale);
  }
  return { ratio: sum / N, expected: mean / (m * n * scale * scale), se: Math.sqrt(relVar / N), N };
}

describe('productScale: the RMS entry of the initial product', () => {
  it('the moments used for the tolerance agree with a direct count at depth 1 and width 1', () => {
    // Depth 1: ||W||^2 = s^2 chi^2_{mn}: mean s^2 m n, relative variance 2 / (m n).
    const one = moments([3, 5], 0.7);
    expect(one.mean).toBeCloseTo(0.49 * 15, 12);
    expect(one.relVar).toBeCloseTo(2 / 15, 12);
    // All widths 1: W is a product of L scalars, E W^4 / (E W^2)^2 = 3^L.
    expect(moments([1, 1, 1, 1], 0.5).relVar).toBeCloseTo(27 - 1, 9);
  });

  it('is the std itself at depth 1, and scale^(1/L) when every hidden width is 1', () => {
    for (const scale of [1e-300, 1e-6, 0.1, 1, 37]) {
      expect(productScaleStd(scale, [7, 4])).toBe(scale);
      expect(productScaleStd(scale, [7, 1, 1, 4])).toBe(Math.pow(scale, 1 / 3));
    }
    // 30x30 at depth 3 (hidden width 30): std = (0.1^2 / 900)^(1/6).
    expect(productScaleStd(0.1, [30, 30, 30, 30])).toBeCloseTo(Math.pow(0.01 / 900, 1 / 6), 15);
    // No overflow for wide, deep products.
    expect(Number.isFinite(productScaleStd(1e-3, [50, ...new Array(300).fill(1e4), 50]))).toBe(true);
  });

  it('a spec with productScale builds the layers of the std it stands for', () => {
    const base = { target: { kind: 'low-rank', size: [9, 5], rank: 2, seed: 1 }, observed: { kind: 'all' }, depth: 4, width: 7 } as const;
    const a = buildProblem({ ...base, init: { kind: 'gaussian', productScale: 0.05, seed: 3 } });
    const b = buildProblem({ ...base, init: { kind: 'gaussian', std: productScaleStd(0.05, [5, 7, 7, 7, 9]), seed: 3 } });
    expect(Array.from(a.y0)).toEqual(Array.from(b.y0));
  });

  it('E||W||_F^2 / (m n) = productScale^2 over widths 1-50 and depths 1-6 (Monte Carlo, 5 standard errors)', () => {
    // A seeded population of shapes over the whole range, uneven hidden widths included, plus the corners.
    const rng = new Rng(20270101);
    const draw = (lo: number, hi: number) => lo + rng.below(hi - lo + 1);
    const shapes: number[][] = [
      [1, 1], [50, 50], [1, 1, 1, 1, 1, 1, 1], [50, 50, 50, 50, 50, 50, 50], [1, 50, 50, 50, 50, 50, 1], [50, 1, 1, 1, 1, 1, 50], [30, 30, 30, 30],
    ];
    for (let k = 0; k < 36; k++) {
      const L = draw(1, 6);
      const even = rng.below(2) === 0;
      const w = draw(1, 50);
      shapes.push([draw(1, 50), ...Array.from({ length: L - 1 }, () => (even ? w : draw(1, 50))), draw(1, 50)]);
    }
    let seed = 0, worst = 0, samples = 0;
    for (const dims of shapes) {
      const scale = 10 ** (-4 + 4 * rng.uniform());
      const r = monteCarlo(dims, scale, seed);
      seed += r.N;
      samples += r.N;
      // The expectation is 1 up to rounding of the std.
      expect(Math.abs(r.expected - 1), `dims ${dims}`).toBeLessThan(1e-12);
      const z = Math.abs(r.ratio - 1) / r.se;
      worst = Math.max(worst, z);
      expect(z, `dims ${dims}, scale ${scale}: mean ratio ${r.ratio} over ${r.N} seeds, standard error ${r.se}`).toBeLessThan(Z);
    }
    console.log(`productScale: ${shapes.length} shapes, ${samples} initializations, largest deviation ${worst.toFixed(2)} standard errors`);
  }, 300_000);

  it('the same test tells the old meaning (std = productScale^(1/L)) apart', () => {
    // 30x30 at depth 3: the old std gives a product whose mean square entry is 900 times productScale^2.
    const dims = [30, 30, 30, 30];
    const r = monteCarlo(dims, 0.1, 0, Math.pow(0.1, 1 / 3));
    expect(r.expected).toBeCloseTo(900, 9);
    expect(Math.abs(r.ratio - 1) / r.se).toBeGreaterThan(Z);
    expect(Math.abs(r.ratio - r.expected) / (r.expected * r.se)).toBeLessThan(Z);
  });
});
