// Conserved quantities of the gradient flow (Arora, Cohen & Hazan 2018;
// Du, Hu & Lee 2018): C_l = W_{l+1}^T W_{l+1} - W_l W_l^T, l = 1..L-1, is
// constant in time for any data and any initialization. Their drift measures
// the accuracy of an integration at no extra cost.

import { matmulNT, matmulTN } from '../linalg/dense.js';
import type { Problem } from '../model/problem.js';
import { scaledNorm } from './norms.js';

/** The L-1 balancedness matrices C_l (each d_l x d_l, row-major). */
export function balanceInvariants(problem: Pick<Problem, 'dims' | 'offsets'>, y: Float64Array): Float64Array[] {
  const { dims, offsets } = problem;
  const L = dims.length - 1;
  const out: Float64Array[] = [];
  for (let l = 1; l < L; l++) {
    const d = dims[l];
    const a = new Float64Array(d * d);
    const b = new Float64Array(d * d);
    // W_{l+1} is d_{l+1} x d_l; W_l is d_l x d_{l-1}.
    matmulTN(y, offsets[l], y, offsets[l], a, 0, d, dims[l + 1], d);
    matmulNT(y, offsets[l - 1], y, offsets[l - 1], b, 0, d, d, dims[l - 1]);
    for (let i = 0; i < d * d; i++) a[i] -= b[i];
    out.push(a);
  }
  return out;
}

/** max_l ||C_l(t) - C_l(0)||_F / max(1, ||C_l(0)||_F); 0 for depth 1. */
export function invariantDrift(initial: Float64Array[], current: Float64Array[]): number {
  let worst = 0;
  for (let l = 0; l < initial.length; l++) {
    const c0 = initial[l], c = current[l];
    // Norms formed on scaled values (norms.ts): layers of size 1e160 do not overflow them.
    const d = scaledNorm(c0.length, (i) => c[i] - c0[i]);
    worst = Math.max(worst, d / Math.max(1, scaledNorm(c0.length, (i) => c0[i])));
  }
  return worst;
}
