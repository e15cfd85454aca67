// Singular values of X = U diag(d) V^T computed from the factors, so that a
// component the dynamics drove to zero shows as an exact 0 and a tiny one as
// its own size rather than as rounding of sigma_1 (an SVD of the assembled
// matrix cannot resolve values below ~1e-16 sigma_1).
// X = sum_c w_c u^_c v^_c^T with w_c = d_c ||u_c|| ||v_c||: components with
// w_c = 0 are dropped (exact zeros); the rest, sorted by |w_c|, go through
// two column-wise backward-stable Householder QRs (X = Q1 R1 B^T, then
// B R1^T = Q2 R2) and a one-sided Jacobi SVD of the small graded R2, which
// keeps relative accuracy on graded matrices (Demmel & Veselić 1992,
// "Jacobi's method is more accurate than QR"; Higham, Accuracy and Stability
// of Numerical Algorithms, 2nd ed., 19.3 on column-wise stability of QR).

import type { FactorProblem } from './problem.js';

/** Singular values of the factored matrix at the packed state x, descending, min(m, n) of them. */
export function factorSingularValues(p: Pick<FactorProblem, 'm' | 'n' | 'k' | 'offU' | 'offD' | 'offV'>, x: ArrayLike<number>): number[] {
  const { m, n, k, offU, offD, offV } = p;
  const colNorm = (off: number, rows: number, c: number) => {
    let scale = 0;
    for (let i = 0; i < rows; i++) scale = Math.max(scale, Math.abs(x[off + i * k + c]));
    return scale === 0 ? 0 : scale * Math.sqrt(sumSquares(rows, (i) => x[off + i * k + c] / scale));
  };
  const comps: { c: number; w: number; a: number; b: number }[] = [];
  for (let c = 0; c < k; c++) {
    const a = colNorm(offU, m, c), b = colNorm(offV, n, c);
    const w = weight(Math.abs(x[offD + c]), a, b);
    if (w > 0) comps.push({ c, w, a, b });
  }
  comps.sort((s, t) => t.w - s.w);
  const r = comps.length;
  const out = new Array<number>(Math.min(m, n)).fill(0);
  if (r === 0) return out;
  // A = [w_c sign(d_c) u_c / ||u_c||] (m x r, column norms w_c), B = [v_c / ||v_c||] (n x r), X = A B^T. Column-major.
  const A = new Float64Array(m * r), B = new Float64Array(n * r);
  comps.forEach(({ c, w, a, b }, j) => {
    const s = Math.sign(x[offD + c]) * w;
    for (let i = 0; i < m; i++) A[j * m + i] = (x[offU + i * k + c] / a) * s;
    for (let i = 0; i < n; i++) B[j * n + i] = x[offV + i * k + c] / b;
  });
  const q1 = Math.min(m, r);
  const R1 = householderR(A, m, r); // q1 x r, column-major
  // C = B R1^T (n x q1): column i = sum_j R1[i, j] B[:, j].
  const C = new Float64Array(n * q1);
  for (let i = 0; i < q1; i++) for (let j = i; j < r; j++) {
    const rij = R1[j * q1 + i];
    if (rij === 0) continue;
    for (let l = 0; l < n; l++) C[i * n + l] += rij * B[j * n + l];
  }
  const q2 = Math.min(n, q1);
  const R2 = householderR(C, n, q1); // q2 x q1
  const sigma = jacobiSingularValues(R2, q2, q1);
  sigma.sort((s, t) => t - s);
  for (let i = 0; i < Math.min(sigma.length, out.length); i++) out[i] = sigma[i];
  return out;
}

/** R of a Householder QR of the column-major rows x cols matrix A (overwritten), as min(rows, cols) x cols column-major. */
function householderR(A: Float64Array, rows: number, cols: number): Float64Array {
  const q = Math.min(rows, cols);
  for (let j = 0; j < q; j++) {
    const o = j * rows;
    let scale = 0;
    for (let i = j; i < rows; i++) scale = Math.max(scale, Math.abs(A[o + i]));
    if (scale === 0) continue;
    let s = 0;
    for (let i = j; i < rows; i++) s += (A[o + i] / scale) ** 2;
    const alpha = -(A[o + j] >= 0 ? 1 : -1) * scale * Math.sqrt(s);
    // v = a - alpha e_j, stored in place and scaled to a unit vector (its
    // squares cannot underflow then); H = I - 2 v v^T.
    A[o + j] -= alpha;
    let vScale = 0;
    for (let i = j; i < rows; i++) vScale = Math.max(vScale, Math.abs(A[o + i]));
    const vNorm = vScale * Math.sqrt(sumSquares(rows - j, (i) => A[o + j + i] / vScale));
    for (let i = j; i < rows; i++) A[o + i] /= vNorm;
    for (let c = j + 1; c < cols; c++) {
      const oc = c * rows;
      let dot = 0;
      for (let i = j; i < rows; i++) dot += A[o + i] * A[oc + i];
      const f = 2 * dot;
      for (let i = j; i < rows; i++) A[oc + i] -= f * A[o + i];
    }
    A[o + j] = alpha;
    for (let i = j + 1; i < rows; i++) A[o + i] = 0;
  }
  const R = new Float64Array(q * cols);
  for (let c = 0; c < cols; c++) for (let i = 0; i < Math.min(q, c + 1); i++) R[c * q + i] = A[c * rows + i];
  return R;
}

/** Singular values of a column-major rows x cols matrix by one-sided (Hestenes) Jacobi. */
function jacobiSingularValues(M: Float64Array, rows: number, cols: number): number[] {
  const EPS = 2.220446049250313e-16;
  // Column sums are formed on columns scaled by their largest entry, so that
  // graded columns (1e-300 next to 1) neither underflow nor overflow.
  const colScale = (c: number) => {
    let s = 0;
    for (let l = 0; l < rows; l++) s = Math.max(s, Math.abs(M[c * rows + l]));
    return s;
  };
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let i = 0; i < cols - 1; i++) {
      for (let j = i + 1; j < cols; j++) {
        const oi = i * rows, oj = j * rows;
        const si = colScale(i), sj = colScale(j);
        if (si === 0 || sj === 0) continue;
        let a = 0, b = 0, g = 0;
        for (let l = 0; l < rows; l++) {
          const xi = M[oi + l] / si, xj = M[oj + l] / sj;
          a += xi * xi; b += xj * xj; g += xi * xj;
        }
        if (g === 0 || Math.abs(g) <= EPS * Math.sqrt(a * b)) continue;
        // zeta = (||m_j||^2 - ||m_i||^2) / (2 <m_i, m_j>) in scaled terms.
        const zeta = ((sj / si) * b - (si / sj) * a) / (2 * g);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        if (!(t !== 0 && Number.isFinite(t))) continue;
        rotated = true;
        const cs = 1 / Math.sqrt(1 + t * t), sn = cs * t;
        for (let l = 0; l < rows; l++) {
          const xi = M[oi + l], xj = M[oj + l];
          M[oi + l] = cs * xi - sn * xj;
          M[oj + l] = sn * xi + cs * xj;
        }
      }
    }
    if (!rotated) break;
  }
  const s: number[] = [];
  for (let c = 0; c < cols; c++) {
    const sc = colScale(c);
    s.push(sc === 0 ? 0 : sc * Math.sqrt(sumSquares(rows, (l) => M[c * rows + l] / sc)));
  }
  return s;
}

/**
 * d a b (all >= 0) without a spurious overflow or underflow in the partial
 * product: 1e188 * 1e137 * 1e-172 is 1e153, not Infinity. Where d a is a
 * normal double the usual order (values round as they always did); else the
 * largest times the smallest first, whose product cannot overflow or lose
 * digits unless the whole product does.
 */
function weight(d: number, a: number, b: number): number {
  const da = d * a;
  if (da >= 2.2250738585072014e-308 && da < Infinity) return da * b;
  const [lo, mid, hi] = [d, a, b].sort((p, q) => p - q);
  return hi * lo * mid;
}

function sumSquares(len: number, at: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += at(i) ** 2;
  return s;
}
