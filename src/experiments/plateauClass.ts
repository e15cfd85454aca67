// What a saddle-like plateau is: a minimum of the model as constrained by its
// width, a saddle the flow stays on, or neither shown. The watch
// (stopRules.ts) sees a flat loss and a gradient at the integration's noise
// level for two decades of t; this module looks at the state itself
// (docs/runs.md, "Stop rules", says what each test proves).
//
// At a critical point of the factors, W^T G = 0 and G W^T = 0 (G = P_Omega(W
// - W*), the end-to-end gradient): the gradients of the first and last layer
// are W_{L:2}^T G and G W_{L-1:1}^T. So W has no component along the top
// singular pair (u, v) of -G there. A flat stretch where u^T W v is well above
// what the integration resolves is no critical point: the flow still grows W
// along -G (an escape under way, polynomially slow at depth >= 3) or shrinks
// a component of its own (slow convergence).

import type { Problem } from '../model/problem.js';
import type { Jvp } from '../ode/types.js';
import { bestRankLimitedLoss, endToEndView, hessianLowest, maxRank } from '../analysis/criticalPoint.js';
import { FUTURE, type PlateauVerdict } from './stopRules.js';

/** |u^T W v| within this many times the product's noise level counts as zero (a critical point). */
export const ESCAPE_MARGIN = 10;
/** Singular values of W above this many times its noise level count towards its rank. */
export const RANK_MARGIN = 10;
/** Hessian eigenvalues above -HESSIAN_TOL lambda_max count as zero (at least 100 rtol lambda_max). */
export const HESSIAN_TOL = 1e-6;
/** Lanczos steps at most: every eigenvalue of states up to this size. */
export const LANCZOS_STEPS = 400;
/** The Lanczos vectors kept (steps x state length) stay below this many doubles (32 MB). */
const LANCZOS_DOUBLES = 1 << 22;
/** Unstable directions checked for exact zeros (more: the window argument only). */
const ZERO_CHECK = 8;

/** The vector's support (entries above 1e-8 of its largest) lies where y and dy are exactly zero. */
function onExactZeros(q: Float64Array, y: Float64Array, dy: Float64Array): boolean {
  let top = 0;
  for (let i = 0; i < q.length; i++) top = Math.max(top, Math.abs(q[i]));
  for (let i = 0; i < q.length; i++) if (Math.abs(q[i]) > 1e-8 * top && (y[i] !== 0 || dy[i] !== 0)) return false;
  return true;
}

/** Natural log of the smallest positive double (2^-1074): a seed below it is zero. */
const LN_MIN_SEED = -744.44;

/** Why a plateau is a minimum of the model as constrained. */
export type MinimumEvidence =
  | {
    kind: 'rank-limited';
    /** The loss equals the smallest loss of a product of rank <= rank (every entry observed: Eckart–Young) within lossTol. */
    test: 'eckart-young';
    rank: number;
    bestLoss: number;
  }
  | {
    kind: 'local';
    /** W has the model's largest rank and no Hessian eigenvalue lies below -tolerance: a second-order critical point. */
    test: 'hessian';
    rank: number;
    lowestEigenvalue: number;
    largestEigenvalue: number;
    tolerance: number;
    /** Lanczos steps taken, of the state's dimension (equal: every eigenvalue found). */
    lanczosSteps: number;
    dimension: number;
  };

/** Why a plateau is a saddle, and why the flow stays on it. */
export interface SaddleEvidence {
  rank: number;
  maxRank: number;
  /** sigma_1(G): the loss falls at rate sigma_1(G) along u v^T. */
  residual: number;
  /** The most negative Hessian eigenvalue found (0 or above: a higher-order saddle). */
  lowestEigenvalue: number;
  /** Why it is a saddle: the loss Hessian has a negative eigenvalue, or rank W < its limit with G nonzero. */
  test: 'negative-curvature' | 'rank';
  /**
   * "held": every unstable direction lies on coordinates that are exactly
   * zero with a zero derivative, or has rate mu with mu (t - tFrom) / 2 beyond
   * ln(escape size / 2^-1074): any nonzero component in the first half of the
   * window would have escaped by now, so they are zero. "slow": those not held
   * need at least `escapeTime` > FUTURE t to escape. "open": neither shown.
   */
  escape: 'held' | 'slow' | 'open';
  /** For "held": exact zeros, or the window argument. */
  heldBy?: 'exact-zeros' | 'window';
  escapeTime?: number;
}

export type PlateauClass =
  | { kind: 'moving'; why: string }
  | { kind: 'minimum'; minimum: MinimumEvidence }
  | { kind: 'saddle'; saddle: SaddleEvidence }
  | { kind: 'undecided'; why: string };

const e = (x: number) => x.toExponential(2);

/**
 * Classify the state y at the end of a saddle-like window v. dy = f(y) =
 * -grad L(y); jvp gives minus Hessian-vector products at y.
 */
export function classifyPlateau(
  problem: Problem, y: Float64Array, dy: Float64Array, v: PlateauVerdict, lossTol: number, jvp: Jvp, rtol: number, atol: number,
): PlateauClass {
  const view = endToEndView(problem, y, rtol, atol);
  if (Math.abs(view.escape) > ESCAPE_MARGIN * view.noiseW) {
    return view.escape > 0
      ? { kind: 'moving', why: `W grows along the top singular pair of -G (component ${e(view.escape)}, noise ${e(view.noiseW)}): an escape under way` }
      : { kind: 'moving', why: `W shrinks a component of its own along the top singular pair of G (${e(-view.escape)}, noise ${e(view.noiseW)}): slow convergence` };
  }
  const rmax = maxRank(problem);
  const rank = view.sigmaW.filter((s) => s > RANK_MARGIN * view.noiseW).length;
  const best = bestRankLimitedLoss(problem);
  if (best && v.loss <= best.loss + lossTol) return { kind: 'minimum', minimum: { kind: 'rank-limited', test: 'eckart-young', rank: best.rank, bestLoss: best.loss } };
  const steps = Math.min(LANCZOS_STEPS, Math.floor(LANCZOS_DOUBLES / y.length));
  if (steps < 8) return { kind: 'undecided', why: `a state of ${y.length} entries is too large for the Hessian test` };
  const h = hessianLowest(jvp, y, steps, ZERO_CHECK);
  const tolH = Math.max(HESSIAN_TOL, 100 * rtol) * Math.max(h.highest, 0);
  const unstable = h.values.filter((x) => x < -tolH);
  const widthLimited = rmax < Math.min(problem.m, problem.n);
  if (unstable.length === 0) {
    if (widthLimited && rank === rmax) {
      if (best) return { kind: 'undecided', why: `every entry observed and the loss ${e(v.loss)} above the best rank-${rmax} loss ${e(best.loss)}, yet no negative curvature found` };
      if (!h.complete && !(h.residuals[0] <= tolH)) return { kind: 'undecided', why: `Lanczos (${h.products} products) did not resolve the lowest Hessian eigenvalue` };
      return {
        kind: 'minimum',
        minimum: {
          kind: 'local', test: 'hessian', rank, lowestEigenvalue: h.lowest[0], largestEigenvalue: h.highest, tolerance: tolH,
          lanczosSteps: h.values.length, dimension: y.length,
        },
      };
    }
    if (rank >= Math.min(rmax, problem.m, problem.n)) return { kind: 'undecided', why: `W has full rank ${rank}, which no critical point with G nonzero has` };
    // rank W below the model's limit with G nonzero: growing a rank-one component along the top
    // singular pair of -G lowers the loss at order L (a higher-order saddle at depth >= 3, where
    // the Hessian shows no negative eigenvalue). No bound on its escape time from here.
    return { kind: 'saddle', saddle: { rank, maxRank: rmax, residual: view.sigmaG, lowestEigenvalue: h.lowest[0], test: 'rank', escape: 'open' } };
  }
  // A strict saddle. Unstable directions supported on coordinates that are exactly zero with an
  // exactly zero derivative carry no seed, and the integration keeps them zero (a step adds
  // h times a combination of derivatives, all zero there): held by exact zeros.
  if (h.complete && unstable.length <= ZERO_CHECK && h.vectors.slice(0, unstable.length).every((q) => onExactZeros(q, y, dy))) {
    return { kind: 'saddle', saddle: { rank, maxRank: rmax, residual: view.sigmaG, lowestEigenvalue: h.lowest[0], test: 'negative-curvature', escape: 'held', heldBy: 'exact-zeros' } };
  }
  // Each unstable direction (rate mu = -lambda) either is held (any seed would
  // have grown past the escape size R = sqrt(2 L / mu) within the window) or escapes late: its
  // seed is at most ||grad|| / mu, so it needs at least ln(R mu / ||grad||) / mu.
  let g = 0;
  for (let i = 0; i < dy.length; i++) g += dy[i] * dy[i];
  g = Math.sqrt(g);
  let held = h.complete, slowest = Infinity;
  for (const lambda of h.complete ? unstable : []) {
    const mu = -lambda;
    const R = Math.sqrt((2 * v.loss) / mu);
    if ((mu * (v.t - v.tFrom)) / 2 >= Math.log(R) - LN_MIN_SEED) continue;
    held = false;
    slowest = Math.min(slowest, g > 0 ? Math.log((R * mu) / g) / mu : Infinity);
  }
  const escape = !h.complete ? 'open' : held ? 'held' : slowest > FUTURE * v.t ? 'slow' : 'open';
  return {
    kind: 'saddle',
    saddle: {
      rank, maxRank: rmax, residual: view.sigmaG, lowestEigenvalue: h.lowest[0], test: 'negative-curvature', escape,
      ...(escape === 'held' ? { heldBy: 'window' as const } : { escapeTime: slowest }),
    },
  };
}
