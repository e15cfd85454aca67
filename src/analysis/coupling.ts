// The observed-entry tangent kernel of the end-to-end dynamics (MATH.md §1):
//   dW[p]/dt = -sum_q K[p,q] G[q],  K[(i,j),(k,r)] = sum_l (A_l A_l^T)[i,k] (B_l^T B_l)[r,j],
// with A_l = W_L...W_{l+1} and B_l = W_{l-1}...W_1 (Arora, Cohen & Hazan 2018
// for the end-to-end form). The dynamics of a partition of Omega into groups
// is decoupled when K vanishes between groups (Shin & Yun 2026).

import { matmul, matmulNT, matmulTN } from '../linalg/dense.js';
import type { Problem } from '../model/problem.js';

/** Below this coupling index the verdict is "decoupled". */
export const DECOUPLED_BELOW = 1e-10;

/** The Gram factors X_l = A_l A_l^T (m x m) and Y_l = B_l^T B_l (n x n), l = 1..L. */
export function kernelFactors(problem: Pick<Problem, 'dims' | 'offsets'>, y: Float64Array): { X: Float64Array[]; Y: Float64Array[] } {
  const { dims, offsets } = problem;
  const L = dims.length - 1;
  const m = dims[L], n = dims[0];
  // Suffix products A_l (m x d_l): A_L = I, A_{l-1} = A_l W_l.
  const A: Float64Array[] = new Array(L + 1);
  A[L] = identity(m);
  for (let l = L; l >= 2; l--) {
    A[l - 1] = new Float64Array(m * dims[l - 1]);
    matmul(A[l], 0, y, offsets[l - 1], A[l - 1], 0, m, dims[l], dims[l - 1]);
  }
  // Prefix products B_l (d_{l-1} x n): B_1 = I, B_{l+1} = W_l B_l.
  const B: Float64Array[] = new Array(L + 1);
  B[1] = identity(n);
  for (let l = 1; l < L; l++) {
    B[l + 1] = new Float64Array(dims[l] * n);
    matmul(y, offsets[l - 1], B[l], 0, B[l + 1], 0, dims[l], dims[l - 1], n);
  }
  const X: Float64Array[] = [], Y: Float64Array[] = [];
  for (let l = 1; l <= L; l++) {
    const x = new Float64Array(m * m), yy = new Float64Array(n * n);
    matmulNT(A[l], 0, A[l], 0, x, 0, m, m, dims[l]);
    matmulTN(B[l], 0, B[l], 0, yy, 0, n, dims[l - 1], n);
    X.push(x); Y.push(yy);
  }
  return { X, Y };
}

function identity(k: number): Float64Array {
  const I = new Float64Array(k * k);
  for (let i = 0; i < k; i++) I[i * k + i] = 1;
  return I;
}

/** K[p, q] for targets p = (pi, pj) and sources q = (qk, qr), |P| x |Q| row-major. */
export function tangentKernel(
  problem: Pick<Problem, 'dims' | 'offsets'>, y: Float64Array,
  pRows: Int32Array, pCols: Int32Array, qRows: Int32Array, qCols: Int32Array,
): Float64Array {
  const { X, Y } = kernelFactors(problem, y);
  const m = problem.dims[problem.dims.length - 1], n = problem.dims[0];
  const K = new Float64Array(pRows.length * qRows.length);
  for (let l = 0; l < X.length; l++) {
    const x = X[l], yy = Y[l];
    for (let p = 0; p < pRows.length; p++) {
      const xi = pRows[p] * m, j = pCols[p];
      const row = p * qRows.length;
      for (let q = 0; q < qRows.length; q++) K[row + q] += x[xi + qRows[q]] * yy[qCols[q] * n + j];
    }
  }
  return K;
}

export interface CouplingIndex {
  /** ||K between groups||_F / ||K||_F. */
  index: number;
  decoupled: boolean;
  groups: number;
}

/** Coupling index of the observed-entry kernel for a labelling of the observed entries. */
export function couplingIndex(problem: Problem, y: Float64Array, entryGroup: Int32Array): CouplingIndex {
  let groups = 0;
  for (let p = 0; p < entryGroup.length; p++) groups = Math.max(groups, entryGroup[p] + 1);
  if (groups <= 1) return { index: 0, decoupled: true, groups };
  const { obsRows, obsCols } = problem;
  const K = tangentKernel(problem, y, obsRows, obsCols, obsRows, obsCols);
  const N = obsRows.length;
  let off = 0, total = 0;
  for (let p = 0; p < N; p++) {
    for (let q = 0; q < N; q++) {
      const v = K[p * N + q] * K[p * N + q];
      total += v;
      if (entryGroup[p] !== entryGroup[q]) off += v;
    }
  }
  const index = total > 0 ? Math.sqrt(off / total) : 0;
  return { index, decoupled: index < DECOUPLED_BELOW, groups };
}
