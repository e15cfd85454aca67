// The per-layer block limit at depth L >= 3 (theorems/blockDiagonal.md,
// "Per-layer values, L >= 3"): the E1–E2 invariant T_2(x_2) = T_1(x_1) + C in
// the tails T of LogMode, solved for the smallest E1 layer x_1 with x_2
// nested; where the balance of tails is ill-conditioned, the clock route
// (clock.ts) is tried and the better-conditioned answer kept.

import { EXACT_MARGIN, EXACT_REL_TOL } from '../../src/numeric/accuracy.js';
import { logAddExp, logIntegralExp, logSubExp, softplus } from '../../src/numeric/logMath.js';
import { monotoneRoot } from '../../src/numeric/roots.js';
import { solveClock } from './clock.js';
import { balanceError, derivedError, logQuadError, representable } from './conditioning.js';
import { fitResidual, type BlockContext } from './context.js';
import { pairResidual } from './layers.js';
import { LogMode } from './logMode.js';
import { mode } from './mode.js';
import type { ExactBlockSolution } from './types.js';

const LN2 = Math.LN2;

/**
 * log of the E1–E2 invariant constant C = T_2(0) - T_1(0) (E2 tail minus E1
 * tail at the init), as one integral of a positive integrand:
 * f_2(w) (1 - prod_l sqrt((a_l^2 + w) / (lam0_l^2 + w))), with
 * lam0_l^2 - a_l^2 = d b_l (2 a_l + d b_l). -Infinity when every b_l = 0.
 */
export function logInvariantConstant(d: number, a: readonly number[], b: readonly number[]): number {
  const L = a.length;
  const loga2 = a.map((x) => 2 * Math.log(x));
  const loge = a.map((x, l) => (b[l] === 0 ? -Infinity : Math.log(d * b[l]) + Math.log(2 * x + d * b[l])));
  if (loge.every((e) => e === -Infinity)) return -Infinity;
  const lam02 = a.map((x, l) => 2 * Math.log(x + d * b[l]));
  const lo = Math.min(...loga2) - 42, hi = Math.max(...lam02) + 42 / (L / 2 - 1);
  return logIntegralExp((r) => {
    let acc = r - LN2, y = 0;
    for (let l = 0; l < L; l++) {
      const base = logAddExp(loga2[l], r);
      acc -= 0.5 * base;
      if (loge[l] !== -Infinity) y += 0.5 * softplus(loge[l] - base);
    }
    return acc + Math.log(-Math.expm1(-y));
  }, lo, hi, [...loga2, ...lam02]);
}

/**
 * Per-layer, L >= 3: T_2(x_2) = T_1(x_1) + C, solved for x_1 with x_2 nested.
 * While both smallest layers stay positive at the limit (always for small
 * inits) the unknown is X_1 = log x_1 and every tail is an integral in logs.
 * A large init whose product overshoots the target shrinks, and a mode
 * without a tie at its minimum can cross zero on the way (its tail then
 * exceeds T(0)): whether the limit lies beyond that is decided by the sign
 * of the fit where the first mode reaches zero, and then the unknown is the
 * signed x_1 with the signed tails of LogMode.
 */
export function solvePerLayer(c: BlockContext): ExactBlockSolution | null {
  const e1 = new LogMode(mode(c.lam0, c.lam0lo)), e2 = new LogMode(mode(c.p.a));
  const logC = logInvariantConstant(c.d, c.p.a, c.p.b);
  const viaTails = crossesZero(c, e1, e2, logC) ? solveSigned(c, e1, e2, logC) : solveLogs(c, e1, e2, logC);
  // The tails' balance T_2 - T_1 - C carries the rounding of three integrals
  // of size T_1, T_2, C; the mode with the small share of the fit takes it
  // all (balanceError), amplified where T_1 or T_2 is small beside C. A
  // large init that moves little, or a minor mode read back from T_2 - C,
  // is better conditioned on the elapsed clock S, a direct integral.
  if (viaTails) {
    const x1 = viaTails.lamLayers[e1.m], x2 = viaTails.nuLayers[e2.m];
    const sizeC = c.p.a.reduce((acc, al, l) => acc + Math.abs(Math.log(al)) + Math.abs(Math.log(c.lam0[l])), 0);
    const lt1 = e1.signedLogTail(x1), lt2 = e2.signedLogTail(x2);
    const logDelta = logAddExp(logAddExp(logQuadError(lt1, e1.logSize(x1)), logQuadError(lt2, e2.logSize(x2))), logQuadError(logC, sizeC));
    viaTails.conditioning = Math.max(viaTails.conditioning ?? 0, balanceError(c, e1, e2, x1, x2, logDelta));
    if (viaTails.conditioning <= EXACT_MARGIN) return viaTails;
  }
  // The clock route: the unknown is one mode's smallest layer (its product is
  // then exact), the other is derived from the elapsed clock S; the mode to
  // derive is the one whose estimate at the tail solution is the smaller.
  let aIsE1 = true;
  if (viaTails) {
    const X1 = viaTails.logLamLayers[e1.m], X2 = viaTails.logNuLayers[e2.m];
    const [sign, logS] = e1.clock(viaTails.lamLayers[e1.m]);
    if (Number.isFinite(sign)) aIsE1 = derivedError(e2, logS, X2) <= derivedError(e1, logS, X1);
  }
  let viaClock = aIsE1 ? solveClock(c, e1, e2, true) : solveClock(c, e2, e1, false);
  // (Both choices have the same conditioning; the other is a second try when a root search fails.)
  if (!viaClock || !(viaClock.conditioning! <= EXACT_REL_TOL)) {
    const other = aIsE1 ? solveClock(c, e2, e1, false) : solveClock(c, e1, e2, true);
    if (other && (!viaClock || other.conditioning! < viaClock.conditioning!)) viaClock = other;
  }
  if (!viaClock) return viaTails;
  if (!viaTails || viaClock.conditioning! < viaTails.conditioning!) return viaClock;
  return viaTails;
}

/** Whether the fit is still positive where the first mode reaches zero (so the limit lies past it). */
function crossesZero(c: BlockContext, e1: LogMode, e2: LogMode, logC: number): boolean {
  const t1 = e1.logT0();
  const t2 = e2.ties ? Infinity : logSubExp(e2.logT0(), logC); // E1's tail when x_2 = 0
  if (t1 === Infinity && t2 === Infinity) return false;
  if (t1 <= t2) {
    // E1 reaches zero first (Lam = 0); E2 is still positive there.
    const X2 = e2.invertTail(logAddExp(t1, logC), e2.X0);
    return c.w2 * Math.exp(e2.logProduct(X2)[0]) >= c.sq;
  }
  // E2 reaches zero first (N = 0).
  const X1 = e1.invertTail(t2, e1.X0);
  return Math.exp(e1.logProduct(X1)[0]) / c.n >= c.sq;
}

/** Where the root search in X_1 stands: E2's log-layer X_2 at the last X_1 evaluated. */
interface TailState { X2: number }

/** E1's tail at X_1, and X_2 read back from T_2(X_2) = T_1(X_1) + C (stored in the state, which seeds the next read-back). */
function tailsAt(e1: LogMode, e2: LogMode, logC: number, state: TailState, X1: number): { lt1: number; g1: number; logTau: number } {
  const [lt1, g1] = e1.logTail(X1);
  const logTau = logAddExp(lt1, logC);
  state.X2 = e2.invertTail(logTau, Number.isFinite(state.X2) ? state.X2 : e2.X0);
  return { lt1, g1, logTau };
}

/** The fit and its derivative in X_1 (NaN where E2 would have to cross zero). */
function tailFit(c: BlockContext, e1: LogMode, e2: LogMode, logC: number, state: TailState, X1: number): [number, number] {
  const st = tailsAt(e1, e2, logC, state, X1);
  const X2 = state.X2;
  if (Number.isNaN(X2)) return [NaN, NaN];
  const [lL, dL] = e1.logProduct(X1);
  const [lN, dN] = e2.logProduct(X2);
  const g2 = e2.logTail(X2)[1];
  const dX2 = (Math.exp(st.lt1 - st.logTau) * st.g1) / g2;
  const Lam = Math.exp(lL), N = Math.exp(lN);
  return [Lam / c.n + c.w2 * N - c.sq, (Lam * dL) / c.n + c.w2 * N * dN * dX2];
}

/** Both smallest layers positive: the unknown is X_1 = log x_1, every tail an integral in logs. */
function solveLogs(c: BlockContext, e1: LogMode, e2: LogMode, logC: number): ExactBlockSolution | null {
  const { n, w2, sq, L } = c;
  const state: TailState = { X2: e2.X0 };
  // Start where Lam = s q if E1 alone carried the fit. A tie at E1's minimum
  // with N carrying the fit puts X_1 far out (log divergence of T_1).
  const [l0] = e1.logProduct(e1.X0);
  const X1 = monotoneRoot((X) => tailFit(c, e1, e2, logC, state, X), e1.X0 + (Math.log(sq) - l0) / L, true, 0.5, e1.maxLog);
  if (!Number.isFinite(X1)) return null;
  tailsAt(e1, e2, logC, state, X1);
  const X2 = state.X2;
  if (!Number.isFinite(X2)) return null;
  const lLam = e1.logLayers(X1), lNu = e2.logLayers(X2);
  const logLam = lLam.reduce((x, y) => x + y, 0), logN = lNu.reduce((x, y) => x + y, 0);
  // Self-check: the invariant re-evaluated at the returned layers.
  const t1 = e1.logTail(X1)[0], t2 = e2.logTail(X2)[0];
  const e1e2 = Math.abs(Math.expm1(logAddExp(t1, logC) - t2));
  const lam = lLam.map(Math.exp), nu = lNu.map(Math.exp);
  const pair = Math.max(pairResidual(lam, c.lam0, c.lam0lo), pairResidual(nu, [...c.p.a]));
  const N = Math.exp(logN);
  // Lam from its layers' logs errs by ~eps sum |log lam_l| (large when a
  // log-divergent tie puts x_1 far below 1), from the fit by ~eps n (s q +
  // (1 - 1/n) N) / Lam: take the better; its estimate joins the conditioning.
  const logErr = (ls: number[]) => Number.EPSILON * (ls.reduce((acc, v) => acc + Math.abs(v), 0) + 1);
  const LamFit = n * (sq - w2 * N);
  const errFit = LamFit > 0 ? (Number.EPSILON * n * (sq + w2 * N)) / LamFit : Infinity, errLog = logErr(lLam);
  // The fit's form only where it means something and both forms agree within
  // their estimates: when Lam is far below the rounding of s q (a
  // log-divergent tie puts it below the double range), LamFit is that
  // rounding, whatever errLog says.
  const agree = (logFit: number, logOwn: number, err: number) => Math.abs(logFit - logOwn) <= 10 * err;
  const lamFromFit = errFit < errLog && errFit < 1e-3 && agree(Math.log(LamFit), logLam, errFit + errLog);
  const Lam = lamFromFit ? LamFit : Math.exp(logLam);
  // Symmetrically N from the fit where Lam's share is small: the root in
  // X_1 pins the fit only to the resolution of X_1 (ulp(X_1), large at a
  // log-divergent x_1), which N's own layers would carry.
  const NFit = (sq - Math.exp(logLam) / n) / w2;
  // (Lam's own error enters NFit weighted by its share.)
  const errFitN = !lamFromFit && NFit > 0 ? (Number.EPSILON * (sq + Math.exp(logLam) / n) + (Math.exp(logLam) / n) * errLog) / (w2 * NFit) : Infinity;
  const errLogN = logErr(lNu);
  const nFromFit = errFitN < errLogN && errFitN < 1e-3;
  const Nout = nFromFit ? NFit : N;
  const lamError = representable(Lam) ? Math.min(errFit, errLog) : 0, nError = representable(Nout) ? Math.min(errFitN, errLogN) : 0;
  return {
    method: 'tail-integral', logLam, logN: nFromFit ? Math.log(NFit) : logN, logLamLayers: lLam, logNuLayers: lNu, lamLayers: lam, nuLayers: nu,
    Lam, N: Nout, LamMinusN: Nout * Math.expm1(logLam - logN), residuals: { fit: fitResidual(c, Math.exp(logLam), Nout), pairwise: pair, e1e2 },
    conditioning: Math.max(lamError, nError),
  };
}

/** Where the root search in the signed x_1 stands: E2's signed layer at the last x_1 evaluated. */
interface SignedState { x2: number }

/** The fit and its derivative in the signed x_1, x_2 from the signed tails (NaN past a mode's reach). */
function signedFit(c: BlockContext, e1: LogMode, e2: LogMode, logC: number, state: SignedState, x1: number): [number, number] {
  const lt1 = e1.signedLogTail(x1);
  if (!Number.isFinite(lt1)) return [NaN, NaN];
  const next = e2.invertSigned(logAddExp(lt1, logC), state.x2);
  if (!Number.isFinite(next)) return [NaN, NaN];
  state.x2 = next;
  const [Lam, dLam] = e1.signedProduct(x1);
  const [N, dN] = e2.signedProduct(next);
  const dx2 = Math.exp(e1.logPhi(x1) - e2.logPhi(next));
  return [Lam / c.n + c.w2 * N - c.sq, dLam / c.n + c.w2 * dN * dx2];
}

/** The limit past a zero crossing: unknown the signed x_1, x_2 from the signed tails. */
function solveSigned(c: BlockContext, e1: LogMode, e2: LogMode, logC: number): ExactBlockSolution | null {
  const { n, w2, sq } = c;
  const state: SignedState = { x2: Math.exp(e2.X0) };
  const fdf = (x: number) => signedFit(c, e1, e2, logC, state, x);
  const x10 = Math.exp(e1.X0);
  const x1 = monotoneRoot(fdf, x10, true, 0.5 * x10, Infinity);
  if (!Number.isFinite(x1) || !Number.isFinite(fdf(x1)[0])) return null;
  const x2 = state.x2;
  const lam = e1.signedValues(x1), nu = e2.signedValues(x2);
  const LamP = e1.signedProduct(x1)[0], NP = e2.signedProduct(x2)[0];
  // The product with the larger share from the fit (exact to an ulp there).
  const Lam = Math.abs(w2 * NP) <= 0.25 * sq ? n * (sq - w2 * NP) : LamP;
  const N = Lam === LamP && Math.abs(LamP) / n <= 0.25 * sq ? (sq - LamP / n) / w2 : NP;
  const e1e2 = Math.abs(Math.expm1(logAddExp(e1.signedLogTail(x1), logC) - e2.signedLogTail(x2)));
  const pair = Math.max(pairResidual(lam, c.lam0, c.lam0lo), pairResidual(nu, [...c.p.a]));
  const abs = (v: number[]) => v.map((x) => Math.log(Math.abs(x)));
  const lLam = abs(lam), lNu = abs(nu);
  return {
    method: 'signed-tail', logLam: Math.log(Math.abs(Lam)), logN: Math.log(Math.abs(N)), logLamLayers: lLam, logNuLayers: lNu,
    lamLayers: lam, nuLayers: nu, Lam, N, LamMinusN: Lam - N, residuals: { fit: fitResidual(c, LamP, N), pairwise: pair, e1e2 },
  };
}
