// The gradient-flow vector field of f = 1/2 ||P_Omega(W_L...W_1 - W*)||_F^2 in
// TypeScript loops (no native code):
//   dW_l/dt = -(W_L...W_{l+1})^T G (W_{l-1}...W_1)^T,  G = P_Omega(W - W*)
// (Arora, Cohen & Hazan 2018; docs/coupling.md, "The flow"). Computed like
// back-propagation: prefix products P_l = W_l...W_1 forwards, only the
// observed entries of W (G is sparse), then H_l = (W_L...W_{l+1})^T G
// backwards. Depth L costs 3(L-2) dense products plus O(|Omega| d) work;
// depth 2 needs no dense product at all. All workspace is allocated once.

import type { Rhs } from '../../ode/types.js';
import { matmul, matmulNT, matmulTN } from '../../linalg/dense.js';
import { gemmLoops } from '../../linalg/gemm.js';
import { hessianVector } from './hessianVector.js';
import { asGradientField, newFieldState, observedTargets, type FieldProblem, type GradientField } from './types.js';

/** The sparse TypeScript field (no native code). */
export function typescriptField(problem: FieldProblem): GradientField {
  const { dims, offsets, depth: L, n, target, obsRows, obsCols } = problem;
  const nObs = obsRows.length;
  // Prefix products P_2..P_{L-1}, each d_l x n.
  const pOff: number[] = new Array(L + 1).fill(0);
  let pLen = 0;
  for (let l = 2; l <= L - 1; l++) { pOff[l] = pLen; pLen += dims[l] * n; }
  const P = new Float64Array(pLen);
  let hLen = 0;
  for (let l = 1; l < L; l++) hLen = Math.max(hLen, dims[l] * n);
  let H = new Float64Array(hLen);
  let H2 = new Float64Array(hLen);
  const resid = new Float64Array(nObs);
  // Target values at the observed entries, contiguous.
  const tObs = observedTargets(target, n, obsRows, obsCols);

  const state = newFieldState();

  const rhs: Rhs = (_t, y, dy) => {
    state.evaluations++;
    let loss = 0;
    if (L === 1) {
      dy.fill(0, 0, offsets[1]);
      for (let p = 0; p < nObs; p++) {
        const idx = obsRows[p] * n + obsCols[p];
        const r = y[idx] - tObs[p];
        loss += r * r;
        dy[idx] = -r;
      }
      state.lastLoss = 0.5 * loss;
      return;
    }
    // Forward: P_l = W_l P_{l-1}, with P_1 = W_1 read in place.
    for (let l = 2; l <= L - 1; l++) {
      const src = l === 2 ? y : P;
      const so = l === 2 ? offsets[0] : pOff[l - 1];
      matmul(y, offsets[l - 1], src, so, P, pOff[l], dims[l], dims[l - 1], n);
    }
    const Pl = L === 2 ? y : P; // P_{L-1}
    const po = L === 2 ? offsets[0] : pOff[L - 1];
    const q = dims[L - 1];
    const oL = offsets[L - 1];
    // Observed entries of W = W_L P_{L-1}, and the residual there.
    for (let p = 0; p < nObs; p++) {
      const wi = oL + obsRows[p] * q;
      const j = po + obsCols[p];
      let acc = 0;
      for (let k = 0; k < q; k++) acc += y[wi + k] * Pl[j + k * n];
      const r = acc - tObs[p];
      resid[p] = r;
      loss += r * r;
    }
    state.lastLoss = 0.5 * loss;
    // Last layer: dW_L = -G P_{L-1}^T; and H_{L-1} = W_L^T G.
    dy.fill(0, oL, offsets[L]);
    H.fill(0, 0, q * n);
    for (let p = 0; p < nObs; p++) {
      const r = resid[p];
      if (r === 0) continue;
      const wi = oL + obsRows[p] * q;
      const j = obsCols[p];
      for (let k = 0; k < q; k++) {
        dy[wi + k] -= r * Pl[po + j + k * n];
        H[k * n + j] += y[wi + k] * r;
      }
    }
    // Backward: dW_l = -H_l P_{l-1}^T, H_{l-1} = W_l^T H_l.
    for (let l = L - 1; l >= 1; l--) {
      const dl = dims[l], dl1 = dims[l - 1], ol = offsets[l - 1];
      if (l === 1) {
        for (let i = 0; i < dl * n; i++) dy[ol + i] = -H[i];
      } else {
        const src = l === 2 ? y : P;
        const so = l === 2 ? offsets[0] : pOff[l - 1];
        matmulNT(H, 0, src, so, dy, ol, dl, dl1, n, -1);
        matmulTN(y, ol, H, 0, H2, 0, dl1, dl, n);
        const tmp = H; H = H2; H2 = tmp;
      }
    }
  };

  return asGradientField(rhs, state, 'js', () => hessianVector(problem, gemmLoops), 'js');
}
