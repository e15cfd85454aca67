// End-to-end product W = W_L ... W_1 and the loss, straightforwardly (not on
// the hot path: the vector field computes only observed entries).

import { matmul } from '../linalg/dense.js';
import type { Problem } from './problem.js';

/** Layer l (1-based) of a packed state as a fresh array. */
export function layer(problem: Pick<Problem, 'offsets'>, y: Float64Array, l: number): Float64Array {
  return y.slice(problem.offsets[l - 1], problem.offsets[l]);
}

/** W = W_L ... W_1, m x n row-major. */
export function endToEnd(problem: Pick<Problem, 'dims' | 'offsets'>, y: Float64Array): Float64Array {
  const { dims, offsets } = problem;
  const L = dims.length - 1;
  let acc = y.slice(offsets[0], offsets[1]); // d_1 x d_0
  for (let l = 2; l <= L; l++) {
    const next = new Float64Array(dims[l] * dims[0]);
    matmul(y, offsets[l - 1], acc, 0, next, 0, dims[l], dims[l - 1], dims[0]);
    acc = next;
  }
  return acc;
}

/** f = 1/2 sum over observed (W - W*)^2 (no division by |Omega|). */
export function lossOf(problem: Pick<Problem, 'n' | 'target' | 'obsRows' | 'obsCols'>, W: ArrayLike<number>): number {
  let s = 0;
  for (let p = 0; p < problem.obsRows.length; p++) {
    const idx = problem.obsRows[p] * problem.n + problem.obsCols[p];
    s += (W[idx] - problem.target[idx]) ** 2;
  }
  return 0.5 * s;
}

/** Loss of a packed state. */
export function loss(problem: Problem, y: Float64Array): number {
  return lossOf(problem, endToEnd(problem, y));
}
