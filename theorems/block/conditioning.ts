// How well doubles pin a per-layer block limit at depth L >= 3: the error
// estimates of the tail and clock routes (theorems/blockDiagonal.md, "A large
// init that moves little, a minor mode, or a layer ending near zero"). Above
// EXACT_MARGIN the solver tries another route or extended precision; above
// EXACT_REL_TOL the status is 'inexact'.

import { MIN_NORMAL } from '../../src/numeric/accuracy.js';
import { logAddExp } from '../../src/numeric/logMath.js';
import type { BlockContext } from './context.js';
import type { LogMode } from './logMode.js';

/** A value that is a normal double (below MIN_NORMAL only its log is reported, and its error counts 0). */
export function representable(v: number): boolean {
  return Math.abs(v) >= MIN_NORMAL;
}

/**
 * Relative error of an integral computed in logs (logIntegralExp) whose
 * integrand adds up logs of total size `size`: each node value carries
 * their rounding (eps times their size), and the result, a log, its own.
 */
const QUAD_SIZE = 1;
/** log of the absolute error of an integral e^logI computed in logs (-Infinity for a zero integral). */
export function logQuadError(logI: number, size: number): number {
  return logI === -Infinity ? -Infinity : logI + Math.log(Number.EPSILON * (4 + Math.abs(logI) + QUAD_SIZE * size));
}

/** Estimated relative error of a derived mode's product: 2 eps L |S| / (|x| phi(x)), S the clock or tail it was read from (only to choose which mode to derive). */
export function derivedError(e: LogMode, logS: number, X: number): number {
  return 2 * Number.EPSILON * e.L * Math.exp(logS - e.logPhiLog(X) - X);
}

/**
 * Relative error of Lam and N (the larger, each relative to itself; a value
 * below the double range counts 0: its log is what is reported) caused by an
 * absolute error e^logDelta in the balance of the two clocks (T_2 - T_1 - C,
 * or S_1 - S_2). Linearized at the solution, with y_i = dx_i / x_i and
 * p_i = d log|P_i| / d log|x_i|:
 *   |x_1| phi_1 y_1 + |x_2| phi_2 y_2' = delta   (y_2' = -y_2),
 *   (|Lam| p_1 / n) y_1 = (1 - 1/n) |N| p_2 y_2'  (the fit),
 * so the mode with the small share of the fit absorbs nearly all of delta.
 */
export function balanceError(c: BlockContext, e1: LogMode, e2: LogMode, x1: number, x2: number, logDelta: number): number {
  const X1 = Math.log(Math.abs(x1)), X2 = Math.log(Math.abs(x2));
  if (!Number.isFinite(X1) || !Number.isFinite(X2)) return 0;
  const [lP1, p1] = e1.logProduct(X1), [lP2, p2] = e2.logProduct(X2);
  const share = lP1 - Math.log(c.n) - Math.log(c.w2) - lP2; // log(|Lam|/n / ((1 - 1/n)|N|))
  const logA = e1.logPhiLog(X1) + X1, logB = e2.logPhiLog(X2) + X2 + Math.log(p1 / p2) + share;
  const logErrLam = logDelta + Math.log(p1) - logAddExp(logA, logB);
  const logErrN = logErrLam + share;
  return Math.max(ownError(lP1, logErrLam, X1, p1), ownError(lP2, logErrN, X2, p2));
}

const LOG_MIN_NORMAL = Math.log(MIN_NORMAL);

/**
 * The error a product of log lP with error e^logErr reports: its own; below
 * the double range (reported by its log) that of its smallest layer x = e^X
 * when that is still a normal double (the product's over p = d log P / d log x),
 * else 0.
 */
function ownError(lP: number, logErr: number, X: number, p: number): number {
  return lP >= LOG_MIN_NORMAL ? Math.exp(logErr) : X >= LOG_MIN_NORMAL ? Math.exp(logErr) / p : 0;
}
