// What kind of point a plateau of the gradient flow sits at, from the state
// alone: the end-to-end residual G = P_Omega(W - W*) and its top singular
// pair (the direction a rank-one growth of W would take), the product's own
// component along it, the best loss of a width-limited fully observed model
// (Eckart–Young), and the lowest eigenvalues of the loss Hessian in the
// factors (Lanczos on exact Hessian-vector products). docs/runs.md ("Stop
// rules") says what each test proves.

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Jvp } from '../ode/types.js';
import type { Problem } from '../model/problem.js';
import { endToEnd } from '../model/product.js';
import { Rng } from '../model/random.js';
import { singularValues, svdOf } from './spectrum.js';

/** The largest rank an end-to-end product of these layers can have: min(d_0, ..., d_L). */
export function maxRank(problem: Pick<Problem, 'dims'>): number {
  return Math.min(...problem.dims);
}

/** Every entry observed. */
export function fullyObserved(problem: Pick<Problem, 'm' | 'n' | 'obsRows'>): boolean {
  return problem.obsRows.length === problem.m * problem.n;
}

/**
 * The smallest loss the model can reach when its width limits the rank of W
 * below min(m, n) and every entry is observed: 1/2 sum_{i > r} sigma_i(W*)^2
 * with r = maxRank (Eckart–Young); null otherwise (the bound is then 0, or
 * not computable this way).
 */
export function bestRankLimitedLoss(problem: Pick<Problem, 'm' | 'n' | 'dims' | 'obsRows' | 'target'>): { loss: number; rank: number } | null {
  const r = maxRank(problem);
  if (problem.dims.length < 3 || r >= Math.min(problem.m, problem.n) || !fullyObserved(problem)) return null;
  const s = singularValues(problem.target, problem.m, problem.n);
  let tail = 0;
  for (let i = s.length - 1; i >= r; i--) tail += s[i] * s[i];
  return { loss: 0.5 * tail, rank: r };
}

/** The end-to-end view of a state (see endToEndView). */
export interface EndToEndView {
  /** Singular values of W, descending. */
  sigmaW: number[];
  /** Largest singular value of G = P_Omega(W - W*). */
  sigmaG: number;
  /**
   * W's component along the escape direction u v^T, the top singular pair of
   * -G: u^T W v. Positive: W already grows along it (an escape under way);
   * negative: the residual there is W's own, which the flow shrinks; zero at
   * a critical point of the factors (there W^T G = 0 and G W^T = 0).
   */
  escape: number;
  /** ||W(y + e) - W(y)||_F for state errors e of the integration's size (atol + rtol |y_i|, random signs; mean of two probes). */
  noiseW: number;
}

export function endToEndView(problem: Problem, y: Float64Array, rtol: number, atol: number): EndToEndView {
  const { m, n } = problem;
  const W = endToEnd(problem, y);
  const G = new Float64Array(m * n);
  for (let p = 0; p < problem.obsRows.length; p++) {
    const i = problem.obsRows[p] * n + problem.obsCols[p];
    G[i] = W[i] - problem.target[i];
  }
  const { U, V, s } = svdOf(G, m, n);
  let k = 0;
  for (let i = 1; i < s.length; i++) if (Math.abs(s[i]) > Math.abs(s[k])) k = i;
  // -G = sigma u v^T + ...: u = -sign(s_k) U_k, v = V_k.
  const sign = s[k] < 0 ? 1 : -1;
  let escape = 0;
  for (let i = 0; i < m; i++) {
    let wv = 0;
    for (let j = 0; j < n; j++) wv += W[i * n + j] * V.get(j, k);
    escape += sign * U.get(i, k) * wv;
  }
  const yp = new Float64Array(y.length);
  let state = 0x51ed270b | 0;
  let noise = 0;
  for (let probe = 0; probe < 2; probe++) {
    for (let i = 0; i < y.length; i++) {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
      yp[i] = y[i] + ((state & 1) === 0 ? -1 : 1) * (atol + rtol * Math.abs(y[i]));
    }
    const Wp = endToEnd(problem, yp);
    let d = 0;
    for (let i = 0; i < m * n; i++) d += (Wp[i] - W[i]) ** 2;
    noise += Math.sqrt(d);
  }
  return { sigmaW: singularValues(W, m, n), sigmaG: Math.abs(s[k]), escape, noiseW: noise / 2 };
}

/** The lowest eigenpairs of the loss Hessian at a state (hessianLowest). */
export interface HessianSpectrum {
  /** Every Ritz value, ascending: the k-th lowest is at least the k-th lowest eigenvalue (interlacing). */
  values: number[];
  /** The lowest `count` of them. */
  lowest: number[];
  /** Unit Ritz vectors of the lowest values (state-sized). */
  vectors: Float64Array[];
  /** Residual norms ||H x - theta x|| of those pairs: an eigenvalue lies within each of its Ritz value. */
  residuals: number[];
  /** The largest Ritz value (about the largest eigenvalue). */
  highest: number;
  /** Hessian-vector products used. */
  products: number;
  /** Whether the Krylov space spans the whole state (every eigenvalue found). */
  complete: boolean;
}

/**
 * Lanczos with full reorthogonalization on H = -J (jvp gives J v = -H v) at
 * y, from a seeded start vector; a breakdown (an invariant subspace) restarts
 * with a fresh vector orthogonal to the last ones, so with maxSteps >= the
 * state length every eigenvalue is found. Golub & Van Loan, "Matrix
 * Computations", 4th ed., sections 10.1-10.3.
 */
export function hessianLowest(jvp: Jvp, y: Float64Array, maxSteps: number, count = 3): HessianSpectrum {
  const N = y.length;
  const k = Math.min(N, maxSteps);
  const Q: Float64Array[] = [];
  const alpha: number[] = [], beta: number[] = [];
  const rng = new Rng(0x5eed);
  const w = new Float64Array(N);
  const fresh = (): Float64Array | null => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const v = new Float64Array(N);
      for (let i = 0; i < N; i++) v[i] = rng.normal();
      if (orthonormalize(v, Q)) return v;
    }
    return null;
  };
  let q = fresh();
  let products = 0;
  while (q && Q.length < k) {
    Q.push(q);
    jvp(0, y, q, w);
    products++;
    for (let i = 0; i < N; i++) w[i] = -w[i];
    let a = 0;
    for (let i = 0; i < N; i++) a += w[i] * q[i];
    alpha.push(a);
    // Full reorthogonalization (two passes) against every Lanczos vector.
    const r = Float64Array.from(w);
    const b = orthonormalize(r, Q) ? r : null;
    if (Q.length === k) { beta.push(0); break; }
    if (b) {
      // beta = the norm removed by the normalization: recomputed from the coupling q_j^T H q_{j+1}.
      const bj = dot(w, b);
      beta.push(bj);
      q = b;
    } else {
      beta.push(0);
      q = fresh();
    }
  }
  const m = Q.length;
  const T = new Matrix(m, m);
  for (let i = 0; i < m; i++) {
    T.set(i, i, alpha[i]);
    if (i + 1 < m) { T.set(i, i + 1, beta[i]); T.set(i + 1, i, beta[i]); }
  }
  const eig = new EigenvalueDecomposition(T, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const S = eig.eigenvectorMatrix;
  const lowest: number[] = [], vectors: Float64Array[] = [], residuals: number[] = [];
  const hx = new Float64Array(N);
  for (const idx of order.slice(0, count)) {
    const x = new Float64Array(N);
    for (let j = 0; j < m; j++) {
      const sj = S.get(j, idx);
      const qj = Q[j];
      for (let i = 0; i < N; i++) x[i] += sj * qj[i];
    }
    const nx = Math.sqrt(dot(x, x));
    for (let i = 0; i < N; i++) x[i] /= nx;
    jvp(0, y, x, hx);
    products++;
    let res = 0;
    for (let i = 0; i < N; i++) res += (-hx[i] - values[idx] * x[i]) ** 2;
    lowest.push(values[idx]);
    vectors.push(x);
    residuals.push(Math.sqrt(res));
  }
  return { values: order.map((i) => values[i]), lowest, vectors, residuals, highest: values[order[order.length - 1]], products, complete: m === N };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Orthogonalize v against the unit vectors Q (two passes) and normalize it; false when nothing is left. */
function orthonormalize(v: Float64Array, Q: readonly Float64Array[]): boolean {
  const n0 = Math.sqrt(dot(v, v));
  if (!(n0 > 0)) return false;
  for (let pass = 0; pass < 2; pass++) {
    for (const q of Q) {
      const c = dot(v, q);
      for (let i = 0; i < v.length; i++) v[i] -= c * q[i];
    }
  }
  const n1 = Math.sqrt(dot(v, v));
  if (!(n1 > 1e-10 * n0)) return false;
  for (let i = 0; i < v.length; i++) v[i] /= n1;
  return true;
}
