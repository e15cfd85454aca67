// The gradient-flow vector field on dense BLAS products (native/), for sizes
// where OpenBLAS's dgemm beats the TypeScript sparse loops of
// typescriptField.ts: forward P_l = W_l P_{l-1} up to W = W_L P_{L-1}, the dense
// residual G = P_Omega(W - W*), then backward dW_l = -H_l P_{l-1}^T and
// H_{l-1} = W_l^T H_l from H_L = G (Arora, Cohen & Hazan 2018). 3L - 3
// products per call; all workspace allocated once.

import type { NativeBlas } from '../../linalg/native.js';
import type { Rhs } from '../../ode/types.js';
import { hessianVector } from './hessianVector.js';
import { asGradientField, newFieldState, observedTargets, type FieldProblem, type GradientField } from './types.js';

export function blasField(problem: FieldProblem, blas: NativeBlas): GradientField {
  const { dims, offsets, depth: L, n, target, obsRows, obsCols } = problem;
  const m = dims[L];
  const nObs = obsRows.length;
  // P_l for l = 2..L (P_L = W), each d_l x n.
  const P: Float64Array[] = [];
  for (let l = 0; l <= L; l++) P.push(l >= 2 ? new Float64Array(dims[l] * n) : new Float64Array(0));
  let hLen = 0;
  for (let l = 1; l <= L; l++) hLen = Math.max(hLen, dims[l] * n);
  let H = new Float64Array(hLen);
  let H2 = new Float64Array(hLen);
  const obsIdx = new Int32Array(nObs);
  for (let p = 0; p < nObs; p++) obsIdx[p] = obsRows[p] * n + obsCols[p];
  const tObs = observedTargets(target, n, obsRows, obsCols);
  const state = newFieldState();

  const rhs: Rhs = (_t, y, dy) => {
    state.evaluations++;
    // P_1 = W_1 is read in place from y.
    for (let l = 2; l <= L; l++) {
      const src = l === 2 ? y : P[l - 1], so = l === 2 ? offsets[0] : 0;
      blas.dgemm(false, false, dims[l], n, dims[l - 1], 1, y, offsets[l - 1], dims[l - 1], src, so, n, 0, P[l], 0, n);
    }
    const W = L === 1 ? y : P[L];
    const wo = L === 1 ? offsets[0] : 0;
    H.fill(0, 0, m * n);
    let loss = 0;
    for (let p = 0; p < nObs; p++) {
      const r = W[wo + obsIdx[p]] - tObs[p];
      H[obsIdx[p]] = r;
      loss += r * r;
    }
    state.lastLoss = 0.5 * loss;
    for (let l = L; l >= 1; l--) {
      const dl = dims[l], dl1 = dims[l - 1], ol = offsets[l - 1];
      if (l === 1) {
        for (let i = 0; i < dl * n; i++) dy[ol + i] = -H[i];
        break;
      }
      // Two plain conditionals, not a destructured pair: no array per layer per evaluation.
      const src = l === 2 ? y : P[l - 1], so = l === 2 ? offsets[0] : 0;
      // dW_l = -H_l P_{l-1}^T (d_l x d_{l-1}); H_{l-1} = W_l^T H_l (d_{l-1} x n).
      blas.dgemm(false, true, dl, dl1, n, -1, H, 0, n, src, so, n, 0, dy, ol, dl1);
      blas.dgemm(true, false, dl1, n, dl, 1, y, ol, dl1, H, 0, n, 0, H2, 0, n);
      const tmp = H; H = H2; H2 = tmp;
    }
  };

  return asGradientField(rhs, state, 'native', () => hessianVector(problem, (...args) => blas.dgemm(...args)), 'native');
}
