// The largest |eigenvalue| of a symmetric Jacobian from a few Lanczos steps on
// exact Jacobian-vector products (Golub & Van Loan, "Matrix Computations",
// 4th ed., sections 10.1 and 10.3: the extreme Ritz values of the tridiagonal
// T_k converge to the extreme eigenvalues from inside, and |beta_k s_k| (the
// last component of the Ritz vector) is the residual norm of the Ritz pair:
// an eigenvalue lies within it of the Ritz value). No reorthogonalization:
// k is small, and only the extreme value is wanted, which loss of
// orthogonality does not move (it duplicates converged values).
// Knows nothing about matrices: it sees vectors and a jvp.

import type { Jvp } from './types.js';

/** Stop when the residual bound is below this fraction of the estimate... */
const LANCZOS_RTOL = 0.01;
/** ...and the dominant Ritz value moved by less than this fraction in the last step... */
const LANCZOS_STEADY = 1e-3;
/**
 * ...after at least this many steps: a small residual only says that some
 * eigenvalue lies near the Ritz value, and in the first steps that is often an
 * inner one (the start vector's components on the extreme eigenvectors small).
 */
const LANCZOS_MIN_STEPS = 4;
/** Fraction of a fixed spread vector mixed into the warm start, so no eigendirection is missing from it. */
const SPREAD = 1e-2;

export interface LanczosResult {
  /** |theta| + residual bound of the dominant Ritz pair: an estimate of the spectral radius from above. */
  radius: number;
  /** Jacobian-vector products used. */
  products: number;
  /** Whether the stopping test passed (false: the step limit ended it, the estimate is rougher). */
  converged: boolean;
}

/** Workspace for up to maxSteps Lanczos steps on vectors of length n, allocated once. */
export class LanczosRadius {
  private readonly Q: Float64Array;
  private readonly w: Float64Array;
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private readonly s: Float64Array;
  private readonly d: Float64Array;

  constructor(private readonly n: number, readonly maxSteps: number) {
    this.Q = new Float64Array((maxSteps + 1) * n);
    this.w = new Float64Array(n);
    this.alpha = new Float64Array(maxSteps);
    this.beta = new Float64Array(maxSteps);
    this.s = new Float64Array(maxSteps);
    this.d = new Float64Array(maxSteps);
  }

  /**
   * The spectral radius of J = d jvp at (t, y), J symmetric. v is the start
   * vector (the last call's dominant Ritz vector, or any nonzero vector) and
   * receives this call's dominant Ritz vector, for the next warm start.
   */
  radius(jvp: Jvp, t: number, y: Float64Array, v: Float64Array): LanczosResult {
    const { n, Q, w, alpha, beta } = this;
    let vn = 0;
    for (let i = 0; i < n; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    const spread = vn > 0 ? (SPREAD * vn) / Math.sqrt(n) : 1;
    let qn = 0;
    for (let i = 0; i < n; i++) { Q[i] = v[i] + spread * (((i * 7919) % 13) / 6 - 1); qn += Q[i] * Q[i]; }
    qn = Math.sqrt(qn);
    for (let i = 0; i < n; i++) Q[i] /= qn;
    let theta = 0, thetaPrev = NaN, resid = Infinity, k = 0, converged = false;
    for (let j = 0; j < this.maxSteps; j++) {
      const q = Q.subarray(j * n, (j + 1) * n);
      jvp(t, y, q, w);
      k = j + 1;
      let a = 0;
      for (let i = 0; i < n; i++) a += w[i] * q[i];
      alpha[j] = a;
      let b = 0;
      if (j > 0) {
        const qp = Q.subarray((j - 1) * n, j * n);
        const bp = beta[j - 1];
        for (let i = 0; i < n; i++) { w[i] -= a * q[i] + bp * qp[i]; b += w[i] * w[i]; }
      } else {
        for (let i = 0; i < n; i++) { w[i] -= a * q[i]; b += w[i] * w[i]; }
      }
      b = Math.sqrt(b);
      beta[j] = b;
      thetaPrev = theta;
      theta = this.dominantRitzValue(k);
      resid = b * Math.abs(this.ritzVector(k, theta));
      // Invariant subspace (b ~ 0), or a converged and steady estimate.
      if (b <= 1e-14 * Math.abs(a)) { converged = true; break; }
      if (k >= Math.min(LANCZOS_MIN_STEPS, n) && resid <= LANCZOS_RTOL * Math.abs(theta) && Math.abs(theta - thetaPrev) <= LANCZOS_STEADY * Math.abs(theta)) { converged = true; break; }
      const qNext = Q.subarray((j + 1) * n, (j + 2) * n);
      for (let i = 0; i < n; i++) qNext[i] = w[i] / b;
    }
    // Warm start of the next call: the dominant Ritz vector sum_j s_j q_j.
    v.fill(0);
    for (let j = 0; j < k; j++) {
      const sj = this.s[j], o = j * n;
      for (let i = 0; i < n; i++) v[i] += sj * Q[o + i];
    }
    return { radius: Math.abs(theta) + (Number.isFinite(resid) ? resid : 0), products: k, converged };
  }

  /** The eigenvalue of T_k (alpha on the diagonal, beta beside it) of largest magnitude, by bisection on Sturm counts. */
  private dominantRitzValue(k: number): number {
    const { alpha, beta } = this;
    // Gershgorin bounds.
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < k; j++) {
      const r = (j > 0 ? Math.abs(beta[j - 1]) : 0) + (j < k - 1 ? Math.abs(beta[j]) : 0);
      lo = Math.min(lo, alpha[j] - r); hi = Math.max(hi, alpha[j] + r);
    }
    const largest = this.bisect(k, lo, hi, k - 1);
    const smallest = this.bisect(k, lo, hi, 0);
    return Math.abs(smallest) > Math.abs(largest) ? smallest : largest;
  }

  /** The eigenvalue with `index` eigenvalues below it (0: the smallest), in [lo, hi]. */
  private bisect(k: number, lo: number, hi: number, index: number): number {
    const scale = Math.max(Math.abs(lo), Math.abs(hi), 1e-300);
    for (let it = 0; it < 200 && hi - lo > 4e-16 * scale; it++) {
      const mid = 0.5 * (lo + hi);
      if (this.countBelow(k, mid) > index) hi = mid; else lo = mid;
    }
    return 0.5 * (lo + hi);
  }

  /** Eigenvalues of T_k below x: negative pivots of the LDL^T factorization of T_k - x I (Sturm). */
  private countBelow(k: number, x: number): number {
    const { alpha, beta } = this;
    let count = 0, d = 1;
    for (let j = 0; j < k; j++) {
      d = alpha[j] - x - (j > 0 ? (beta[j - 1] * beta[j - 1]) / d : 0);
      if (d === 0) d = 1e-300;
      if (d < 0) count++;
    }
    return count;
  }

  /**
   * The unit eigenvector s of T_k for the eigenvalue theta, by two steps of
   * inverse iteration (T_k - sigma I, sigma just beyond theta, is definite, so
   * the LDL^T solve needs no pivoting); returns its last component.
   */
  private ritzVector(k: number, theta: number): number {
    const { alpha, beta, s, d } = this;
    const sigma = theta + (theta >= 0 ? 1 : -1) * 1e-10 * Math.max(Math.abs(theta), 1e-300);
    s.fill(1, 0, k);
    for (let sweep = 0; sweep < 2; sweep++) {
      // Forward: L D L^T factorization and L z = s; then D L^T x = z.
      for (let j = 0; j < k; j++) {
        const l = j > 0 ? beta[j - 1] / d[j - 1] : 0;
        d[j] = alpha[j] - sigma - (j > 0 ? l * beta[j - 1] : 0);
        if (d[j] === 0) d[j] = 1e-300;
        if (j > 0) s[j] -= l * s[j - 1];
      }
      s[k - 1] /= d[k - 1];
      for (let j = k - 2; j >= 0; j--) s[j] = (s[j] - beta[j] * s[j + 1]) / d[j];
      let norm = 0;
      for (let j = 0; j < k; j++) norm += s[j] * s[j];
      norm = Math.sqrt(norm);
      for (let j = 0; j < k; j++) s[j] /= norm;
    }
    return s[k - 1];
  }
}
