// The observed-entry tangent kernel of the end-to-end dynamics (docs/coupling.md):
//   dW[p]/dt = -sum_q K[p,q] G[q],  K[(i,j),(k,r)] = sum_l (A_l A_l^T)[i,k] (B_l^T B_l)[r,j],
// with A_l = W_L...W_{l+1} and B_l = W_{l-1}...W_1 (Arora, Cohen & Hazan 2018
// for the end-to-end form). The dynamics of a partition of Omega into groups
// is decoupled when K vanishes between groups (Shin & Yun 2026).
//
// The norms the coupling analysis needs never build K: with X_l = A_l A_l^T and
// Y_l = B_l^T B_l, ||K restricted to a set of pairs S||_F^2
//   = sum_{l, l'} sum_{(p, q) in S} (X_l o X_l')[i,k] (Y_l o Y_l')[r,j]   (o: entrywise product),
// and each layer-pair sum reduces to O((m + n) |Omega|) work through
// U[k, :] = sum_{r: (k, r) in Omega} (Y_l o Y_l')[r, :] (see pairSums).

import { matmul, matmulNT, matmulTN } from '../linalg/dense.js';
import { nativeBlas } from '../linalg/native.js';
import type { Problem } from '../model/problem.js';

/** Below this coupling index the verdict is "decoupled". */
export const DECOUPLED_BELOW = 1e-10;

/** Matrices with at least this many multiply-adds go to the native BLAS when it is built. */
const BLAS_FROM_FLOPS = 1e6;

/** C (p x r) = op(A) op(B), A and B at offset aOff / 0; the native dgemm for large products. */
function gemm(transA: boolean, transB: boolean, A: Float64Array, aOff: number, B: Float64Array, bOff: number, C: Float64Array, p: number, q: number, r: number): void {
  if (nativeBlas && p * q * r >= BLAS_FROM_FLOPS) {
    nativeBlas.dgemm(transA, transB, p, r, q, 1, A, aOff, transA ? p : q, B, bOff, transB ? q : r, 0, C, 0, r);
  } else if (!transA && !transB) matmul(A, aOff, B, bOff, C, 0, p, q, r);
  else if (transA && !transB) matmulTN(A, aOff, B, bOff, C, 0, p, q, r);
  else if (!transA && transB) matmulNT(A, aOff, B, bOff, C, 0, p, r, q);
  else throw new Error('gemm: A^T B^T is not used');
}

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
    if (l === L) A[l - 1].set(y.subarray(offsets[l - 1], offsets[l]));
    else gemm(false, false, A[l], 0, y, offsets[l - 1], A[l - 1], m, dims[l], dims[l - 1]);
  }
  // Prefix products B_l (d_{l-1} x n): B_1 = I, B_{l+1} = W_l B_l.
  const B: Float64Array[] = new Array(L + 1);
  B[1] = identity(n);
  for (let l = 1; l < L; l++) {
    B[l + 1] = new Float64Array(dims[l] * n);
    if (l === 1) B[2].set(y.subarray(offsets[0], offsets[1]));
    else gemm(false, false, y, offsets[l - 1], B[l], 0, B[l + 1], dims[l], dims[l - 1], n);
  }
  const X: Float64Array[] = [], Y: Float64Array[] = [];
  for (let l = 1; l <= L; l++) {
    // A_L = I and B_1 = I: their Grams are I, with no rounding.
    X.push(l === L ? identity(m) : gram(A[l], m, dims[l], false));
    Y.push(l === 1 ? identity(n) : gram(B[l], dims[l - 1], n, true));
  }
  return { X, Y };
}

/** M M^T (rows x rows) for M rows x cols, or M^T M (cols x cols) when `transposed`. */
function gram(M: Float64Array, rows: number, cols: number, transposed: boolean): Float64Array {
  const k = transposed ? cols : rows;
  const out = new Float64Array(k * k);
  if (transposed) gemm(true, false, M, 0, M, 0, out, cols, rows, cols);
  else gemm(false, true, M, 0, M, 0, out, rows, cols, rows);
  // Symmetric in exact arithmetic; make it so in floating point (the pair sums use X[i,k] = X[k,i]).
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out[j * k + i] = out[i * k + j];
  return out;
}

function identity(k: number): Float64Array {
  const I = new Float64Array(k * k);
  for (let i = 0; i < k; i++) I[i * k + i] = 1;
  return I;
}

/** K[p, q] for targets p = (pi, pj) and sources q = (qk, qr), |P| x |Q| row-major (dense: small problems and --tangent-kernel only). */
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

/** Frobenius norms of the kernel's parts, computed without forming it. */
export interface KernelNorms {
  /** ||K||_F over observed x observed. */
  observed: number;
  /** ||K||_F over pairs of observed entries in different groups. */
  offGroup: number;
  /** ||K||_F over unobserved x observed (0 when not asked for). */
  unobserved: number;
  /** Parts recomputed entry by entry because the layer-pair sums cancelled to rounding level. */
  exact: ('offGroup' | 'unobserved')[];
}

/**
 * A layer-pair sum cancelling below this fraction of its Cauchy–Schwarz bound
 * (sum_l sqrt(S_ll))^2 has lost too many digits to trust: that part is then
 * summed entry by entry instead (exact to rounding, O(L |P| |Omega|) time).
 */
const CANCELLATION_LIMIT = 1e-2;

/** Norms of the observed kernel, of its off-group part and of the unobserved block. */
export function kernelNorms(problem: Problem, y: Float64Array, entryGroup: Int32Array, options: { unobserved?: boolean; entryByEntry?: boolean } = {}): KernelNorms {
  const withUnobserved = options.unobserved ?? true;
  /** Sum the off-group and unobserved parts entry by entry whatever the cancellation (tests compare both ways). */
  const forced = options.entryByEntry ?? false;
  const { m, n, obsRows, obsCols } = problem;
  const { X, Y } = kernelFactors(problem, y);
  const L = X.length;
  const N = obsRows.length;
  // Group bookkeeping: for each group, its entries and the rows they use.
  let groups = 0;
  for (let p = 0; p < N; p++) groups = Math.max(groups, entryGroup[p] + 1);
  const byGroup: number[][] = Array.from({ length: groups }, () => []);
  for (let p = 0; p < N; p++) byGroup[entryGroup[p]].push(p);
  // Entries of each row (the observed list is sorted row-major).
  const rowStart = new Int32Array(m + 1);
  for (let p = 0; p < N; p++) rowStart[obsRows[p] + 1]++;
  for (let i = 0; i < m; i++) rowStart[i + 1] += rowStart[i];

  const P = new Float64Array(m * m), Q = new Float64Array(n * n);
  const U = new Float64Array(m * n), UT = new Float64Array(n * m);
  const rsP = new Float64Array(m), rsQ = new Float64Array(n);
  const mark = new Int32Array(m).fill(-1);
  const slot = new Int32Array(m);
  const V = new Float64Array(m * n);
  const total = pairMatrix(L), off = pairMatrix(L), unobs = pairMatrix(L);

  for (let l = 0; l < L; l++) {
    for (let l2 = l; l2 < L; l2++) {
      hadamard(X[l], X[l2], P); hadamard(Y[l], Y[l2], Q);
      // U[k, :] = sum over observed (k, r) of Q[r, :]; UT its transpose.
      U.fill(0);
      for (let q = 0; q < N; q++) {
        const k = obsRows[q] * n, r = obsCols[q] * n;
        for (let j = 0; j < n; j++) U[k + j] += Q[r + j];
      }
      for (let k = 0; k < m; k++) for (let j = 0; j < n; j++) UT[j * m + k] = U[k * n + j];
      // Whole observed block: sum over p = (i, j) of P[i, :] . UT[j, :].
      let t = 0;
      for (let p = 0; p < N; p++) t += dot(P, obsRows[p] * m, UT, obsCols[p] * m, m);
      total[l][l2] = total[l2][l] = t;
      // Off-group: for p in group g, sum_k P[i, k] V_g[k, j] where V_g is U without g's entries;
      // rows k holding none of g's entries keep U's values, the others are recomputed.
      let o = 0;
      if (groups > 1) {
        for (let g = 0; g < groups; g++) {
          const entries = byGroup[g];
          let rowsUsed = 0;
          for (const p of entries) {
            const k = obsRows[p];
            if (mark[k] === g) continue;
            mark[k] = g; slot[k] = rowsUsed;
            const v = rowsUsed++ * n;
            V.fill(0, v, v + n);
            for (let q = rowStart[k]; q < rowStart[k + 1]; q++) {
              if (entryGroup[q] === g) continue;
              const r = obsCols[q] * n;
              for (let j = 0; j < n; j++) V[v + j] += Q[r + j];
            }
          }
          for (const p of entries) {
            const pi = obsRows[p] * m, j = obsCols[p], uj = j * m;
            let s = 0;
            for (let k = 0; k < m; k++) s += P[pi + k] * (mark[k] === g ? V[slot[k] * n + j] : UT[uj + k]);
            o += s;
          }
        }
        mark.fill(-1);
      }
      off[l][l2] = off[l2][l] = o;
      if (!withUnobserved) continue;
      // Unobserved block: all targets p minus the observed ones; sum over all (i, j) of P[i,k] Q[r,j] = rowsum(P)[k] rowsum(Q)[r].
      rowSums(P, m, rsP); rowSums(Q, n, rsQ);
      let all = 0;
      for (let q = 0; q < N; q++) all += rsP[obsRows[q]] * rsQ[obsCols[q]];
      unobs[l][l2] = unobs[l2][l] = all - t;
    }
  }

  const exact: KernelNorms['exact'] = [];
  const observed = Math.sqrt(Math.max(0, sumPairs(total)));
  let offSq = groups > 1 ? sumPairs(off) : 0;
  if (groups > 1 && (forced || cancelled(off))) {
    offSq = directSquares(problem, X, Y, obsRows, obsCols, entryGroup);
    exact.push('offGroup');
  }
  const someUnobserved = withUnobserved && N < m * n;
  let unobsSq = someUnobserved ? sumPairs(unobs) : 0;
  if (someUnobserved && (forced || cancelled(unobs))) {
    const { rows, cols } = unobservedEntries(problem);
    unobsSq = directSquares(problem, X, Y, rows, cols, null);
    exact.push('unobserved');
  }
  return { observed, offGroup: Math.sqrt(Math.max(0, offSq)), unobserved: Math.sqrt(Math.max(0, unobsSq)), exact };
}

function pairMatrix(L: number): Float64Array[] {
  return Array.from({ length: L }, () => new Float64Array(L));
}

function sumPairs(S: Float64Array[]): number {
  let s = 0;
  for (const row of S) for (const v of row) s += v;
  return s;
}

/** The sum of the pair sums lost more than two digits to cancellation (S_ll >= 0 bound |S_ll'| by Cauchy–Schwarz). */
function cancelled(S: Float64Array[]): boolean {
  let root = 0;
  for (let l = 0; l < S.length; l++) root += Math.sqrt(Math.max(0, S[l][l]));
  return sumPairs(S) < CANCELLATION_LIMIT * root * root;
}

function hadamard(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += a[ao + k] * b[bo + k];
  return s;
}

function rowSums(M: Float64Array, k: number, out: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += M[i * k + j];
    out[i] = s;
  }
}

/**
 * sum over targets p in (rows, cols) and observed sources q of K[p, q]^2, one
 * row of K at a time (memory O(|Omega|)); with entryGroup, only pairs in
 * different groups (targets are then the observed entries themselves).
 */
function directSquares(
  problem: Problem, X: Float64Array[], Y: Float64Array[], rows: Int32Array, cols: Int32Array, entryGroup: Int32Array | null,
): number {
  const { m, n, obsRows, obsCols } = problem;
  const N = obsRows.length;
  // Y_l^T rows: Y[r, j] = Y[j, r] (symmetric), read along row j.
  const row = new Float64Array(N);
  let s = 0;
  for (let p = 0; p < rows.length; p++) {
    row.fill(0);
    const xi = rows[p] * m, yj = cols[p] * n;
    for (let l = 0; l < X.length; l++) {
      const x = X[l], yy = Y[l];
      for (let q = 0; q < N; q++) row[q] += x[xi + obsRows[q]] * yy[yj + obsCols[q]];
    }
    for (let q = 0; q < N; q++) if (entryGroup === null || entryGroup[q] !== entryGroup[p]) s += row[q] * row[q];
  }
  return s;
}

/** Row and column indices of the unobserved entries, row-major. */
export function unobservedEntries(problem: Pick<Problem, 'm' | 'n' | 'mask'>): { rows: Int32Array; cols: Int32Array } {
  const { m, n, mask } = problem;
  let count = 0;
  for (let e = 0; e < m * n; e++) if (!mask[e]) count++;
  const rows = new Int32Array(count), cols = new Int32Array(count);
  for (let i = 0, k = 0; i < m; i++) for (let j = 0; j < n; j++) if (!mask[i * n + j]) { rows[k] = i; cols[k] = j; k++; }
  return { rows, cols };
}

/** Coupling index of the observed-entry kernel for a labelling of the observed entries. */
export function couplingIndex(problem: Problem, y: Float64Array, entryGroup: Int32Array): CouplingIndex {
  let groups = 0;
  for (let p = 0; p < entryGroup.length; p++) groups = Math.max(groups, entryGroup[p] + 1);
  if (groups <= 1) return { index: 0, decoupled: true, groups };
  const norms = kernelNorms(problem, y, entryGroup, { unobserved: false });
  const index = norms.observed > 0 ? norms.offGroup / norms.observed : 0;
  return { index, decoupled: index < DECOUPLED_BELOW, groups };
}
