// One block (n = 1): W = Lam P1 + M P3, E2 has dimension 0, so the fit reads
// Lam = s q and fixes E1 alone; there is no E1–E2 invariant to solve
// (theorems/blockDiagonal.md, "Domain and exact numerics").

import { relDiff } from '../../src/numeric/accuracy.js';
import { monotoneRoot } from '../../src/numeric/roots.js';
import type { BlockContext } from './context.js';
import { pairResidual } from './layers.js';
import { LogMode } from './logMode.js';
import { mode } from './mode.js';
import type { BlockMethod, ExactBlockSolution } from './types.js';

/**
 * Balanced layers are (s q)^(1/L) each; per-layer, the smallest layer is the
 * root of the increasing product (log P(X) = log(s q) in X = log x, x > 0
 * since s q > 0) and the others follow from the pairwise invariants. N and
 * the E2 layers do not exist: NaN.
 */
export function solveOneBlock(c: BlockContext): ExactBlockSolution | null {
  const { L, sq } = c;
  if (L === 1 || c.balanced) return oneBlockSolution(c, 'closed-form', new Array<number>(L).fill(Math.log(sq) / L));
  const e1 = new LogMode(mode(c.lam0, c.lam0lo));
  const lP = Math.log(sq), [l0] = e1.logProduct(e1.X0);
  const X = monotoneRoot((y) => { const [lp, dlp] = e1.logProduct(y); return [lp - lP, dlp]; }, e1.X0 + (lP - l0) / L, true, 0.5, e1.maxLog);
  if (!Number.isFinite(X)) return null;
  // The layers carry the rounding of the logs the product adds up (d log P / d log x >= 1).
  return oneBlockSolution(c, 'product-root', e1.logLayers(X), Number.EPSILON * (2 + e1.logSize(Math.exp(X))));
}

/** The solution with E1's layer logs, Lam = s q, and no E2. */
function oneBlockSolution(c: BlockContext, method: BlockMethod, logLam: number[], conditioning?: number): ExactBlockSolution {
  const { L, sq } = c;
  const absent = new Array<number>(L).fill(NaN);
  const lam = L === 1 ? [sq] : logLam.map(Math.exp);
  const fromLayers = Math.exp(logLam.reduce((x, y) => x + y, 0));
  return {
    method, logLam: Math.log(sq), logN: NaN, logLamLayers: logLam, logNuLayers: absent, lamLayers: lam, nuLayers: absent,
    Lam: sq, N: NaN, LamMinusN: NaN,
    residuals: { fit: relDiff(fromLayers, sq), pairwise: pairResidual(lam, c.lam0, c.lam0lo), e1e2: 0 },
    ...(conditioning !== undefined ? { conditioning } : {}),
  };
}
