// Singular values and effective rank of a matrix.

import { EigenvalueDecomposition, Matrix, SVD } from 'ml-matrix';

/** Singular values of an m x n row-major matrix, descending. */
export function singularValues(W: ArrayLike<number>, m: number, n: number): number[] {
  const M = Matrix.from1DArray(m, n, W);
  const svd = new SVD(M, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return Array.from(svd.diagonal).map(Math.abs).sort((a, b) => b - a);
}

/**
 * Effective rank (Roy & Vetterli 2007): exp of the Shannon entropy of
 * p_i = sigma_i / sum_j sigma_j (zeros contribute nothing). Formed on
 * q_i = sigma_i / max_j sigma_j in (0, 1], with S = sum_i q_i in [1, n]:
 * erank = S exp(-(1/S) sum_i q_i ln q_i), which neither overflows (no sum of
 * raw values) nor meets 0 ln 0 (a q_i that underflows to 0 is skipped, its
 * term being 0 in the limit); every term q ln q lies in [-1/e, 0]. Finite,
 * in [1, n], for every finite sigma >= 0 not all zero; 0 for all zeros; NaN
 * when a value is NaN or infinite.
 */
export function effectiveRank(sigma: readonly number[]): number {
  let top = 0;
  for (const s of sigma) {
    if (!Number.isFinite(s)) return NaN;
    if (s > top) top = s;
  }
  if (top === 0) return 0;
  let sum = 0, ent = 0;
  for (const s of sigma) {
    if (!(s > 0)) continue;
    const q = s / top;
    if (q === 0) continue;
    sum += q;
    ent -= q * Math.log(q);
  }
  return sum * Math.exp(ent / sum);
}

/** Nuclear norm: the sum of the singular values. */
export function nuclearNorm(sigma: readonly number[]): number {
  let s = 0;
  for (const v of sigma) s += v;
  return s;
}

/** Thin SVD of an m x n row-major matrix: A = U diag(s) V^T (s not sorted). */
export function svdOf(A: ArrayLike<number>, m: number, n: number): { U: Matrix; V: Matrix; s: number[] } {
  const d = new SVD(Matrix.from1DArray(m, n, A), { autoTranspose: true });
  return { U: d.leftSingularVectors, V: d.rightSingularVectors, s: d.diagonal };
}

/** Largest singular value of an m x n row-major matrix with its singular vectors (u: m, v: n). */
export function topSingularPair(A: ArrayLike<number>, m: number, n: number): { sigma: number; u: Float64Array; v: Float64Array } {
  const { U, V, s } = svdOf(A, m, n);
  let k = 0;
  for (let i = 1; i < s.length; i++) if (Math.abs(s[i]) > Math.abs(s[k])) k = i;
  const sign = s[k] < 0 ? -1 : 1;
  return {
    sigma: Math.abs(s[k]),
    u: Float64Array.from({ length: m }, (_, i) => sign * U.get(i, k)),
    v: Float64Array.from({ length: n }, (_, j) => V.get(j, k)),
  };
}

/** Largest eigenvalue of the symmetric part (A + A^T)/2 of an n x n row-major matrix, with a unit eigenvector. */
export function topEigenpair(A: ArrayLike<number>, n: number): { lambda: number; u: Float64Array } {
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, 0.5 * (A[i * n + j] + A[j * n + i]));
  const eig = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const lam = eig.realEigenvalues;
  let k = 0;
  for (let i = 1; i < lam.length; i++) if (lam[i] > lam[k]) k = i;
  const E = eig.eigenvectorMatrix;
  return { lambda: lam[k], u: Float64Array.from({ length: n }, (_, i) => E.get(i, k)) };
}
