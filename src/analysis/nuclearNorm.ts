// The minimum-nuclear-norm completion  min ||X||_*  s.t.  P_Omega(X) = P_Omega(W*),
// the conjectured limit of Gunasekar et al. (2017), computed independently of
// any gradient flow so that GLRL and the flow can be compared with it.
//
// Douglas–Rachford splitting (Lions & Mercier 1979; Eckstein & Bertsekas 1992)
// of ||.||_* (prox: singular value soft-thresholding, Cai, Candès & Shen 2010)
// and the indicator of the affine set {X : P_Omega(X) = P_Omega(W*)} (prox:
// resetting the observed entries). The iterate z converges for any step
// gamma > 0; x = prox(z) is the minimizer in the limit.
//
// Every answer is certified: y = P_A(2x - z) is feasible, so ||y||_* is an
// upper bound, and Lambda = (z - x)/gamma is a subgradient of ||.||_* at x,
// whose observed part, scaled to spectral norm <= 1, is dual feasible:
// <Y, W*> <= ||X||_* for every feasible X and every Y supported on Omega with
// ||Y||_2 <= 1. The reported gap is upper - lower.

import { svdOf } from './spectrum.js';

export interface NuclearNormCompletion {
  /** The feasible completion (observed entries exactly the target's). */
  matrix: Float64Array;
  nuclearNorm: number;
  /** Certified lower bound on the minimum nuclear norm (dual objective). */
  lowerBound: number;
  /** nuclearNorm - lowerBound >= 0. */
  gap: number;
  iterations: number;
  converged: boolean;
}

export interface NuclearNormOptions {
  /** Stop when the duality gap is at most tol * max(1, lowerBound). */
  tol?: number;
  maxIterations?: number;
  /** Douglas–Rachford step (default: the RMS of the observed target entries). */
  gamma?: number;
}

type Svd = ReturnType<typeof svdOf>;

/** U diag(f(s)) V^T into out. */
function recompose(d: Svd, f: (s: number) => number, out: Float64Array, m: number, n: number): void {
  out.fill(0);
  d.s.forEach((s, k) => {
    const w = f(s);
    if (w === 0) return;
    for (let i = 0; i < m; i++) {
      const a = w * d.U.get(i, k);
      for (let j = 0; j < n; j++) out[i * n + j] += a * d.V.get(j, k);
    }
  });
}

function spectralNorm(A: Float64Array, m: number, n: number): number {
  return Math.max(0, ...svdOf(A, m, n).s.map(Math.abs));
}

/**
 * Minimum-nuclear-norm completion of the m x n target's observed entries
 * (mask: 0/1, row-major). Only the observed target entries are read.
 */
export function nuclearNormCompletion(
  target: ArrayLike<number>, mask: ArrayLike<number>, m: number, n: number, options: NuclearNormOptions = {},
): NuclearNormCompletion {
  const tol = options.tol ?? 1e-9;
  const maxIterations = options.maxIterations ?? 100_000;
  let ss = 0, count = 0;
  for (let i = 0; i < m * n; i++) if (mask[i]) { ss += target[i] ** 2; count++; }
  const gamma = options.gamma ?? (Math.sqrt(ss / Math.max(1, count)) || 1);
  const z = new Float64Array(m * n);
  const x = new Float64Array(m * n);
  const y = new Float64Array(m * n);
  const lam = new Float64Array(m * n);
  // Start from the zero-filled observations.
  for (let i = 0; i < m * n; i++) z[i] = mask[i] ? target[i] : 0;
  let best = { upper: Infinity, lower: -Infinity, y: new Float64Array(m * n) };
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const d = svdOf(z, m, n);
    recompose(d, (s) => Math.max(0, s - gamma), x, m, n);
    for (let i = 0; i < m * n; i++) y[i] = mask[i] ? target[i] : 2 * x[i] - z[i];
    // Certify every 10th iterate (each check costs two more SVDs).
    if (iterations % 10 === 0 || iterations === maxIterations - 1) {
      const upper = svdOf(y, m, n).s.reduce((a, s) => a + Math.abs(s), 0);
      for (let i = 0; i < m * n; i++) lam[i] = mask[i] ? (z[i] - x[i]) / gamma : 0;
      const scale = Math.max(1, spectralNorm(lam, m, n));
      let lower = 0, lowerAbs = 0;
      for (let i = 0; i < m * n; i++) {
        const term = (lam[i] / scale) * (mask[i] ? target[i] : 0);
        lower += term; lowerAbs += Math.abs(term);
      }
      // Both bounds are computed in floating point: the certificate gives way by a bound on their
      // rounding (the dot product's (count) eps sum |terms|, the SVDs' about (m + n) eps of what they
      // sum), so that lower <= upper holds for the computed numbers too when x is optimal.
      lower -= 4 * Number.EPSILON * ((count + m + n) * lowerAbs + (m + n) * upper);
      if (upper < best.upper) best = { ...best, upper, y: y.slice() };
      best.lower = Math.max(best.lower, lower);
      if (best.upper - best.lower <= tol * Math.max(1, best.lower)) { iterations++; break; }
    }
    for (let i = 0; i < m * n; i++) z[i] += y[i] - x[i];
  }
  const gap = best.upper - best.lower;
  return {
    matrix: best.y, nuclearNorm: best.upper, lowerBound: best.lower, gap, iterations,
    converged: gap <= tol * Math.max(1, best.lower),
  };
}
