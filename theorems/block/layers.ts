// The per-layer values at a block limit: the pairwise invariants they must
// satisfy, and the layers found again from a product that is more accurate
// than the root they came from.

import { MIN_NORMAL, relDiff } from '../../src/numeric/accuracy.js';
import { ddDiff } from '../../src/numeric/logMath.js';
import { monotoneRoot } from '../../src/numeric/roots.js';
import type { BlockContext } from './context.js';
import { LogMode } from './logMode.js';
import { mode } from './mode.js';
import type { ExactBlockSolution } from './types.js';

/**
 * Pairwise invariants at returned layers: v_l^2 - v_m^2 = v0_l^2 - v0_m^2 with
 * m the smallest, checked as v_l^2 = v_m^2 + D_l (both sides sums of positive terms).
 */
export function pairResidual(v: readonly number[], v0: readonly number[], v0lo?: readonly number[]): number {
  const { lo, m } = mode(v0, v0lo);
  let worst = 0;
  for (let l = 0; l < v.length; l++) {
    if (l === m) continue;
    const D = ddDiff(v0[l], lo[l], v0[m], lo[m]) * (v0[l] + v0[m]);
    worst = Math.max(worst, relDiff(v[l] * v[l], v[m] * v[m] + D));
  }
  return worst;
}

/**
 * The mode's layers with product P, from the smallest layer near its root
 * value x (log X): the product is monotone in x, so the smallest layer's
 * relative error is the product's over d log P / d log x >= 1, and the others
 * follow from the pairwise invariants. Null where P is not a normal double or
 * the search fails.
 */
function layersWithProduct(e: LogMode, P: number, layers: number[], logs: number[]): [number[], number[]] | null {
  if (!(Math.abs(P) >= MIN_NORMAL) || !Number.isFinite(P)) return null;
  const x = layers[e.m], X = logs[e.m];
  if (P > 0 && !(x < 0) && Number.isFinite(X)) {
    const lP = Math.log(P);
    const Xn = monotoneRoot((y) => { const [lp, dlp] = e.logProduct(y); return [lp - lP, dlp]; }, X, true, 1e-6 * Math.max(1, Math.abs(X)), e.maxLog);
    if (!Number.isFinite(Xn)) return null;
    const ls = e.logLayers(Xn);
    return [ls.map(Math.exp), ls];
  }
  if (P < 0 && x < 0) {
    const xn = monotoneRoot((y) => { const [q, dq] = e.signedProduct(y); return [q - P, dq]; }, x, true, 1e-6 * Math.abs(x), Infinity);
    if (!Number.isFinite(xn) || !(xn < 0)) return null;
    const vs = e.signedValues(xn);
    return [vs, vs.map((v) => Math.log(Math.abs(v)))];
  }
  return null;
}

/**
 * A product taken from the fit (exact to an ulp where its share is large) is
 * more accurate than the layers of its root, which carry the root's
 * resolution (ulp(log x_1) at a log-divergent x_1, or a clock read back): the
 * layers of both modes are found again from their products (in place), and
 * the pairwise residual re-evaluated.
 */
export function layersFromProducts(c: BlockContext, sol: ExactBlockSolution): void {
  const e1 = new LogMode(mode(c.lam0, c.lam0lo)), e2 = new LogMode(mode(c.p.a));
  const r1 = layersWithProduct(e1, sol.Lam, sol.lamLayers, sol.logLamLayers), r2 = layersWithProduct(e2, sol.N, sol.nuLayers, sol.logNuLayers);
  if (r1) [sol.lamLayers, sol.logLamLayers] = r1;
  if (r2) [sol.nuLayers, sol.logNuLayers] = r2;
  if (r1 || r2) sol.residuals.pairwise = Math.max(pairResidual(sol.lamLayers, c.lam0, c.lam0lo), pairResidual(sol.nuLayers, [...c.p.a]));
}
