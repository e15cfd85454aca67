// An eigenspace (mode.ts) of the per-layer block limit in logarithms, for
// the routes at depth L >= 3 (tails.ts, clock.ts): every quantity is carried
// as a log, so that values from e^-1e15 to e^700 and clocks near the escape
// time keep their relative accuracy (theorems/blockDiagonal.md, "Domain and
// exact numerics").

import { GL5_NODES, GL5_WEIGHTS } from '../../src/numeric/quadrature.js';
import { ddDiff, logAddExp, logIntegralExp, logSubExp } from '../../src/numeric/logMath.js';
import { monotoneRoot } from '../../src/numeric/roots.js';
import type { Mode } from './mode.js';

const LN2 = Math.LN2;
/**
 * Largest |log x| a root search visits: beyond it (x = e^-1e15) the quadrature
 * mesh would fall below ulp(r). Only a log-divergent mode (two tied layers)
 * goes that far, and it uses its asymptotic form there.
 */
const MAX_LOG = 1e15;

/**
 * One eigenspace (E1 or E2) with per-layer initial values v0_l > 0. The
 * pairwise invariants v_l^2 - v_k^2 make it one scalar: x = the (signed)
 * value of the layer that starts smallest, X = log x while x > 0,
 * B_l = v_l^2 = x^2 + D_l with D_l = v0_l^2 - v0_min^2 formed as
 * (v0_l - v0_min)(v0_l + v0_min) (no cancellation). Its clock, as the tail
 * T(x) = int_x^inf dz / prod_{k != min} sqrt(z^2 + D_k)
 *      = int_0^inf dw / (2 prod_l sqrt(B_l + w))            (x > 0, w = z^2 - x^2),
 * falls as the mode grows: dT = -du (finite for L >= 3). Without a tie at the
 * minimum the integrand is finite at z = 0 and the mode may cross zero (a
 * large init shrinking past it): T(x) = T(0) + int_0^|x| for x < 0, a sum of
 * two positive integrals.
 */
export class LogMode {
  readonly L: number;
  readonly logD: number[];
  readonly X0: number;
  /** Index of the smallest layer. */
  readonly m: number;
  /** Another layer ties with the smallest: T(0+) is infinite and x stays > 0. */
  readonly ties: boolean;
  private readonly logB: number[];
  private logT0Cache: number | undefined;
  /**
   * Exactly two layers tied at the minimum: T(x) = K (log(1/x) + g) + O(K x^2 / D)
   * as x -> 0 (a log divergence, K = 1 / prod_{untied} sqrt(D_l)). Below
   * X = Xasym (x^2 / D_min = e^-40) that form is exact to 1e-18 and replaces a
   * quadrature over a range of width |X| (which reaches 1e10 and beyond when
   * the other mode carries the fit).
   */
  private readonly asym: { logK: number; Xasym: number; g?: number } | null = null;

  readonly v0: readonly number[];

  /** The low parts of the shape's v0 (E1's a_l + d b_l as double-doubles) keep D_l exact to rounding. */
  constructor(shape: Mode) {
    const { v0, lo, m } = shape;
    this.v0 = v0;
    this.L = shape.L;
    this.m = m;
    this.X0 = Math.log(v0[m]);
    this.logD = v0.map((v, l) => {
      const diff = ddDiff(v, lo[l], v0[m], lo[m]);
      return diff === 0 ? -Infinity : Math.log(diff) + Math.log(v + v0[m]);
    });
    this.ties = this.logD.some((ld, l) => l !== m && ld === -Infinity);
    this.logB = new Array(this.L).fill(0);
    const untied = this.logD.filter((ld) => ld !== -Infinity);
    if (untied.length === this.L - 2 && untied.length > 0) {
      this.asym = { logK: -0.5 * untied.reduce((x, y) => x + y, 0), Xasym: 0.5 * (Math.min(...untied) - 40) };
    }
  }

  /** log v_l^2 at X, per layer (into the internal buffer). */
  private fill(X: number): number[] {
    for (let l = 0; l < this.L; l++) this.logB[l] = logAddExp(2 * X, this.logD[l]);
    return this.logB;
  }

  logLayers(X: number): number[] {
    return this.fill(X).map((lb) => 0.5 * lb);
  }

  /** Sum of |log |v_l|| at the signed x: the size of the logs a quadrature or a product at x adds up. */
  logSize(x: number): number {
    const lx2 = 2 * Math.log(Math.abs(x));
    let acc = 0;
    for (let l = 0; l < this.L; l++) acc += 0.5 * Math.abs(l === this.m ? lx2 : logAddExp(this.logD[l], lx2));
    return acc;
  }

  /** log prod_l v_l and its derivative in X. */
  logProduct(X: number): [number, number] {
    const lb = this.fill(X);
    let s = 0, ds = 0;
    for (let l = 0; l < this.L; l++) { s += 0.5 * lb[l]; ds += Math.exp(2 * X - lb[l]); }
    return [s, ds];
  }

  /** log T(X) and d log T / dX (L >= 3). */
  logTail(X: number): [number, number] {
    const as = this.asym;
    if (as && X < as.Xasym) {
      if (as.g === undefined) as.g = Math.exp(this.logTailQuad(as.Xasym)[0] - as.logK) + as.Xasym;
      return [as.logK + Math.log(as.g - X), -1 / (as.g - X)];
    }
    return this.logTailQuad(X);
  }

  private logTailQuad(X: number): [number, number] {
    const lb = this.fill(X).slice();
    let lo = Infinity, hi = -Infinity, logV = 0;
    for (const v of lb) { lo = Math.min(lo, v); hi = Math.max(hi, v); logV += 0.5 * v; }
    const L = this.L;
    // The r terms are collected before they are added (r (1 - k/2), k layers
    // below r): in the flat stretch of a log divergence (k = 2, two layers
    // tied at a tiny minimum) they cancel exactly instead of to ulp(r).
    const logT = logIntegralExp((r) => {
      let rest = -LN2, k = 0;
      for (let l = 0; l < L; l++) {
        if (lb[l] < r) { k++; rest -= 0.5 * Math.log1p(Math.exp(lb[l] - r)); } else rest -= 0.5 * (lb[l] + Math.log1p(Math.exp(r - lb[l])));
      }
      return r * (1 - 0.5 * k) + rest;
    }, lo - 42, hi + 42 / (L / 2 - 1), lb);
    return [logT, -Math.exp(2 * X - logV - logT)];
  }

  /**
   * log int_0^y dz / prod_{k != min} sqrt(z^2 + D_k) with y = e^Y (Y = +inf:
   * T(0), the whole tail from 0), in w = z^2 and r = log w, where the
   * integrand w^(1/2) / (2 prod sqrt(D_k + w)) decays like e^(r/2) on the left.
   */
  private logInnerRaw(Y: number): number {
    const L = this.L, m = this.m, logD = this.logD;
    const others = logD.filter((_, l) => l !== m);
    const lo = Math.min(2 * Y, ...others) - 84;
    const hi = Y === Infinity ? Math.max(...others) + 42 / (L / 2 - 1) : 2 * Y;
    return this.logPhiW(lo, hi);
  }

  /** log int over r = log w in [lo, hi] of w^(1/2) / (2 prod_{k != min} sqrt(D_k + w)), i.e. of phi(z) dz from z = e^(lo/2) to e^(hi/2). */
  private logPhiW(lo: number, hi: number): number {
    const L = this.L, m = this.m, logD = this.logD;
    const breaks = logD.filter((ld, l) => l !== m && Number.isFinite(ld));
    return logIntegralExp((r) => {
      let rest = -LN2, k = 0;
      for (let l = 0; l < L; l++) {
        if (l === m) continue;
        if (logD[l] < r) { k++; rest -= 0.5 * Math.log1p(Math.exp(logD[l] - r)); } else rest -= 0.5 * (logD[l] + Math.log1p(Math.exp(r - logD[l])));
      }
      return r * (0.5 - 0.5 * k) + rest;
    }, lo, hi, breaks);
  }

  /**
   * The clock elapsed from the init to x, S(x) = int_x^x0 phi (> 0 when the
   * mode shrank, < 0 when it grew), as [sign, log|S|]: a direct integral,
   * exact relative to itself, where the tails' difference T(x) - T(x0) would
   * lose digits (a large init that moves little).
   */
  clock(x: number): [number, number] {
    const X0 = this.X0;
    if (x === this.v0[this.m]) return [0, -Infinity];
    if (x > 0) {
      const X = Math.log(x);
      return X < X0 ? [1, this.logPhiW(2 * X, 2 * X0)] : [-1, this.logPhiW(2 * X0, 2 * X)];
    }
    if (this.ties) return [NaN, NaN];
    const whole = this.logInnerRaw(X0);
    return [1, x === 0 ? whole : logAddExp(whole, this.logInnerRaw(Math.log(-x)))];
  }

  /**
   * Signed x with clock(x) = sign e^logS (NaN past the mode's reach). While x
   * stays positive the unknown is t = log|log x - log x0| (a mode that moved by
   * 1e-13 relative is found as precisely as one that moved by decades).
   */
  invertClock(sign: number, logS: number, start: number): number {
    const X0 = this.X0, x0 = this.v0[this.m];
    if (sign === 0 || logS === -Infinity) return x0;
    if (sign < 0) {
      // Growth: bounded by the tail T(x0) (finite-time escape in the clock).
      if (!(logS < this.logTail(X0)[0])) return NaN;
      return this.invertPositive(1, logS, start);
    }
    const whole = this.ties ? Infinity : this.logInnerRaw(X0);
    if (logS <= whole) return this.invertPositive(-1, logS, start);
    const logR = logSubExp(logS, whole);
    if (!(logR < this.logT0())) return NaN;
    const dlog = (Y: number, I: number) => Math.exp(Y + this.logPhiLog(Y) - I);
    const Y = monotoneRoot((y) => {
      const I = this.logInnerRaw(y);
      return [I - logR, dlog(y, I)];
    }, start < 0 ? Math.log(-start) : X0, true, 0.5, MAX_LOG);
    return -Math.exp(Y);
  }

  /**
   * Positive x with clock(x) = -dir e^logS (dir = 1: the mode grew, -1: it
   * shrank, staying positive), in the unknown t with log x = X0 + dir e^t;
   * d log I / dt = |x| phi(x) e^t / I.
   */
  private invertPositive(dir: number, logS: number, start: number): number {
    const X0 = this.X0, x0 = this.v0[this.m];
    const logg = (y: number) => y + this.logPhiLog(y);
    const fdf = (t: number): [number, number] => {
      const et = Math.exp(t), Y = X0 + dir * et;
      let I: number;
      if (et < 1e-3) {
        // A short step (down to below ulp(X0)): 5-point Gauss–Legendre in y
        // on [X0, X0 +- e^t], nodes placed as offsets from X0 (the nearest
        // singularity of log g is pi/2 away: error ~ (e^t / pi)^10).
        let sum = 0;
        for (let j = 0; j < 5; j++) sum += GL5_WEIGHTS[j] * Math.exp(logg(X0 + dir * et * 0.5 * (1 + GL5_NODES[j])) - logg(X0));
        I = t + logg(X0) + Math.log(0.5 * sum);
      } else I = dir > 0 ? this.logPhiW(2 * X0, 2 * Y) : this.logPhiW(2 * Y, 2 * X0);
      return [I - logS, Math.exp(logg(Y) + t - I)];
    };
    const guess = logS - X0 - this.logPhiLog(X0);
    const s0 = start > 0 && start !== x0 ? Math.log(Math.abs(Math.log(start) - X0)) : Math.min(guess, 0);
    const t = monotoneRoot(fdf, Number.isFinite(s0) ? s0 : 0, true, 0.5, 800);
    return x0 * Math.exp(dir * Math.exp(t));
  }

  /** log phi at x = +-e^X (X = -Infinity: x = 0). */
  logPhiLog(X: number): number {
    let acc = 0;
    for (let l = 0; l < this.L; l++) if (l !== this.m) acc -= 0.5 * logAddExp(this.logD[l], 2 * X);
    return acc;
  }

  /** log T(0+): +Infinity with a tie at the minimum. */
  logT0(): number {
    if (this.logT0Cache === undefined) this.logT0Cache = this.ties ? Infinity : this.logInnerRaw(Infinity);
    return this.logT0Cache;
  }

  /** log of 1 / prod_{k != min} sqrt(x^2 + D_k) = -dT/dx. */
  logPhi(x: number): number {
    const lx2 = 2 * Math.log(Math.abs(x));
    let acc = 0;
    for (let l = 0; l < this.L; l++) if (l !== this.m) acc -= 0.5 * logAddExp(this.logD[l], lx2);
    return acc;
  }

  /** log T(x) for a signed x (+Infinity for x <= 0 with a tie). */
  signedLogTail(x: number): number {
    if (x > 0) return this.logTail(Math.log(x))[0];
    if (this.ties) return Infinity;
    return x === 0 ? this.logT0() : logAddExp(this.logT0(), this.logInnerRaw(Math.log(-x)));
  }

  /** Signed layer values at signed x, and the product with its derivative in x. */
  signedValues(x: number): number[] {
    const lx2 = 2 * Math.log(Math.abs(x));
    return this.logD.map((ld, l) => (l === this.m ? x : Math.exp(0.5 * logAddExp(ld, lx2))));
  }

  signedProduct(x: number): [number, number] {
    const lx2 = 2 * Math.log(Math.abs(x));
    let lo = 0, sum = 1;
    for (let l = 0; l < this.L; l++) {
      if (l === this.m) continue;
      const lb = logAddExp(this.logD[l], lx2);
      lo += 0.5 * lb;
      sum += Math.exp(lx2 - lb);
    }
    const others = Math.exp(lo);
    return [x * others, others * sum];
  }

  /** How far a root search in X may go (the asymptotic form has no mesh to break). */
  get maxLog(): number { return this.asym ? 1e300 : MAX_LOG; }

  /** X with log T(X) = logTau (NaN when the mode would have to cross zero). */
  invertTail(logTau: number, start: number): number {
    return monotoneRoot((X) => { const [lt, dlt] = this.logTail(X); return [lt - logTau, dlt]; }, start, false, 0.5, this.maxLog);
  }

  /** Signed x with log T(x) = logTau; NaN beyond the mode's reach (T >= 2 T(0)). */
  invertSigned(logTau: number, start: number): number {
    const lt0 = this.logT0();
    if (logTau <= lt0) return Math.exp(this.invertTail(logTau, start > 0 ? Math.log(start) : this.X0));
    const logR = logSubExp(logTau, lt0);
    if (!(logR < lt0)) return NaN;
    const Y = monotoneRoot((y) => {
      const li = this.logInnerRaw(y);
      return [li - logR, Math.exp(y + this.logPhi(Math.exp(y)) - li)];
    }, start < 0 ? Math.log(-start) : this.X0, true, 0.5, MAX_LOG);
    return -Math.exp(Y);
  }
}
