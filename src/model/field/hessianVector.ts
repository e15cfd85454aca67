// Exact Hessian-vector products of f = 1/2 ||P_Omega(W_L...W_1 - W*)||_F^2,
// as the Jacobian of the gradient-flow field: jvp(t, y, v, out) writes
// out = J v = -(Hessian of f at y) v. Forward-over-reverse: the directional
// derivative along V = (V_1..V_L) of the back-propagation of the field
// kernels (Pearlmutter 1994, "Fast exact multiplication by the Hessian"):
//   dP_1 = V_1,  dP_l = V_l P_{l-1} + W_l dP_{l-1},   dH_L = P_Omega(dP_L),
//   d grad_l = dH_l P_{l-1}^T + H_l dP_{l-1}^T,        dH_{l-1} = V_l^T H_l + W_l^T dH_l,
// with P_l = W_l...W_1, H_L = P_Omega(W - W*), H_{l-1} = W_l^T H_l (docs/coupling.md,
// "The flow"). The products at y (P_l, H_l: one field evaluation) are kept
// while y stays the same, so each further product costs the four products
// per layer of the derivative pass: about two field evaluations.
// Written once against a gemm: the native dgemm where it loads, loops otherwise.

import type { Gemm } from '../../linalg/gemm.js';
import type { Jvp } from '../../ode/types.js';
import { observedTargets, type FieldProblem, type HessianVector } from './types.js';

export function hessianVector(problem: FieldProblem, gemm: Gemm): HessianVector {
  const { dims, offsets, depth: L, n, target, obsRows, obsCols } = problem;
  const size = offsets[L];
  const nObs = obsRows.length;
  const obsIdx = new Int32Array(nObs);
  for (let p = 0; p < nObs; p++) obsIdx[p] = obsRows[p] * n + obsCols[p];
  const tObs = observedTargets(target, n, obsRows, obsCols);
  // P[l], dP[l] (d_l x n) for l = 2..L; H[l], dH[l] (d_l x n) for l = 1..L.
  const alloc = (from: number) => Array.from({ length: L + 1 }, (_, l) => new Float64Array(l >= from ? dims[l] * n : 0));
  const P = alloc(2), dP = alloc(2), H = alloc(1), dH = alloc(1);
  const at = new Float64Array(size);
  let linearized = false;
  const counts = { products: 0, linearizations: 0 };

  /** P_l and H_l at y. */
  const linearize = (y: Float64Array): void => {
    counts.linearizations++;
    at.set(y.subarray(0, size));
    linearized = true;
    for (let l = 2; l <= L; l++) {
      const [src, so] = l === 2 ? [y, offsets[0]] : [P[l - 1], 0];
      gemm(false, false, dims[l], n, dims[l - 1], 1, y, offsets[l - 1], dims[l - 1], src, so, n, 0, P[l], 0, n);
    }
    const [W, wo] = L === 1 ? [y, offsets[0]] : [P[L], 0];
    const G = H[L];
    G.fill(0);
    for (let p = 0; p < nObs; p++) G[obsIdx[p]] = W[wo + obsIdx[p]] - tObs[p];
    for (let l = L; l >= 2; l--) gemm(true, false, dims[l - 1], n, dims[l], 1, y, offsets[l - 1], dims[l - 1], H[l], 0, n, 0, H[l - 1], 0, n);
  };

  const same = (y: Float64Array): boolean => {
    if (!linearized) return false;
    for (let i = 0; i < size; i++) if (y[i] !== at[i]) return false;
    return true;
  };

  const jvp: Jvp = (_t, y, v, out) => {
    counts.products++;
    if (!same(y)) linearize(y);
    // Forward: dP_l = V_l P_{l-1} + W_l dP_{l-1} (P_1 = W_1 and dP_1 = V_1 read in place).
    for (let l = 2; l <= L; l++) {
      const [src, so] = l === 2 ? [y, offsets[0]] : [P[l - 1], 0];
      const [dsrc, dso] = l === 2 ? [v, offsets[0]] : [dP[l - 1], 0];
      gemm(false, false, dims[l], n, dims[l - 1], 1, v, offsets[l - 1], dims[l - 1], src, so, n, 0, dP[l], 0, n);
      gemm(false, false, dims[l], n, dims[l - 1], 1, y, offsets[l - 1], dims[l - 1], dsrc, dso, n, 1, dP[l], 0, n);
    }
    const [dW, dwo] = L === 1 ? [v, offsets[0]] : [dP[L], 0];
    const dG = dH[L];
    dG.fill(0);
    for (let p = 0; p < nObs; p++) dG[obsIdx[p]] = dW[dwo + obsIdx[p]];
    // Backward: out_l = -(dH_l P_{l-1}^T + H_l dP_{l-1}^T), dH_{l-1} = V_l^T H_l + W_l^T dH_l.
    for (let l = L; l >= 1; l--) {
      const dl = dims[l], dl1 = dims[l - 1], ol = offsets[l - 1];
      if (l === 1) {
        const d = dH[1];
        for (let i = 0; i < dl * n; i++) out[ol + i] = -d[i];
        break;
      }
      const [src, so] = l === 2 ? [y, offsets[0]] : [P[l - 1], 0];
      const [dsrc, dso] = l === 2 ? [v, offsets[0]] : [dP[l - 1], 0];
      gemm(false, true, dl, dl1, n, -1, dH[l], 0, n, src, so, n, 0, out, ol, dl1);
      gemm(false, true, dl, dl1, n, -1, H[l], 0, n, dsrc, dso, n, 1, out, ol, dl1);
      gemm(true, false, dl1, n, dl, 1, v, ol, dl1, H[l], 0, n, 0, dH[l - 1], 0, n);
      gemm(true, false, dl1, n, dl, 1, y, ol, dl1, dH[l], 0, n, 1, dH[l - 1], 0, n);
    }
  };

  return {
    jvp,
    get products() { return counts.products; },
    get linearizations() { return counts.linearizations; },
  };
}
