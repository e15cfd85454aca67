// The block-diagonal limit (family A, blockDiagonal.md) solved without
// cancellation at any init scale and depth. Every quantity is carried as a
// logarithm; the E1–E2 invariant is never formed as a difference of two
// large clock values (the escape times, ~alpha^(2-L)), but with its constant
// taken from a closed form (balanced layers) or from one integral of a
// positive integrand (per-layer values). Derivation: blockDiagonal.md, "Exact numerics".

import { brent } from '../src/numeric/roots.js';
import { solveBlockPrecise } from './blockPrecise.js';
import { ddAdd, ddDiff, ddMul, logAddExp, logIntegralExp, logSubExp, softplus, sumProduct, type DD } from './logMath.js';

const LN2 = Math.LN2;
/**
 * Largest |log x| a root search visits: beyond it (x = e^-1e15) the quadrature
 * mesh would fall below ulp(r). Only a log-divergent mode (two tied layers)
 * goes that far, and it uses its asymptotic form there.
 */
const MAX_LOG = 1e15;
const GL5X = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
const GL5W = [0.23692688505618908, 0.47862867049936647, 0.5688888888888889, 0.47862867049936647, 0.23692688505618908];

export interface ExactBlockInput {
  d: number; n: number; q: number; s: number;
  a: readonly number[]; b: readonly number[];
}

export interface ExactBlockSolution {
  /** Route: 'closed-form' (balanced or L <= 2), 'product-root' (one block, per-layer), 'tail-integral' (per-layer, L >= 3) or 'signed-tail' (per-layer, L >= 3, a mode crossing zero). */
  method: 'closed-form' | 'product-root' | 'tail-integral' | 'signed-tail' | 'clock-integral' | 'extended-precision';
  /** Estimated relative error of the derived mode's product (per-layer routes): above 1e-12 the status is 'inexact'. */
  conditioning?: number;
  /** Natural logarithms of the per-layer limits lam_l (E1) and nu_l (E2), and of their products. */
  logLam: number; logN: number;
  logLamLayers: number[]; logNuLayers: number[];
  /** Signed per-layer values when a layer may cross zero (L = 1, 2): the values themselves. */
  lamLayers: number[]; nuLayers: number[];
  Lam: number; N: number;
  /** Lam - N without cancellation where a closed form gives it (balanced layers), else formed from the logs. */
  LamMinusN: number;
  /** Residuals of the defining equations at the returned values (relative, cancellation-free). */
  residuals: { fit: number; pairwise: number; e1e2: number };
}

/**
 * Safeguarded Newton for a monotone f (increasing or not, as stated: a probe
 * cannot tell where f is flat to rounding) on the real line: expand to a
 * bracket, then Newton steps kept inside it, bisection otherwise.
 */
export function monotoneRoot(fdf: (x: number) => [number, number], x0: number, increasing: boolean, step0 = 1, maxAbs = 2000): number {
  const [f0] = fdf(x0);
  if (f0 === 0) return x0;
  const dir = (f0 < 0) === increasing ? 1 : -1;
  let a = x0, fa = f0, step = step0, b = NaN, fb = NaN;
  for (let i = 0; i < 200; i++) {
    const x = a + dir * step;
    if (Math.abs(x) > maxAbs) return NaN;
    const [fx] = fdf(x);
    if (!Number.isFinite(fx)) { step *= 0.5; continue; }
    if (fx === 0) return x;
    if ((fx > 0) !== (fa > 0)) { b = x; fb = fx; break; }
    a = x; fa = fx; step *= 2;
  }
  if (Number.isNaN(b)) return NaN;
  let lo = Math.min(a, b), hi = Math.max(a, b);
  let flo = lo === a ? fa : fb;
  let x = lo + 0.5 * (hi - lo);
  for (let i = 0; i < 200; i++) {
    const [fx, dfx] = fdf(x);
    if (fx === 0) return x;
    if ((fx > 0) === (flo > 0)) { lo = x; flo = fx; } else hi = x;
    let nx = x - fx / dfx;
    if (!(nx > lo && nx < hi)) nx = lo + 0.5 * (hi - lo);
    if (Math.abs(nx - x) <= 2 * Number.EPSILON * Math.abs(x) + 1e-300 || hi - lo <= 2 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi))) return nx;
    x = nx;
  }
  return x;
}

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

  /** v0lo: the low parts of v0 as double-doubles (E1's a_l + d b_l), so D_l is exact to rounding. */
  constructor(readonly v0: readonly number[], v0lo?: readonly number[]) {
    this.L = v0.length;
    const lo = v0lo ?? v0.map(() => 0);
    let m = 0;
    for (let l = 1; l < v0.length; l++) if (v0[l] < v0[m] || (v0[l] === v0[m] && lo[l] < lo[m])) m = l;
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
    // Y = X0 + dir e^t; d log I / dt = |x| phi(x) e^t / I.
    const solveT = (dir: number): number => {
      const logg = (y: number) => y + this.logPhiLog(y);
      const fdf = (t: number): [number, number] => {
        const et = Math.exp(t), Y = X0 + dir * et;
        let I: number;
        if (et < 1e-3) {
          // A short step (down to below ulp(X0)): 5-point Gauss–Legendre in y
          // on [X0, X0 +- e^t], nodes placed as offsets from X0 (the nearest
          // singularity of log g is pi/2 away: error ~ (e^t / pi)^10).
          let sum = 0;
          for (let j = 0; j < 5; j++) sum += GL5W[j] * Math.exp(logg(X0 + dir * et * 0.5 * (1 + GL5X[j])) - logg(X0));
          I = t + logg(X0) + Math.log(0.5 * sum);
        } else I = dir > 0 ? this.logPhiW(2 * X0, 2 * Y) : this.logPhiW(2 * Y, 2 * X0);
        return [I - logS, Math.exp(logg(Y) + t - I)];
      };
      const guess = logS - X0 - this.logPhiLog(X0);
      const s0 = start > 0 && start !== x0 ? Math.log(Math.abs(Math.log(start) - X0)) : Math.min(guess, 0);
      const t = monotoneRoot(fdf, Number.isFinite(s0) ? s0 : 0, true, 0.5, 800);
      return x0 * Math.exp(dir * Math.exp(t));
    };
    if (sign < 0) {
      // Growth: bounded by the tail T(x0) (finite-time escape in the clock).
      if (!(logS < this.logTail(X0)[0])) return NaN;
      return solveT(1);
    }
    const whole = this.ties ? Infinity : this.logInnerRaw(X0);
    if (logS <= whole) return solveT(-1);
    const logR = logSubExp(logS, whole);
    if (!(logR < this.logT0())) return NaN;
    const dlog = (Y: number, I: number) => Math.exp(Y + this.logPhiLog(Y) - I);
    const Y = monotoneRoot((y) => {
      const I = this.logInnerRaw(y);
      return [I - logR, dlog(y, I)];
    }, start < 0 ? Math.log(-start) : X0, true, 0.5, MAX_LOG);
    return -Math.exp(Y);
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
 * Relative error of an integral computed in logs (logIntegralExp) whose
 * integrand adds up logs of total size `size`: each node value carries
 * their rounding (eps times their size), and the result, a log, its own.
 */
const QUAD_SIZE = 1;
/** log of the absolute error of an integral e^logI computed in logs (-Infinity for a zero integral). */
function logQuadError(logI: number, size: number): number {
  return logI === -Infinity ? -Infinity : logI + Math.log(Number.EPSILON * (4 + Math.abs(logI) + QUAD_SIZE * size));
}

/** Per-layer solutions whose estimate or residual exceeds this are solved again in extended precision. */
const PRECISE_ABOVE = 1e-13;

const relDiff = (x: number, y: number): number => (x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));

/** Exact limit on E1, E2; null when the per-layer route cannot represent it (a layer crossing zero). */
export function solveBlockExact(p: ExactBlockInput): ExactBlockSolution | null {
  const { d, n, q, s } = p;
  const L = p.a.length;
  const sq = s * q;
  const w2 = 1 - 1 / n;
  const balanced = p.a.every((v) => v === p.a[0]) && p.b.every((v) => v === p.b[0]);
  const lam0dd = p.a.map((al, l) => sumProduct(al, d, p.b[l]));
  const lam0 = lam0dd.map((x) => x[0]), lam0lo = lam0dd.map((x) => x[1]);
  // Relative to the sum of the magnitudes of its terms: past a zero crossing
  // Lam and N may have opposite signs and sizes far above s q.
  const fitResidual = (Lam: number, N: number) => Math.abs(Lam / n + w2 * N - sq) / (Math.abs(Lam) / n + w2 * Math.abs(N) + sq);

  // One block: E2 has dimension n - 1 = 0 and the fit involves E1 alone.
  if (n === 1) return solveOneBlock(p, lam0, lam0lo, balanced);

  if (L === 1) {
    // lam - nu = d b is invariant: nu = s q - d b / n = q (s - b), lam = q (s + (n - 1) b).
    const b = p.b[0];
    const nu = q * (s - b), lam = q * (s + (n - 1) * b);
    // The invariant checked as a sum of positive terms: nu + d b = lam, or lam - nu = d b when nu < 0.
    const e1e2 = nu >= 0 ? relDiff(nu + d * b, lam) : relDiff(lam - nu, d * b);
    return { ...pack('closed-form', [lam], [nu], fitResidual(lam, nu), 0, e1e2), LamMinusN: d * b };
  }

  if (balanced && L >= 3) {
    const a = p.a[0], b = p.b[0];
    if (b === 0) {
      // E1 and E2 start equal and obey the same equation: Lam = N = s q.
      const l = Math.log(sq) / L;
      return { ...packLog('closed-form', new Array(L).fill(l), new Array(L).fill(l), fitResidual(sq, sq), 0, 0), Lam: sq, N: sq, LamMinusN: 0 };
    }
    // nu^(2-L) = lam^(2-L) + K, K = a^(2-L) (1 - (1 + d b / a)^(2-L)) > 0, in logs.
    const logK = (2 - L) * Math.log(a) + Math.log(-Math.expm1((2 - L) * Math.log1p((d * b) / a)));
    const logNu = (ll: number) => logAddExp(logK, (2 - L) * ll) / (2 - L);
    const F = (ll: number) => Math.exp(L * ll) / n + w2 * Math.exp(L * logNu(ll)) - sq;
    // Lam in [s q, n s q]: N <= Lam puts the root in this bracket.
    const lo = Math.log(sq) / L, hi = Math.log(n * sq) / L;
    // At either end F may miss its sign by a rounding (N negligible, or N = Lam): the end is then the root.
    const flo = F(lo), fhi = F(hi);
    const ll = lo === hi || flo >= 0 ? lo : fhi <= 0 ? hi : brent(F, lo, hi, 1e-300);
    const ln = logNu(ll);
    const e1e2 = Math.abs(Math.expm1(logAddExp(logK, (2 - L) * ll) - (2 - L) * ln));
    const sol = packLog('closed-form', new Array(L).fill(ll), new Array(L).fill(ln), 0, 0, e1e2);
    // (lam/nu)^(L-2) = 1 + K lam^(L-2): log(lam/nu) without subtracting logs.
    const logRatio = softplus(logK + (L - 2) * ll) / (L - 2);
    sol.LamMinusN = sol.N * Math.expm1(L * logRatio);
    // The fit at the layers' own product (sol.Lam is taken from the fit itself).
    sol.residuals.fit = fitResidual(Math.exp(sol.logLam), sol.N);
    return sol;
  }

  /**
   * Lam from the fit, n (s q - (1 - 1/n) N), where N's share is small: that
   * is exact to an ulp, while exp(log Lam) carries log Lam's rounding times
   * its size. Elsewhere (N comparable to Lam) exp(log Lam).
   */
  function fittedLam(logLam: number, N: number): number {
    return w2 * N <= 0.25 * sq ? n * (sq - w2 * N) : Math.exp(logLam);
  }

  if (balanced && L === 2) {
    // lam / nu = r = 1 + d b / a is invariant: N = n s q / (r^2 + n - 1), Lam = r^2 N.
    const rm1 = (d * p.b[0]) / p.a[0], r = 1 + rm1; // r - 1 from d b / a itself (1 + x - 1 loses x's digits)
    const N = (n * sq) / (r * r + n - 1), nu = Math.sqrt(N), lam = r * nu;
    const sol = pack('closed-form', [lam, lam], [nu, nu], fitResidual(lam * lam, N), 0, relDiff(lam, r * nu));
    return { ...sol, Lam: r * r * N, N, LamMinusN: N * rm1 * (rm1 + 2) };
  }
  const perLayer = L === 2 ? solveDepth2(p, lam0, fitResidual) : solveTail(p, lam0, fitResidual);
  if (!perLayer) return perLayer;
  if (L >= 3) layersFromProducts(perLayer);
  // Where doubles cannot pin the values (the estimate or a residual above a
  // tenth of the 1e-12 the status asks), the same equations in 45 digits
  // (blockPrecise.ts), kept when their own estimate is the better one.
  const worst = Math.max(perLayer.conditioning ?? 0, perLayer.residuals.fit, perLayer.residuals.pairwise, perLayer.residuals.e1e2);
  if (worst <= PRECISE_ABOVE) return perLayer;
  const precise = solveBlockPrecise(p, perLayer);
  return precise && precise.conditioning! < worst ? precise : perLayer;

  /**
   * A product taken from the fit (exact to an ulp where its share is large)
   * is more accurate than the layers of its root, which carry the root's
   * resolution (ulp(log x_1) at a log-divergent x_1, or a clock read back):
   * N = 3 exact beside a smallest E2 layer off by 7e-11. The smallest layer
   * is then found again from the product (monotone in x: its relative error
   * is the product's over d log P / d log x >= 1), and the other layers from
   * the pairwise invariants.
   */
  function layersFromProducts(sol: ExactBlockSolution): void {
    const e1 = new LogMode(lam0, lam0lo), e2 = new LogMode(p.a);
    const redo = (e: LogMode, P: number, layers: number[], logs: number[]): [number[], number[]] | null => {
      if (!(Math.abs(P) >= 2.2250738585072014e-308) || !Number.isFinite(P)) return null;
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
    };
    const r1 = redo(e1, sol.Lam, sol.lamLayers, sol.logLamLayers), r2 = redo(e2, sol.N, sol.nuLayers, sol.logNuLayers);
    if (r1) [sol.lamLayers, sol.logLamLayers] = r1;
    if (r2) [sol.nuLayers, sol.logNuLayers] = r2;
    if (r1 || r2) sol.residuals.pairwise = Math.max(pairResidual(sol.lamLayers, lam0, lam0lo), pairResidual(sol.nuLayers, [...p.a]));
  }

  function packLog(method: ExactBlockSolution['method'], lLam: number[], lNu: number[], fit: number, pairwise: number, e1e2: number): ExactBlockSolution {
    const logLam = lLam.reduce((x, y) => x + y, 0), logN = lNu.reduce((x, y) => x + y, 0);
    const N = Math.exp(logN);
    return {
      method, logLam, logN, logLamLayers: lLam, logNuLayers: lNu,
      lamLayers: lLam.map(Math.exp), nuLayers: lNu.map(Math.exp),
      Lam: fittedLam(logLam, N), N, LamMinusN: N * Math.expm1(logLam - logN), residuals: { fit, pairwise, e1e2 },
    };
  }
  function pack(method: ExactBlockSolution['method'], lam: number[], nu: number[], fit: number, pairwise: number, e1e2: number): ExactBlockSolution {
    const Lam = lam.reduce((x, y) => x * y, 1), N = nu.reduce((x, y) => x * y, 1);
    return {
      method, logLam: Math.log(Math.abs(Lam)), logN: Math.log(Math.abs(N)),
      logLamLayers: lam.map((v) => Math.log(Math.abs(v))), logNuLayers: nu.map((v) => Math.log(Math.abs(v))),
      lamLayers: lam, nuLayers: nu, Lam, N, LamMinusN: Lam - N, residuals: { fit, pairwise, e1e2 },
    };
  }

  /**
   * Depth 2: in the clock u, the sum of the two layers grows like e^u
   * (d(v1 + v2)/du = v1 + v2), so (lam_1 + lam_2)/(nu_1 + nu_2) is the E1–E2
   * invariant. With S0 = v1(0) + v2(0), v2 the smaller layer,
   * v2 = (S0 expm1(2u) + 2 v2(0)) e^(-u) / 2, v1 = (S0^2 e^(2u) + D) / (2 S0 e^u).
   */
  function solveDepth2(pp: ExactBlockInput, lam0v: number[], fit: (Lam: number, N: number) => number): ExactBlockSolution | null {
    const mode = (v0: number[]) => {
      const small = v0[0] <= v0[1] ? 0 : 1;
      const lo = v0 === lam0v ? lam0lo : [0, 0];
      const S0 = v0[0] + v0[1], vs = v0[small], D = ddDiff(v0[1 - small], lo[1 - small], vs, lo[small]) * (v0[1 - small] + vs);
      return (u: number): number[] => {
        const eu = Math.exp(u), P = S0 * eu;
        // Growing (u >= 0): a sum of positive terms. Shrinking: (P^2 - D)/(2P),
        // which cancels only as v2 itself goes to 0.
        const v2 = u >= 0 ? 0.5 * (S0 * Math.expm1(2 * u) + 2 * vs) / eu : (P - D / P) / 2;
        const v1 = (P * P + D) / (2 * P);
        return small === 0 ? [v2, v1] : [v1, v2];
      };
    };
    const e1 = mode(lam0v), e2 = mode([...pp.a]);
    const F = (u: number) => { const l = e1(u), v = e2(u); return (l[0] * l[1]) / n + w2 * v[0] * v[1] - sq; };
    // F increases in u; bracket by doubling steps.
    let lo = 0, hi = 0;
    if (F(0) < 0) { hi = 1; while (F(hi) < 0) { lo = hi; hi *= 2; if (hi > 2000) return null; } }
    else { lo = -1; while (F(lo) > 0) { hi = lo; lo *= 2; if (lo < -2000) return null; } }
    const u = brent(F, lo, hi, 1e-300);
    let lam = e1(u), nu = e2(u);
    // The products as functions of the variable the root was found in: the clock u,
    // or (re-solved below) the small layer y.
    let products = (x: number): [number, number] => { const l = e1(x), v = e2(x); return [l[0] * l[1], v[0] * v[1]]; };
    let root = u;
    // A large init may shrink a layer past zero: the formulas hold for signed values.
    if (![...lam, ...nu].every(Number.isFinite)) return null;
    // A layer that ends near zero comes out of (P - D/P)/2 with a relative
    // error ~ eps P / |v|: re-solve with that layer itself as the unknown y
    // (its mode then exact: v_big = sqrt(y^2 + D), e^u = (y + v_big) / S0),
    // the other mode from its layer sum S0' e^u.
    const nearZero = (v: number[]) => Math.min(Math.abs(v[0]), Math.abs(v[1])) / (Math.abs(v[0]) + Math.abs(v[1]));
    if (Math.min(nearZero(lam), nearZero(nu)) < 0.1) {
      const aIsE1 = nearZero(lam) <= nearZero(nu);
      const vA0 = aIsE1 ? lam0v : [...pp.a], loA = aIsE1 ? lam0lo : [0, 0];
      const sA = vA0[0] <= vA0[1] ? 0 : 1;
      const DA = ddDiff(vA0[1 - sA], loA[1 - sA], vA0[sA], loA[sA]) * (vA0[1 - sA] + vA0[sA]);
      const S0A = vA0[0] + vA0[1];
      // Mode B from P_B = k (y + big_A), k = S0_B / S0_A, with its small layer as
      // (P_B^2 - D_B) / (2 P_B) = (2 k^2 y (y + big_A) + K) / (2 P_B),
      // K = k^2 D_A - D_B = S0_B (S0_B d_A - S0_A d_B) / S0_A (d = big - small at
      // the init), formed in double-double: no cancellation when B also ends near zero.
      const vB0 = aIsE1 ? [...pp.a] : lam0v, loB = aIsE1 ? [0, 0] : lam0lo;
      const sB = vB0[0] <= vB0[1] ? 0 : 1;
      const dd = (v: number[], lo: number[], i: number): DD => [v[i], lo[i]];
      const neg = (x: DD): DD => [-x[0], -x[1]];
      const S0Add = ddAdd(dd(vA0, loA, 0), dd(vA0, loA, 1)), S0Bdd = ddAdd(dd(vB0, loB, 0), dd(vB0, loB, 1));
      const dAdd = ddAdd(dd(vA0, loA, 1 - sA), neg(dd(vA0, loA, sA))), dBdd = ddAdd(dd(vB0, loB, 1 - sB), neg(dd(vB0, loB, sB)));
      const inner = ddAdd(ddMul(S0Bdd, dAdd), neg(ddMul(S0Add, dBdd)));
      const K = (S0Bdd[0] * (inner[0] + inner[1])) / S0Add[0];
      const k = S0Bdd[0] / S0Add[0];
      const DB = (dBdd[0] + dBdd[1]) * S0Bdd[0];
      const layersA = (y: number) => { const big = Math.sqrt(y * y + DA); return sA === 0 ? [y, big] : [big, y]; };
      const layersB = (y: number) => {
        const bigA = Math.sqrt(y * y + DA), sumA = y + bigA, P = k * sumA;
        const small = (2 * k * k * y * sumA + K) / (2 * P), big = (P * P + DB) / (2 * P);
        return sB === 0 ? [small, big] : [big, small];
      };
      const G = (y: number) => {
        const a = layersA(y), b = layersB(y);
        const [l, v] = aIsE1 ? [a, b] : [b, a];
        return (l[0] * l[1]) / n + w2 * v[0] * v[1] - sq;
      };
      const y0 = (aIsE1 ? lam : nu)[sA];
      // (y0 may be 0 or a rounding of the large layer: start at eps of that scale, not at 1e-300.)
      const scaleA = Math.max(...(aIsE1 ? lam : nu).map(Math.abs));
      let delta = 1e-8 * Math.max(Math.abs(y0), Number.EPSILON * scaleA, 1e-300) + 1e-300, ylo = y0 - delta, yhi = y0 + delta;
      for (let i = 0; i < 200 && G(ylo) > 0; i++) { delta *= 4; ylo = y0 - delta; }
      for (let i = 0; i < 200 && G(yhi) < 0; i++) { delta *= 4; yhi = y0 + delta; }
      if (G(ylo) <= 0 && G(yhi) >= 0) {
        const y = brent(G, ylo, yhi, 0);
        const a = layersA(y), b = layersB(y);
        if ([...a, ...b].every(Number.isFinite)) {
          [lam, nu] = aIsE1 ? [a, b] : [b, a];
          products = (x: number): [number, number] => {
            const pa = layersA(x), pb = layersB(x), [l, v] = aIsE1 ? [pa, pb] : [pb, pa];
            return [l[0] * l[1], v[0] * v[1]];
          };
          root = y;
        }
      }
    }
    const e1e2 = relDiff((lam[0] + lam[1]) * (pp.a[0] + pp.a[1]), (nu[0] + nu[1]) * (lam0v[0] + lam0v[1]));
    const pair = Math.max(pairResidual(lam, lam0v, lam0lo), pairResidual(nu, [...pp.a]));
    const sol = pack('closed-form', lam, nu, fit(lam[0] * lam[1], nu[0] * nu[1]), pair, e1e2);
    sol.conditioning = depth2Conditioning(products, root, sol.Lam, sol.N);
    return sol;
  }

  /**
   * How well doubles pin the depth-2 root. The fit is evaluated with a rounding
   * of about eps (|Lam|/n + (1 - 1/n)|N| + s q), which moves the root x by that
   * over |dF/dx|; each product then moves by |dP/dx| times that. Relative to
   * itself this is ~eps for a product that carries the fit or grows smoothly
   * with the clock, but large for a product that is a small remainder of the
   * fit (a large init whose product must nearly vanish: its value is fixed by
   * the fit only to that rounding). Derivatives by central differences of the
   * products, which are formed without cancellation in x.
   */
  function depth2Conditioning(products: (x: number) => [number, number], x: number, Lam: number, N: number): number {
    const h = 1e-6 * Math.max(Math.abs(x), 1e-300);
    const [lp, np] = products(x + h), [lm, nm] = products(x - h);
    const dLam = (lp - lm) / (2 * h), dN = (np - nm) / (2 * h);
    const dF = Math.abs(dLam / n + w2 * dN);
    if (!(dF > 0) || !Number.isFinite(dF)) return 0;
    const dx = (Number.EPSILON * (Math.abs(Lam) / n + w2 * Math.abs(N) + sq)) / dF;
    const rel = (dP: number, P: number) => (P !== 0 && Number.isFinite(dP) ? (Math.abs(dP) * dx) / Math.abs(P) : 0);
    return Math.max(rel(dLam, Lam), rel(dN, N));
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
  function solveTail(pp: ExactBlockInput, lam0v: number[], fit: (Lam: number, N: number) => number): ExactBlockSolution | null {
    const e1 = new LogMode(lam0v, lam0lo), e2 = new LogMode(pp.a);
    const logC = logInvariantConstant(d, pp.a, pp.b);
    const viaTails = crossesZero(e1, e2, logC) ? solveSigned(e1, e2, logC, lam0v, pp, fit) : solveLogs(e1, e2, logC, lam0v, pp, fit);
    // The tails' balance T_2 - T_1 - C carries the rounding of three integrals
    // of size T_1, T_2, C; the mode with the small share of the fit takes it
    // all (balanceErrors), amplified where T_1 or T_2 is small beside C. A
    // large init that moves little, or a minor mode read back from T_2 - C,
    // is better conditioned on the elapsed clock S, a direct integral.
    if (viaTails) {
      const x1 = viaTails.lamLayers[e1.m], x2 = viaTails.nuLayers[e2.m];
      const sizeC = pp.a.reduce((acc, al, l) => acc + Math.abs(Math.log(al)) + Math.abs(Math.log(lam0v[l])), 0);
      const lt1 = e1.signedLogTail(x1), lt2 = e2.signedLogTail(x2);
      const logDelta = logAddExp(logAddExp(logQuadError(lt1, e1.logSize(x1)), logQuadError(lt2, e2.logSize(x2))), logQuadError(logC, sizeC));
      viaTails.conditioning = Math.max(viaTails.conditioning ?? 0, balanceError(e1, e2, x1, x2, logDelta));
      if (viaTails.conditioning <= 1e-13) return viaTails;
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
    let viaClock = aIsE1 ? solveClock(e1, e2, true, lam0v, pp, fit) : solveClock(e2, e1, false, lam0v, pp, fit);
    // (Both choices have the same conditioning; the other is a second try when a root search fails.)
    if (!viaClock || !(viaClock.conditioning! <= 1e-12)) {
      const other = aIsE1 ? solveClock(e2, e1, false, lam0v, pp, fit) : solveClock(e1, e2, true, lam0v, pp, fit);
      if (other && (!viaClock || other.conditioning! < viaClock.conditioning!)) viaClock = other;
    }
    if (!viaClock) return viaTails;
    if (!viaTails || viaClock.conditioning! < viaTails.conditioning!) return viaClock;
    return viaTails;
  }

  function representable(v: number): boolean { return Math.abs(v) >= 2.2250738585072014e-308; }

  /** Estimated relative error of a derived mode's product: 2 eps L |S| / (|x| phi(x)), S the clock or tail it was read from (only to choose which mode to derive). */
  function derivedError(e: LogMode, logS: number, X: number): number {
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
  function balanceError(e1: LogMode, e2: LogMode, x1: number, x2: number, logDelta: number): number {
    const X1 = Math.log(Math.abs(x1)), X2 = Math.log(Math.abs(x2));
    if (!Number.isFinite(X1) || !Number.isFinite(X2)) return 0;
    const [lP1, p1] = e1.logProduct(X1), [lP2, p2] = e2.logProduct(X2);
    const share = lP1 - Math.log(n) - Math.log(w2) - lP2; // log(|Lam|/n / ((1 - 1/n)|N|))
    const logA = e1.logPhiLog(X1) + X1, logB = e2.logPhiLog(X2) + X2 + Math.log(p1 / p2) + share;
    const logErrLam = logDelta + Math.log(p1) - logAddExp(logA, logB);
    const logErrN = logErrLam + share;
    const tiny = Math.log(2.2250738585072014e-308);
    // A product below the double range is reported by its log, but its
    // smallest layer may still be a double (a log-divergent tie at x = 4e-216,
    // whose layer carried 8.9e-13): that layer's own error, the product's over p.
    const own = (lP: number, logErr: number, X: number, pp: number) => (lP >= tiny ? Math.exp(logErr) : X >= tiny ? Math.exp(logErr) / pp : 0);
    return Math.max(own(lP1, logErrLam, X1, p1), own(lP2, logErrN, X2, p2));
  }

  /**
   * The limit as a root in the elapsed clock: the unknown is the signed x_A of
   * mode A, S = clock_A(x_A) a direct integral, x_B from clock_B(x_B) = S.
   */
  function solveClock(eA: LogMode, eB: LogMode, aIsE1: boolean, lam0v: number[], pp: ExactBlockInput, fit: (Lam: number, N: number) => number): ExactBlockSolution | null {
    let xB = eB.v0[eB.m];
    let S: [number, number] = [0, -Infinity];
    const fdf = (xA: number): [number, number] => {
      const c = eA.clock(xA);
      if (!Number.isFinite(c[0])) return [NaN, NaN];
      const next = eB.invertClock(c[0], c[1], xB);
      if (!Number.isFinite(next)) return [NaN, NaN];
      xB = next; S = c;
      const [PA, dPA] = eA.signedProduct(xA), [PB, dPB] = eB.signedProduct(xB);
      const dxB = Math.exp(eA.logPhiLog(Math.log(Math.abs(xA))) - eB.logPhiLog(Math.log(Math.abs(xB))));
      const [Lam, dLam, N, dN] = aIsE1 ? [PA, dPA, PB, dPB * dxB] : [PB, dPB * dxB, PA, dPA];
      return [Lam / n + w2 * N - sq, dLam / n + w2 * dN];
    };
    const xA0 = eA.v0[eA.m];
    const xA = monotoneRoot(fdf, xA0, true, 0.5 * xA0, Infinity);
    if (!Number.isFinite(xA) || !Number.isFinite(fdf(xA)[0])) return null;
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
    const pair = Math.max(pairResidual(lam, lam0v, lam0lo), pairResidual(nu, [...pp.a]));
    // (A clock that cannot be re-evaluated at the root, e.g. x_1 underflowed to 0, is no answer.)
    if (!Number.isFinite(e1e2) || !Number.isFinite(pair) || x1 === 0 || x2 === 0) return null;
    const logAbs = (v: number[]) => v.map((x) => Math.log(Math.abs(x)));
    return {
      method: 'clock-integral', logLam: Math.log(Math.abs(Lam)), logN: Math.log(Math.abs(N)), logLamLayers: logAbs(lam), logNuLayers: logAbs(nu),
      lamLayers: lam, nuLayers: nu, Lam, N, LamMinusN: Lam - N, residuals: { fit: fit(LamP, N), pairwise: pair, e1e2 },
      conditioning: Math.max(representable(Lam) ? (Lam !== LamP ? (Number.EPSILON * n * (sq + w2 * Math.abs(NP))) / Math.abs(Lam) : Number.EPSILON * (2 + e1.logSize(x1))) : 0,
        representable(N) ? (N !== NP ? (Number.EPSILON * (sq + Math.abs(LamP) / n)) / (w2 * Math.abs(N)) : Number.EPSILON * (2 + e2.logSize(x2))) : 0,
        // S is integrated on both sides: each carries its own rounding.
        balanceError(e1, e2, x1, x2, logAddExp(logQuadError(S[1], eA.logSize(xA) + eA.logSize(eA.v0[eA.m])), logQuadError(S[1], eB.logSize(xB) + eB.logSize(eB.v0[eB.m]))))),
    };
  }

  /** Whether the fit is still positive where the first mode reaches zero (so the limit lies past it). */
  function crossesZero(e1: LogMode, e2: LogMode, logC: number): boolean {
    const t1 = e1.logT0();
    const t2 = e2.ties ? Infinity : logSubExp(e2.logT0(), logC); // E1's tail when x_2 = 0
    if (t1 === Infinity && t2 === Infinity) return false;
    if (t1 <= t2) {
      // E1 reaches zero first (Lam = 0); E2 is still positive there.
      const X2 = e2.invertTail(logAddExp(t1, logC), e2.X0);
      return w2 * Math.exp(e2.logProduct(X2)[0]) >= sq;
    }
    // E2 reaches zero first (N = 0).
    const X1 = e1.invertTail(t2, e1.X0);
    return Math.exp(e1.logProduct(X1)[0]) / n >= sq;
  }

  function solveLogs(e1: LogMode, e2: LogMode, logC: number, lam0v: number[], pp: ExactBlockInput, fit: (Lam: number, N: number) => number): ExactBlockSolution | null {
    let X2 = e2.X0;
    const state = (X1: number) => {
      const [lt1, g1] = e1.logTail(X1);
      const logTau = logAddExp(lt1, logC);
      X2 = e2.invertTail(logTau, Number.isFinite(X2) ? X2 : e2.X0);
      return { lt1, g1, logTau };
    };
    const fdf = (X1: number): [number, number] => {
      const st = state(X1);
      if (Number.isNaN(X2)) return [NaN, NaN];
      const [lL, dL] = e1.logProduct(X1);
      const [lN, dN] = e2.logProduct(X2);
      const g2 = e2.logTail(X2)[1];
      const dX2 = (Math.exp(st.lt1 - st.logTau) * st.g1) / g2;
      const Lam = Math.exp(lL), N = Math.exp(lN);
      return [Lam / n + w2 * N - sq, (Lam * dL) / n + w2 * N * dN * dX2];
    };
    // Start where Lam = s q if E1 alone carried the fit. A tie at E1's minimum
    // with N carrying the fit puts X_1 far out (log divergence of T_1).
    const [l0] = e1.logProduct(e1.X0);
    const X1 = monotoneRoot(fdf, e1.X0 + (Math.log(sq) - l0) / L, true, 0.5, e1.maxLog);
    if (!Number.isFinite(X1)) return null;
    state(X1);
    if (!Number.isFinite(X2)) return null;
    const lLam = e1.logLayers(X1), lNu = e2.logLayers(X2);
    const logLam = lLam.reduce((x, y) => x + y, 0), logN = lNu.reduce((x, y) => x + y, 0);
    // Self-check: the invariant re-evaluated at the returned layers.
    const t1 = e1.logTail(X1)[0], t2 = e2.logTail(X2)[0];
    const e1e2 = Math.abs(Math.expm1(logAddExp(t1, logC) - t2));
    const lam = lLam.map(Math.exp), nu = lNu.map(Math.exp);
    const pair = Math.max(pairResidual(lam, lam0v, lam0lo), pairResidual(nu, [...pp.a]));
    const N = Math.exp(logN);
    // Lam from its layers' logs errs by ~eps sum |log lam_l| (large when a
    // log-divergent tie puts x_1 at e^-1e4), from the fit by ~eps n (s q +
    // (1 - 1/n) N) / Lam: take the better; its estimate joins the conditioning.
    const logErr = (ls: number[]) => Number.EPSILON * (ls.reduce((acc, v) => acc + Math.abs(v), 0) + 1);
    const LamFit = n * (sq - w2 * N);
    const errFit = LamFit > 0 ? (Number.EPSILON * n * (sq + w2 * N)) / LamFit : Infinity, errLog = logErr(lLam);
    // (The fit's form only where it means something: when Lam is far below the
    // rounding of s q, LamFit is that rounding, whatever errLog says.)
    // Both forms must agree within their estimates: where Lam leaves the double
    // range (e^-1e11 at a log-divergent tie), LamFit is the rounding of s q.
    const agree = (logFit: number, logOwn: number, err: number) => Math.abs(logFit - logOwn) <= 10 * err;
    const lamFromFit = errFit < errLog && errFit < 1e-3 && agree(Math.log(LamFit), logLam, errFit + errLog);
    const Lam = lamFromFit ? LamFit : Math.exp(logLam);
    // Symmetrically N from the fit where Lam's share is small: the root in
    // X_1 pins the fit only to the resolution of X_1 (ulp(X_1) is 3e-11 at
    // a log-divergent x_1 = e^-1.4e5), which N's own layers would carry.
    const NFit = (sq - Math.exp(logLam) / n) / w2;
    // (Lam's own error enters NFit weighted by its share.)
    const errFitN = !lamFromFit && NFit > 0 ? (Number.EPSILON * (sq + Math.exp(logLam) / n) + (Math.exp(logLam) / n) * errLog) / (w2 * NFit) : Infinity;
    const errLogN = logErr(lNu);
    const nFromFit = errFitN < errLogN && errFitN < 1e-3;
    const Nout = nFromFit ? NFit : N;
    const lamError = representable(Lam) ? Math.min(errFit, errLog) : 0, nError = representable(Nout) ? Math.min(errFitN, errLogN) : 0;
    return {
      method: 'tail-integral', logLam, logN: nFromFit ? Math.log(NFit) : logN, logLamLayers: lLam, logNuLayers: lNu, lamLayers: lam, nuLayers: nu,
      Lam, N: Nout, LamMinusN: Nout * Math.expm1(logLam - logN), residuals: { fit: fit(Math.exp(logLam), Nout), pairwise: pair, e1e2 },
      conditioning: Math.max(lamError, nError),
    };
  }

  /** The limit past a zero crossing: unknown the signed x_1, x_2 from the signed tails. */
  function solveSigned(e1: LogMode, e2: LogMode, logC: number, lam0v: number[], pp: ExactBlockInput, fit: (Lam: number, N: number) => number): ExactBlockSolution | null {
    let x2 = Math.exp(e2.X0);
    const fdf = (x1: number): [number, number] => {
      const lt1 = e1.signedLogTail(x1);
      if (!Number.isFinite(lt1)) return [NaN, NaN];
      const next = e2.invertSigned(logAddExp(lt1, logC), x2);
      if (!Number.isFinite(next)) return [NaN, NaN];
      x2 = next;
      const [Lam, dLam] = e1.signedProduct(x1);
      const [N, dN] = e2.signedProduct(x2);
      const dx2 = Math.exp(e1.logPhi(x1) - e2.logPhi(x2));
      return [Lam / n + w2 * N - sq, dLam / n + w2 * dN * dx2];
    };
    const x10 = Math.exp(e1.X0);
    const x1 = monotoneRoot(fdf, x10, true, 0.5 * x10, Infinity);
    if (!Number.isFinite(x1) || !Number.isFinite(fdf(x1)[0])) return null;
    const lam = e1.signedValues(x1), nu = e2.signedValues(x2);
    const LamP = e1.signedProduct(x1)[0], NP = e2.signedProduct(x2)[0];
    // The product with the larger share from the fit (exact to an ulp there).
    const Lam = Math.abs(w2 * NP) <= 0.25 * sq ? n * (sq - w2 * NP) : LamP;
    const N = Lam === LamP && Math.abs(LamP) / n <= 0.25 * sq ? (sq - LamP / n) / w2 : NP;
    const e1e2 = Math.abs(Math.expm1(logAddExp(e1.signedLogTail(x1), logC) - e2.signedLogTail(x2)));
    const pair = Math.max(pairResidual(lam, lam0v, lam0lo), pairResidual(nu, [...pp.a]));
    const abs = (v: number[]) => v.map((x) => Math.log(Math.abs(x)));
    const lLam = abs(lam), lNu = abs(nu);
    return {
      method: 'signed-tail', logLam: Math.log(Math.abs(Lam)), logN: Math.log(Math.abs(N)), logLamLayers: lLam, logNuLayers: lNu,
      lamLayers: lam, nuLayers: nu, Lam, N, LamMinusN: Lam - N, residuals: { fit: fit(LamP, N), pairwise: pair, e1e2 },
    };
  }
}

/**
 * One block (n = 1): W = Lam P1 + M P3 with E2 of dimension 0, so the fit
 * reads Lam = s q and fixes E1 alone; there is no E1–E2 invariant to solve.
 * Balanced layers are (s q)^(1/L) each; per-layer, the smallest layer is the
 * root of the increasing product (log P(X) = log(s q) in X = log x, x > 0
 * since s q > 0) and the others follow from the pairwise invariants. N and
 * the E2 layers do not exist: NaN.
 */
function solveOneBlock(p: ExactBlockInput, lam0: number[], lam0lo: number[], balanced: boolean): ExactBlockSolution | null {
  const L = p.a.length, sq = p.s * p.q;
  const absent = new Array<number>(L).fill(NaN);
  const done = (method: ExactBlockSolution['method'], logLam: number[], conditioning?: number): ExactBlockSolution => {
    const lam = L === 1 ? [sq] : logLam.map(Math.exp);
    const fromLayers = Math.exp(logLam.reduce((x, y) => x + y, 0));
    return {
      method, logLam: Math.log(sq), logN: NaN, logLamLayers: logLam, logNuLayers: absent, lamLayers: lam, nuLayers: absent,
      Lam: sq, N: NaN, LamMinusN: NaN,
      residuals: { fit: relDiff(fromLayers, sq), pairwise: pairResidual(lam, lam0, lam0lo), e1e2: 0 },
      ...(conditioning !== undefined ? { conditioning } : {}),
    };
  };
  if (L === 1 || balanced) return done('closed-form', new Array<number>(L).fill(Math.log(sq) / L));
  const e1 = new LogMode(lam0, lam0lo);
  const lP = Math.log(sq), [l0] = e1.logProduct(e1.X0);
  const X = monotoneRoot((y) => { const [lp, dlp] = e1.logProduct(y); return [lp - lP, dlp]; }, e1.X0 + (lP - l0) / L, true, 0.5, e1.maxLog);
  if (!Number.isFinite(X)) return null;
  // The layers carry the rounding of the logs the product adds up (d log P / d log x >= 1).
  return done('product-root', e1.logLayers(X), Number.EPSILON * (2 + e1.logSize(Math.exp(X))));
}

/**
 * Pairwise invariants at returned layers: v_l^2 - v_m^2 = v0_l^2 - v0_m^2 with
 * m the smallest, checked as v_l^2 = v_m^2 + D_l (both sides sums of positive terms).
 */
export function pairResidual(v: readonly number[], v0: readonly number[], v0lo?: readonly number[]): number {
  const lo = v0lo ?? v0.map(() => 0);
  let m = 0;
  for (let l = 1; l < v0.length; l++) if (v0[l] < v0[m] || (v0[l] === v0[m] && lo[l] < lo[m])) m = l;
  let worst = 0;
  for (let l = 0; l < v.length; l++) {
    if (l === m) continue;
    const D = ddDiff(v0[l], lo[l], v0[m], lo[m]) * (v0[l] + v0[m]);
    worst = Math.max(worst, relDiff(v[l] * v[l], v[m] * v[m] + D));
  }
  return worst;
}
