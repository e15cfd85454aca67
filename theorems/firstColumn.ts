// Theorem family B (statement and derivation: firstColumn.md): 2x2 target,
// depth 2, W = A B, only the first column observed.

import type { Problem } from '../src/model/problem.js';
import { singularValues } from '../src/analysis/spectrum.js';
import { EXACT_REL_TOL, HYPOTHESIS_REL_TOL, relDiff } from '../src/numeric/accuracy.js';
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
  if (!(Math.abs(A[1]) <= HYPOTHESIS_REL_TOL * scaleA && Math.abs(A[2]) <= HYPOTHESIS_REL_TOL * scaleA && Math.abs(A[0] - A[3]) <= HYPOTHESIS_REL_TOL * scaleA && A[0] !== 0)) {
    return fail('init W_2 = A(0) must be a I with a != 0');
  }
  const b1 = [y[0], y[2]];
  const wh = [w[0] / wn, w[1] / wn];
  const cross = b1[0] * wh[1] - b1[1] * wh[0];
  if (Math.abs(cross) > HYPOTHESIS_REL_TOL * Math.max(1, Math.hypot(b1[0], b1[1]))) return fail('init first column b1 of W_1 must be parallel to the observed column w*');
  return { ok: true, params: { a: A[0], beta0: b1[0] * wh[0] + b1[1] * wh[1], w, b2: [y[1], y[3]] } };
}

/**
 * The limit eta of a beta0 cosh(2 eta) - (a^2 + beta0^2)/2 sinh(2 eta) = |w*|
 * in closed form. In exponentials the left side is
 * ((a + beta0)^2 e^(-2 eta) - (a - beta0)^2 e^(2 eta)) / 4, so E = e^(2 eta)
 * solves (a - beta0)^2 E^2 + 4 |w*| E - (a + beta0)^2 = 0:
 * E = (a + beta0)^2 / (2 |w*| + sqrt(4 |w*|^2 + (a^2 - beta0^2)^2)) (the root
 * written without cancellation). -Infinity when a = -beta0 (the saddle).
 */
export function limitEta(a: number, beta0: number, wn: number): number {
  const sum = a + beta0;
  if (sum === 0) return -Infinity;
  const delta = (a - beta0) * sum;
  const logE = 2 * Math.log(Math.abs(sum)) - Math.log(2 * wn + Math.hypot(2 * wn, delta));
  return 0.5 * logE;
}

/**
 * x and beta at the limit from the two things that fix them: x beta = |w*|
 * (zero residual) and x^2 - beta^2 = a^2 - beta0^2 (the hyperbolic rotation).
 * With D = a^2 - beta0^2 and R = sqrt(D^2 + 4|w*|^2), the larger square is
 * (|D| + R)/2 and the smaller 2|w*|^2/(|D| + R): no cancellation. x and beta
 * share the sign of a + beta0: x = e^(-eta) (a + beta0) (1 + D / (2|w*| + R)) / 2 and |D| < R.
 */
export function limitXBeta(a: number, beta0: number, wn: number): { x: number; beta: number } {
  const D = (a - beta0) * (a + beta0);
  const R = Math.hypot(D, 2 * wn);
  const big = Math.sqrt(0.5 * (Math.abs(D) + R)), small = wn / big;
  const sign = a + beta0 > 0 ? 1 : -1;
  return D >= 0 ? { x: sign * big, beta: sign * small } : { x: sign * small, beta: sign * big };
}

function limitFromEta(params: FirstColumnParams, saddle: boolean): { W: number[][]; x: number; beta: number } {
  const { a, beta0, w, b2 } = params;
  const wn = Math.hypot(w[0], w[1]);
  const wh = [w[0] / wn, w[1] / wn];
  // On the saddle branch x, beta -> 0 (eta -> -inf).
  const { x, beta } = saddle ? { x: 0, beta: 0 } : limitXBeta(a, beta0, wn);
  const col1 = saddle ? [0, 0] : [w[0], w[1]];
  // A(inf) b2 = a (b2 . w_perp) w_perp + x (b2 . w_hat) w_hat: the two parts of b2 separately (no x - a).
  const along = wh[0] * b2[0] + wh[1] * b2[1], across = -wh[1] * b2[0] + wh[0] * b2[1];
  const col2 = [x * along * wh[0] - a * across * wh[1], x * along * wh[1] + a * across * wh[0]];
  return { W: [[col1[0], col2[0]], [col1[1], col2[1]]], x, beta };
}

export function firstColumnLimit(params: FirstColumnParams): TheoremLimit {
  const { a, beta0, w } = params;
  const wn = Math.hypot(w[0], w[1]);
  const eta = limitEta(a, beta0, wn);
  const saddle = eta === -Infinity;
  const { W, x, beta } = limitFromEta(params, saddle);
  const wh = [w[0] / wn, w[1] / wn];
  const parallel = Math.abs(params.b2[0] * wh[1] - params.b2[1] * wh[0]) <= HYPOTHESIS_REL_TOL * Math.max(1, Math.hypot(...params.b2));
  // Self-check: x beta = |w*| and x^2 = beta^2 + D (or beta^2 = x^2 - D), each a sum of positive terms.
  const D = (a - beta0) * (a + beta0);
  const selfCheck = saddle ? { fit: 0, rotation: 0, max: 0 } : {
    fit: relDiff(x * beta, wn),
    rotation: D >= 0 ? relDiff(x * x, beta * beta + D) : relDiff(beta * beta, x * x - D),
    max: 0,
  };
  selfCheck.max = Math.max(selfCheck.fit, selfCheck.rotation);
  const status = selfCheck.max <= EXACT_REL_TOL ? 'exact' as const : 'inexact' as const;
  return {
    theorem: 'first-column-2x2',
    status,
    matrix: W,
    singularValues: singularValues(W.flat(), 2, 2),
    zeroLoss: !saddle,
    details: {
      a, beta0, wNorm: wn,
      eta: saddle ? null : eta,
      xLimit: x, betaLimit: beta,
      rank1: parallel,
      status, selfCheck: { ...selfCheck, tolerance: EXACT_REL_TOL },
      ...(saddle ? { note: 'no zero-loss limit: the flow stalls at a saddle (a = -beta0): A b1 -> 0 and the loss tends to |w*|^2 / 2. The saddle is unstable, so a floating-point integration approaches it and later leaves it' } : {}),
    },
  };
}

export const firstColumn: TheoremFamily<FirstColumnParams> = {
  name: 'first-column-2x2',
  applies: firstColumnApplies,
  limit: firstColumnLimit,
};
