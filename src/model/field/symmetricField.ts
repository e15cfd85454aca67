// The gradient-flow vector field of the symmetric factorization W = U U^T
// (U: n x r), f(U) = 1/2 ||P_Omega(U U^T - W*)||_F^2:
//   dU/dt = -(R + R^T) U,  R = P_Omega(U U^T - W*)
// (the symmetric setting of Li, Luo & Lyu 2021). Only observed entries of
// U U^T are formed, so a call costs O(|Omega| r); no allocation per call.

import type { Jvp, Rhs } from '../../ode/types.js';
import { asGradientField, newFieldState, observedTargets, type GradientField, type HessianVector } from './types.js';

export interface SymmetricProblem {
  /** Side of the square target. */
  n: number;
  /** Columns of U. */
  rank: number;
  target: Float64Array;
  obsRows: Int32Array;
  obsCols: Int32Array;
}

export function symmetricField(problem: SymmetricProblem): GradientField {
  const { n, rank: r, target, obsRows, obsCols } = problem;
  const nObs = obsRows.length;
  const tObs = observedTargets(target, n, obsRows, obsCols);
  const state = newFieldState();

  const rhs: Rhs = (_t, y, dy) => {
    state.evaluations++;
    dy.fill(0, 0, n * r);
    let loss = 0;
    for (let p = 0; p < nObs; p++) {
      const a = obsRows[p] * r, b = obsCols[p] * r;
      let acc = 0;
      for (let k = 0; k < r; k++) acc += y[a + k] * y[b + k];
      const res = acc - tObs[p];
      loss += res * res;
      if (res === 0) continue;
      // R_ij contributes to row i through R U and to row j through R^T U.
      for (let k = 0; k < r; k++) {
        dy[a + k] -= res * y[b + k];
        dy[b + k] -= res * y[a + k];
      }
    }
    state.lastLoss = 0.5 * loss;
  };

  return asGradientField(rhs, state, 'js', () => symmetricHessianVector(problem), 'js');
}

/**
 * Its Jacobian times V: d/de of -(R + R^T)(U + eV) at e = 0 is
 * -(dR + dR^T) U - (R + R^T) V with dR = P_Omega(V U^T + U V^T). O(|Omega| r).
 */
function symmetricHessianVector(problem: SymmetricProblem): HessianVector {
  const { n, rank: r, target, obsRows, obsCols } = problem;
  const nObs = obsRows.length;
  const tObs = observedTargets(target, n, obsRows, obsCols);
  const counts = { products: 0 };
  const jvp: Jvp = (_t, y, v, out) => {
    counts.products++;
    out.fill(0, 0, n * r);
    for (let p = 0; p < nObs; p++) {
      const a = obsRows[p] * r, b = obsCols[p] * r;
      let acc = 0, dacc = 0;
      for (let k = 0; k < r; k++) { acc += y[a + k] * y[b + k]; dacc += v[a + k] * y[b + k] + y[a + k] * v[b + k]; }
      const res = acc - tObs[p];
      for (let k = 0; k < r; k++) {
        out[a + k] -= dacc * y[b + k] + res * v[b + k];
        out[b + k] -= dacc * y[a + k] + res * v[a + k];
      }
    }
  };
  // Nothing is kept between calls: no linearization to count.
  return { jvp, get products() { return counts.products; }, linearizations: 0 };
}
