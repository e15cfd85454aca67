// An independent, deliberately naive implementation of the gradient flow,
// for cross-checking the optimized vector field: full products with
// ml-matrix, straight from dW_l/dt = -(W_L..W_{l+1})^T G (W_{l-1}..W_1)^T.

import { Matrix } from 'ml-matrix';
import { OdexSolver as Solver } from '../../src/ode/extrapolation.js';
import type { Problem } from '../../src/index.js';

function layers(p: Problem, y: ArrayLike<number>): Matrix[] {
  const out: Matrix[] = [];
  for (let l = 1; l <= p.depth; l++) {
    const r = p.dims[l], c = p.dims[l - 1];
    const M = new Matrix(r, c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) M.set(i, j, y[p.offsets[l - 1] + i * c + j]);
    out.push(M);
  }
  return out;
}

function chain(Ws: Matrix[], from: number, to: number, size: number): Matrix {
  // W_to ... W_from (1-based, inclusive); identity of the given size if empty.
  let acc = Matrix.eye(size);
  for (let l = from; l <= to; l++) acc = Ws[l - 1].mmul(acc);
  return acc;
}

export function naiveRhs(p: Problem): (y: ArrayLike<number>) => number[] {
  return (y) => {
    const Ws = layers(p, y);
    const W = chain(Ws, 1, p.depth, p.n);
    const G = new Matrix(p.m, p.n);
    for (let i = 0; i < p.m; i++) for (let j = 0; j < p.n; j++) {
      if (p.mask[i * p.n + j]) G.set(i, j, W.get(i, j) - p.target[i * p.n + j]);
    }
    const out: number[] = [];
    for (let l = 1; l <= p.depth; l++) {
      const A = chain(Ws, l + 1, p.depth, p.dims[l]); // m x d_l
      const B = chain(Ws, 1, l - 1, p.n); // d_{l-1} x n
      const D = A.transpose().mmul(G).mmul(B.transpose()).mul(-1);
      out.push(...D.to1DArray());
    }
    return out;
  };
}

/** Integrate with odex (Gragg–Bulirsch–Stoer) and the naive field. */
export function referenceFlow(p: Problem, tEnd: number, tol = 1e-13): Float64Array {
  const f = naiveRhs(p);
  const s = new Solver(p.y0.length);
  s.absoluteTolerance = tol;
  s.relativeTolerance = tol;
  s.maxSteps = 1_000_000;
  const r = s.solve((_x, y) => f(y), 0, Array.from(p.y0), tEnd);
  if (r.outcome !== 0) throw new Error(`odex reference failed with outcome ${r.outcome}`);
  return Float64Array.from(r.y);
}
