// The one context every route of the block-diagonal solver reads (solve.ts
// builds it once per solve), and the solution records the routes build from it.

import { sumProduct } from '../../src/numeric/logMath.js';
import type { BlockInput, BlockMethod, ExactBlockSolution } from './types.js';

export interface BlockContext {
  readonly p: BlockInput;
  readonly d: number;
  readonly n: number;
  readonly q: number;
  readonly s: number;
  /** Depth. */
  readonly L: number;
  /** s q: the fit Lam/n + (1 - 1/n) N = s q. */
  readonly sq: number;
  /** 1 - 1/n, E2's weight in the fit (0 with one block). */
  readonly w2: number;
  /** Every a_l equal and every b_l equal. */
  readonly balanced: boolean;
  /** E1's initial layers a_l + d b_l as double-doubles: high parts and low parts. */
  readonly lam0: number[];
  readonly lam0lo: number[];
}

export function blockContext(p: BlockInput): BlockContext {
  const { d, n, q, s } = p;
  const lam0dd = p.a.map((al, l) => sumProduct(al, d, p.b[l]));
  return {
    p, d, n, q, s, L: p.a.length, sq: s * q, w2: 1 - 1 / n,
    balanced: p.a.every((v) => v === p.a[0]) && p.b.every((v) => v === p.b[0]),
    lam0: lam0dd.map((x) => x[0]), lam0lo: lam0dd.map((x) => x[1]),
  };
}

/**
 * The fit's residual relative to the sum of the magnitudes of its terms: past
 * a zero crossing Lam and N may have opposite signs and sizes far above s q.
 */
export function fitResidual(c: BlockContext, Lam: number, N: number): number {
  return Math.abs(Lam / c.n + c.w2 * N - c.sq) / (Math.abs(Lam) / c.n + c.w2 * Math.abs(N) + c.sq);
}

/**
 * Lam from the fit, n (s q - (1 - 1/n) N), where N's share is small: that
 * is exact to an ulp, while exp(log Lam) carries log Lam's rounding times
 * its size. Elsewhere (N comparable to Lam) exp(log Lam).
 */
export function fittedLam(c: BlockContext, logLam: number, N: number): number {
  return c.w2 * N <= 0.25 * c.sq ? c.n * (c.sq - c.w2 * N) : Math.exp(logLam);
}

/** A solution from the logs of its layers (Lam from the fit where N's share is small). */
export function packLog(c: BlockContext, method: BlockMethod, lLam: number[], lNu: number[], fit: number, pairwise: number, e1e2: number): ExactBlockSolution {
  const logLam = lLam.reduce((x, y) => x + y, 0), logN = lNu.reduce((x, y) => x + y, 0);
  const N = Math.exp(logN);
  return {
    method, logLam, logN, logLamLayers: lLam, logNuLayers: lNu,
    lamLayers: lLam.map(Math.exp), nuLayers: lNu.map(Math.exp),
    Lam: fittedLam(c, logLam, N), N, LamMinusN: N * Math.expm1(logLam - logN), residuals: { fit, pairwise, e1e2 },
  };
}

/** A solution from its signed layers. */
export function pack(method: BlockMethod, lam: number[], nu: number[], fit: number, pairwise: number, e1e2: number): ExactBlockSolution {
  const Lam = lam.reduce((x, y) => x * y, 1), N = nu.reduce((x, y) => x * y, 1);
  return {
    method, logLam: Math.log(Math.abs(Lam)), logN: Math.log(Math.abs(N)),
    logLamLayers: lam.map((v) => Math.log(Math.abs(v))), logNuLayers: nu.map((v) => Math.log(Math.abs(v))),
    lamLayers: lam, nuLayers: nu, Lam, N, LamMinusN: Lam - N, residuals: { fit, pairwise, e1e2 },
  };
}
