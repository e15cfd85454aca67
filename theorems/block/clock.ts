// The per-layer block limit at depth L >= 3 as a root in the elapsed clock
// (theorems/blockDiagonal.md, "A large init that moves little, a minor mode,
// or a layer ending near zero"): the unknown is the signed smallest layer x_A
// of mode A (its product is then exact), S = clock_A(x_A) a direct integral,
// and mode B's layer follows from clock_B(x_B) = S.

import { logAddExp } from '../../src/numeric/logMath.js';
import { monotoneRoot } from '../../src/numeric/roots.js';
import { balanceError, logQuadError, representable } from './conditioning.js';
import { fitResidual, type BlockContext } from './context.js';
import { pairResidual } from './layers.js';
import type { LogMode } from './logMode.js';
import type { ExactBlockSolution } from './types.js';

/** Where the root search in x_A stands: mode B's layer and the clock S = [sign, log|S|] at the last x_A evaluated. */
interface ClockState { xB: number; S: [number, number] }

/**
 * The fit and its derivative in x_A, with x_B read back from the clock
 * (and stored in the state, which also seeds the next read-back); NaN past
 * a mode's reach.
 */
function clockFit(c: BlockContext, eA: LogMode, eB: LogMode, aIsE1: boolean, state: ClockState, xA: number): [number, number] {
  const clk = eA.clock(xA);
  if (!Number.isFinite(clk[0])) return [NaN, NaN];
  const next = eB.invertClock(clk[0], clk[1], state.xB);
  if (!Number.isFinite(next)) return [NaN, NaN];
  state.xB = next; state.S = clk;
  const xB = next;
  const [PA, dPA] = eA.signedProduct(xA), [PB, dPB] = eB.signedProduct(xB);
  const dxB = Math.exp(eA.logPhiLog(Math.log(Math.abs(xA))) - eB.logPhiLog(Math.log(Math.abs(xB))));
  const [Lam, dLam, N, dN] = aIsE1 ? [PA, dPA, PB, dPB * dxB] : [PB, dPB * dxB, PA, dPA];
  return [Lam / c.n + c.w2 * N - c.sq, dLam / c.n + c.w2 * dN];
}

/** The limit with mode A (E1 when aIsE1) as the unknown; null when a root search fails or the clock cannot be re-evaluated at the root. */
export function solveClock(c: BlockContext, eA: LogMode, eB: LogMode, aIsE1: boolean): ExactBlockSolution | null {
  const { n, w2, sq } = c;
  const state: ClockState = { xB: eB.v0[eB.m], S: [0, -Infinity] };
  const fdf = (xA: number) => clockFit(c, eA, eB, aIsE1, state, xA);
  const xA0 = eA.v0[eA.m];
  const xA = monotoneRoot(fdf, xA0, true, 0.5 * xA0, Infinity);
  if (!Number.isFinite(xA) || !Number.isFinite(fdf(xA)[0])) return null;
  const { xB, S } = state;
  const [x1, x2] = aIsE1 ? [xA, xB] : [xB, xA];
  const [e1, e2] = aIsE1 ? [eA, eB] : [eB, eA];
  const lam = e1.signedValues(x1), nu = e2.signedValues(x2);
  const LamP = e1.signedProduct(x1)[0], NP = e2.signedProduct(x2)[0];
  // The derived product from the fit where its share is small (exact to an ulp there).
  const Lam = !aIsE1 && Math.abs(w2 * NP) <= 0.25 * sq ? n * (sq - w2 * NP) : LamP;
  // And N from the fit where Lam's share is small (a root in x_1 pins the fit only to x_1's resolution).
  const N = Lam === LamP && Math.abs(LamP) / n <= 0.25 * sq ? (sq - LamP / n) / w2 : NP;
  const c1 = e1.clock(x1), c2 = e2.clock(x2);
  // The clock's residual as the relative change of x_B it stands for
  // (|S_A - S_B| / (|x_B| phi_B)): a mode that moved little has a small
  // clock that the rounding of x_B alone moves by a large relative amount.
  const [cA, cB] = aIsE1 ? [c1, c2] : [c2, c1];
  const logGap = cA[1] === -Infinity ? cB[1] : cB[1] === -Infinity ? cA[1]
    : cA[0] === cB[0] ? cA[1] + Math.log(Math.abs(Math.expm1(cB[1] - cA[1]))) : logAddExp(cA[1], cB[1]);
  const XB = Math.log(Math.abs(xB));
  const e1e2 = Math.exp(logGap - eB.logPhiLog(XB) - XB);
  const pair = Math.max(pairResidual(lam, c.lam0, c.lam0lo), pairResidual(nu, [...c.p.a]));
  // (A clock that cannot be re-evaluated at the root, e.g. x_1 underflowed to 0, is no answer.)
  if (!Number.isFinite(e1e2) || !Number.isFinite(pair) || x1 === 0 || x2 === 0) return null;
  const logAbs = (v: number[]) => v.map((x) => Math.log(Math.abs(x)));
  return {
    method: 'clock-integral', logLam: Math.log(Math.abs(Lam)), logN: Math.log(Math.abs(N)), logLamLayers: logAbs(lam), logNuLayers: logAbs(nu),
    lamLayers: lam, nuLayers: nu, Lam, N, LamMinusN: Lam - N, residuals: { fit: fitResidual(c, LamP, N), pairwise: pair, e1e2 },
    conditioning: Math.max(representable(Lam) ? (Lam !== LamP ? (Number.EPSILON * n * (sq + w2 * Math.abs(NP))) / Math.abs(Lam) : Number.EPSILON * (2 + e1.logSize(x1))) : 0,
      representable(N) ? (N !== NP ? (Number.EPSILON * (sq + Math.abs(LamP) / n)) / (w2 * Math.abs(N)) : Number.EPSILON * (2 + e2.logSize(x2))) : 0,
      // S is integrated on both sides: each carries its own rounding.
      balanceError(c, e1, e2, x1, x2, logAddExp(logQuadError(S[1], eA.logSize(xA) + eA.logSize(eA.v0[eA.m])), logQuadError(S[1], eB.logSize(xB) + eB.logSize(eB.v0[eB.m]))))),
  };
}
