// Singular values and effective rank of a matrix.

import { Matrix, SVD } from 'ml-matrix';

/** Singular values of an m x n row-major matrix, descending. */
export function singularValues(W: ArrayLike<number>, m: number, n: number): number[] {
  const M = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) M.set(i, j, W[i * n + j]);
  const svd = new SVD(M, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return Array.from(svd.diagonal).map(Math.abs).sort((a, b) => b - a);
}

/**
 * Effective rank (Roy & Vetterli 2007): exp of the Shannon entropy of the
 * normalized singular values p_i = sigma_i / sum_j sigma_j; zeros skipped.
 */
export function effectiveRank(sigma: readonly number[]): number {
  const total = sigma.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return 0;
  let h = 0;
  for (const s of sigma) {
    if (s <= 0) continue;
    const p = s / total;
    h -= p * Math.log(p);
  }
  return Math.exp(h);
}
