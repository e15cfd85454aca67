// Theorem family B (statement and derivation: firstColumn.md): 2x2 target,
// depth 2, W = A B, only the first column observed.

import type { Problem } from '../src/model/problem.js';
import { singularValues } from '../src/analysis/spectrum.js';
import { brent } from '../src/numeric/roots.js';
import type { Applicability, TheoremFamily, TheoremLimit } from './types.js';

export interface FirstColumnParams {
  /** A(0) = W_2(0) = a I. */
  a: number;
  /** b1(0) = beta0 w_hat. */
  beta0: number;
  /** Observed column w* (nonzero). */
  w: [number, number];
  /** Second column of B = W_1, constant in time. */
  b2: [number, number];
}

export interface FirstColumnConserved {
  /** b2 never moves. */
  b2: [number, number];
  /** A^T A - b1 b1^T (row-major 2x2). */
  gram: [number, number, number, number];
  /** |z|^2 - p^2 with z = A b2 (the unobserved column), p = b1 . b2. */
  zp: number;
  /** p = b1 . b2: the coupling through which the unobserved column moves. */
  p: number;
}

const TOL = 1e-12;

/** Conserved quantities for any init, from the packed layers [B, A]. */
export function firstColumnConserved(y: ArrayLike<number>): FirstColumnConserved {
  // B = W_1 at 0..3, A = W_2 at 4..7, row-major.
  const B = [y[0], y[1], y[2], y[3]], A = [y[4], y[5], y[6], y[7]];
  const b1 = [B[0], B[2]], b2: [number, number] = [B[1], B[3]];
  const gram: [number, number, number, number] = [
    A[0] * A[0] + A[2] * A[2] - b1[0] * b1[0], A[0] * A[1] + A[2] * A[3] - b1[0] * b1[1],
    A[1] * A[0] + A[3] * A[2] - b1[1] * b1[0], A[1] * A[1] + A[3] * A[3] - b1[1] * b1[1],
  ];
  const z = [A[0] * b2[0] + A[1] * b2[1], A[2] * b2[0] + A[3] * b2[1]];
  const p = b1[0] * b2[0] + b1[1] * b2[1];
  return { b2, gram, zp: z[0] * z[0] + z[1] * z[1] - p * p, p };
}

export function firstColumnApplies(pr: Problem): Applicability<FirstColumnParams> {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (pr.m !== 2 || pr.n !== 2) return fail(`target must be 2x2, got ${pr.m}x${pr.n}`);
  if (pr.depth !== 2) return fail(`depth must be 2, got ${pr.depth}`);
  if (pr.dims[1] !== 2) return fail(`hidden width must be 2, got ${pr.dims[1]}`);
  const first = pr.mask[0] === 1 && pr.mask[2] === 1 && pr.mask[1] === 0 && pr.mask[3] === 0;
  if (!first) return fail('observed set must be exactly the first column {(0,0), (1,0)}');
  const w: [number, number] = [pr.target[0], pr.target[2]];
  const wn = Math.hypot(w[0], w[1]);
  if (!(wn > 0)) return fail('observed column w* must be nonzero');
  const y = pr.y0;
  const A = [y[4], y[5], y[6], y[7]];
  const scaleA = Math.abs(A[0]) + Math.abs(A[3]);
  if (!(Math.abs(A[1]) <= TOL * scaleA && Math.abs(A[2]) <= TOL * scaleA && Math.abs(A[0] - A[3]) <= TOL * scaleA && A[0] !== 0)) {
    return fail('init W_2 = A(0) must be a I with a != 0');
  }
  const b1 = [y[0], y[2]];
  const wh = [w[0] / wn, w[1] / wn];
  const cross = b1[0] * wh[1] - b1[1] * wh[0];
  if (Math.abs(cross) > TOL * Math.max(1, Math.hypot(b1[0], b1[1]))) return fail('init first column b1 of W_1 must be parallel to the observed column w*');
  return { ok: true, params: { a: A[0], beta0: b1[0] * wh[0] + b1[1] * wh[1], w, b2: [y[1], y[3]] } };
}

/** Solve a beta0 cosh(2 eta) - (a^2 + beta0^2)/2 sinh(2 eta) = |w*|; NaN when a = -beta0 (no root). */
export function limitEta(a: number, beta0: number, wn: number): number {
  const phi = (eta: number) => a * beta0 * Math.cosh(2 * eta) - 0.5 * (a * a + beta0 * beta0) * Math.sinh(2 * eta) - wn;
  if (a === beta0) return 0.5 * Math.log((a * a) / wn);
  if (a === -beta0) return NaN;
  // phi is strictly decreasing from +inf to -inf: bracket around 0.
  let lo = -1, hi = 1;
  while (phi(lo) < 0) lo *= 2;
  while (phi(hi) > 0) hi *= 2;
  return brent(phi, lo, hi);
}

function limitFromEta(params: FirstColumnParams, eta: number, saddle: boolean): { W: number[][]; x: number; beta: number } {
  const { a, beta0, w, b2 } = params;
  const wn = Math.hypot(w[0], w[1]);
  const wh = [w[0] / wn, w[1] / wn];
  // On the saddle branch x, beta -> 0 (eta -> -inf).
  const x = saddle ? 0 : a * Math.cosh(eta) - beta0 * Math.sinh(eta);
  const beta = saddle ? 0 : beta0 * Math.cosh(eta) - a * Math.sinh(eta);
  const col1 = saddle ? [0, 0] : [w[0], w[1]];
  const proj = wh[0] * b2[0] + wh[1] * b2[1];
  const col2 = [a * b2[0] + (x - a) * proj * wh[0], a * b2[1] + (x - a) * proj * wh[1]];
  return { W: [[col1[0], col2[0]], [col1[1], col2[1]]], x, beta };
}

export function firstColumnLimit(params: FirstColumnParams): TheoremLimit {
  const { a, beta0, w } = params;
  const wn = Math.hypot(w[0], w[1]);
  const eta = limitEta(a, beta0, wn);
  const saddle = Number.isNaN(eta);
  const { W, x, beta } = limitFromEta(params, eta, saddle);
  const wh = [w[0] / wn, w[1] / wn];
  const parallel = Math.abs(params.b2[0] * wh[1] - params.b2[1] * wh[0]) <= TOL * Math.max(1, Math.hypot(...params.b2));
  return {
    theorem: 'first-column-2x2',
    matrix: W,
    singularValues: singularValues(W.flat(), 2, 2),
    zeroLoss: !saddle,
    details: {
      a, beta0, wNorm: wn,
      eta: saddle ? null : eta,
      xLimit: x, betaLimit: beta,
      rank1: parallel,
      ...(saddle ? { note: 'no zero-loss limit: the flow stalls at a saddle (a = -beta0): A b1 -> 0 and the loss tends to |w*|^2 / 2. The saddle is unstable, so a floating-point integration approaches it and later leaves it' } : {}),
    },
  };
}

export const firstColumn: TheoremFamily<FirstColumnParams> = {
  name: 'first-column-2x2',
  applies: firstColumnApplies,
  limit: firstColumnLimit,
};
