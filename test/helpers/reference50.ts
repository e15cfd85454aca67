// A 50-digit reference for the theorem module (issue 17): the defining
// equations of each family solved with mathjs BigNumber (decimal.js) at
// precision 50, by code that shares nothing with theorems/: direct closed
// forms where they exist, otherwise bisection or a safeguarded Newton (both to 1e-30 in a logarithmic unknown)
// iteration inside a bracket whose sign change is verified here, with
// quadratures by the trapezoidal rule on the real line (per-layer block
// tails) and by 30-point Gauss–Legendre (scalar flow). Quadrature truncation
// errors are below 1e-17 relative (bounds in the comments); the arithmetic
// carries 50 digits, so the reference is exact far below the 1e-12 the tests
// ask of the double-precision code.

import { all, create, type BigNumber } from 'mathjs';

const math = create(all, { number: 'BigNumber', precision: 50 });
export type D = BigNumber;
/**
 * A double as its exact binary value (to 60 digits, then the 50-digit
 * context): bignumber(x) alone would read x's shortest decimal form, which
 * differs from the double itself by up to half an ulp.
 */
export const big = (x: number | string): D => math.bignumber(typeof x === 'number' && Number.isFinite(x) ? x.toPrecision(60) : x) as unknown as D;
const ZERO = big(0), ONE = big(1), TWO = big(2);

/** |x - y| / |y| in doubles, with y the reference. */
export function relErr(x: number, y: D): number {
  if (y.isZero()) return x === 0 ? 0 : Infinity;
  if (!Number.isFinite(x)) return Infinity;
  return big(x).minus(y).div(y).abs().toNumber();
}

/** Root of an increasing F on [lo, hi] (sign change verified) by bisection, to relative width `rel` (1e-30 unless told). */
export function bisect(F: (x: D) => D, lo: D, hi: D, rel = 1e-30): D {
  let flo = F(lo);
  const fhi = F(hi);
  if (flo.isPositive() === fhi.isPositive() && !flo.isZero() && !fhi.isZero()) throw new Error(`reference: no sign change on [${lo}, ${hi}]`);
  for (let i = 0; i < 400; i++) {
    const mid = lo.plus(hi).div(2);
    const fm = F(mid);
    if (fm.isZero()) return mid;
    if (fm.isNegative() === flo.isNegative()) { lo = mid; flo = fm; } else hi = mid;
    if (hi.minus(lo).abs().lte(hi.abs().plus(1).times(rel))) break; // unknowns are logarithms: an absolute width is a relative one in the value
  }
  return lo.plus(hi).div(2);
}

/**
 * Root of a monotone F with derivative dF: a bracket around the guess is
 * expanded until F changes sign (verified), then Newton steps that stay in
 * the bracket, bisection otherwise, until the bracket or step is below 1e-30
 * relative. The guess only saves iterations: the result is the bracketed root.
 */
export function newtonRoot(F: (x: D) => { f: D; df: D; noise?: D }, guess: number, width = 1, maxX = Infinity, rel = 1e-30): D {
  // The unknown's domain ends at maxX (where F stops being defined): the bracket never crosses it.
  const clamp = (x: D) => (Number.isFinite(maxX) && x.gt(maxX) ? big(maxX) : x);
  guess = Math.min(guess, maxX - width / 2);
  let a = big(guess).minus(width), b = clamp(big(guess).plus(width));
  let fa = F(a).f, fb = F(b).f;
  for (let i = 0; fa.isPositive() === fb.isPositive(); i++) {
    if (i > 60) throw new Error('reference: no bracket');
    width *= 2;
    // Move the end whose value is farther from zero's side.
    const increasing = fb.gt(fa);
    if (fa.isPositive() === increasing) { a = a.minus(width); fa = F(a).f; } else { b = clamp(b.plus(width)); fb = F(b).f; }
  }
  let x = a.plus(b).div(2);
  for (let i = 0; i < 200; i++) {
    const { f, df, noise } = F(x);
    if (f.isZero()) return x;
    // F known only to its quadrature's accuracy: a residual at that level is a root.
    if (noise && f.abs().lte(noise)) return x;
    if (f.isPositive() === fa.isPositive()) { a = x; fa = f; } else { b = x; fb = f; }
    let nx = x.minus(f.div(df));
    const lo = a.lt(b) ? a : b, hi = a.lt(b) ? b : a;
    if (!(nx.gt(lo) && nx.lt(hi))) nx = a.plus(b).div(2);
    const tol = x.abs().plus(1).times(rel);
    if (nx.minus(x).abs().lte(tol) || hi.minus(lo).lte(tol)) return nx;
    x = nx;
  }
  return x;
}

// ---------------------------------------------------------------- family A

/** LamMinusN where the 50-digit difference Lam - N would lose digits (depth 1: d b, far below s q at tiny scales). */
/** logLam, logN: natural logs of |Lam|, |N| where the value is below even decimal.js's range (e^-9e15), which stores it as 0. */
export interface RefBlock { Lam: D; N: D; LamMinusN?: D; logLam?: D; logN?: D; lam?: D[]; nu?: D[] }

/** Balanced layers a_l = a, b_l = b: closed forms for L <= 2, safeguarded Newton in log lam for L >= 3 (the guess only saves iterations). */
export function refBlockBalanced(d: number, n: number, q: number, s: number, a: number, b: number, L: number, guessLogLam?: number): RefBlock {
  const A = big(a), Bb = big(b), sq = big(s).times(q);
  const lam0 = A.plus(Bb.times(d));
  const w2 = ONE.minus(ONE.div(n));
  if (L === 1) {
    // lam - nu = d b and lam/n + nu (1 - 1/n) = s q.
    const nu = sq.minus(Bb.times(d).div(n));
    return { Lam: nu.plus(Bb.times(d)), N: nu, LamMinusN: Bb.times(d) };
  }
  if (L === 2) {
    // lam = r nu with r = lam0 / a.
    const r = lam0.div(A);
    const nu2 = sq.div(r.pow(2).div(n).plus(w2));
    const rm1 = Bb.times(d).div(A); // r - 1, exactly
    return { Lam: nu2.times(r.pow(2)), N: nu2, LamMinusN: nu2.times(rm1).times(rm1.plus(2)) };
  }
  if (b === 0) return { Lam: sq, N: sq };
  // nu^(2-L) - lam^(2-L) = K, formed directly at 50 digits; nu from lam
  // (a sum of positive terms: in the collapse nu sits within 1e-100 of its
  // bound, which no 50-digit parametrization by nu could resolve).
  const K = A.pow(2 - L).minus(lam0.pow(2 - L));
  const e = ONE.neg().div(L - 2);
  const nuOf = (lam: D) => lam.pow(2 - L).plus(K).pow(e);
  // F(log lam) increases; dF/dlog lam = L Lam / n + (1 - 1/n) L N lam^(2-L) / (lam^(2-L) + K).
  const F = (l: D) => {
    const lam = l.exp();
    const m = lam.pow(2 - L), Lam = lam.pow(L), N = m.plus(K).pow(e).pow(L);
    return { f: Lam.div(n).plus(w2.times(N)).minus(sq), df: Lam.times(L).div(n).plus(w2.times(N).times(L).times(m).div(m.plus(K))) };
  };
  const lo = sq.ln().div(L).toNumber(), hi = sq.times(n).ln().div(L).toNumber();
  const l = newtonRoot(F, guessLogLam ?? 0.5 * (lo + hi), Math.max(1e-6, 0.5 * (hi - lo)));
  const lam = l.exp();
  return { Lam: lam.pow(L), N: nuOf(lam).pow(L) };
}

/**
 * Gauss–Legendre nodes and weights on [-1, 1] at 50 digits (Newton on P_n),
 * cached per n.
 */
const GLN = new Map<number, { x: D[]; w: D[] }>();
function gaussLegendreN(n: number): { x: D[]; w: D[] } {
  const hit = GLN.get(n);
  if (hit) return hit;
  const xs: D[] = [], ws: D[] = [];
  for (let i = 1; i <= n; i++) {
    let x = big(Math.cos((Math.PI * (i - 0.25)) / (n + 0.5)));
    let dp = ONE;
    for (let it = 0; it < 100; it++) {
      let p0 = ONE, p1 = x;
      for (let k = 2; k <= n; k++) { const p2 = x.times(p1).times(2 * k - 1).minus(p0.times(k - 1)).div(k); p0 = p1; p1 = p2; }
      dp = p0.minus(x.times(p1)).times(n).div(ONE.minus(x.pow(2)));
      const dx = p1.div(dp);
      x = x.minus(dx);
      if (dx.abs().lt(1e-48)) break;
    }
    xs.push(x);
    ws.push(TWO.div(ONE.minus(x.pow(2)).times(dp.pow(2))));
  }
  const r = { x: xs, w: ws };
  GLN.set(n, r);
  return r;
}

/**
 * int exp-of-log-scale integrals for the per-layer tails: the integrand is
 * g(w) w in r = log w, analytic in |Im r| < pi save at the breakpoints
 * log B +- i pi. Composite 20-point Gauss–Legendre on dyadic panels aligned to
 * multiples of 4 in r: a panel of width h is kept when the nearest breakpoint
 * is at least h away (else split, down to width MIN_PANEL = 1). Error bound
 * per panel: Bernstein ellipse through the nearest singularity, rho >= 12 for
 * width 1 (singularity at Im = pi, anywhere along the panel), rho >= 5.8 when
 * the breakpoint is a width away; 16 nodes give rho^-32 < 1e-24 times the
 * integrand's growth toward the singularity, a pole of order up to L/2 where
 * layers tie (width 4, as before, left 3.4e-13 at L = 16 all tied). Node values
 * w = e^r are e^(panel centre) times cached e^(h x_j / 2).
 */
const NODES = 16;
const MIN_PANEL = 1;
const expCache = new Map<number, D[]>();
function expOffsets(h: number): D[] {
  let e = expCache.get(h);
  if (!e) { e = gaussLegendreN(NODES).x.map((x) => x.times(h / 2).exp()); expCache.set(h, e); }
  return e;
}
function dyadicPanels(lo: number, hi: number, hardHi: boolean, breaks: number[]): [number, number][] {
  const out: [number, number][] = [];
  const dist = (a: number, b: number) => { let m = Infinity; for (const p of breaks) m = Math.min(m, p < a ? a - p : p > b ? p - b : 0); return m; };
  const rec = (a: number, h: number): void => {
    const b = a + h;
    if (b <= lo || a >= hi) return;
    const straddlesHard = hardHi && a < hi && b > hi;
    if (h > MIN_PANEL && (dist(a, b) < h || straddlesHard)) { rec(a, h / 2); rec(a + h / 2, h / 2); return; }
    out.push([a, straddlesHard ? hi : b]);
  };
  let H = 4;
  while (H < hi - lo + 8) H *= 2;
  const a0 = Math.floor(lo / H) * H;
  for (let a = a0; a < hi; a += H) rec(a, H);
  return out;
}
/** int over r of g(e^r) e^r, with gw(w) = g(w) w. */
export const refStats = { panels: 0, integrals: 0, F: 0 };
function logLineIntegral(gw: (w: D) => D, lo: number, hi: number, hardHi: boolean, breaks: number[]): D {
  refStats.integrals++;
  const { w: wts } = gaussLegendreN(NODES);
  const xs = gaussLegendreN(NODES).x;
  let total = ZERO;
  for (const [a, b] of dyadicPanels(lo, hi, hardHi, breaks)) {
    refStats.panels++;
    const h = b - a;
    const ec = big(0.5 * (a + b)).exp();
    const off = h === 2 ** Math.round(Math.log2(h)) ? expOffsets(h) : xs.map((x) => x.times(h / 2).exp());
    let sum = ZERO;
    for (let j = 0; j < NODES; j++) sum = sum.plus(wts[j].times(gw(ec.times(off[j]))));
    total = total.plus(sum.times(h / 2));
  }
  return total;
}

/** A double's natural log from a BigNumber far outside the double range (for breakpoints only). */
const logOf = (x: D): number => (x.isZero() ? -Infinity : Number(x.ln().toPrecision(20)));

/**
 * One eigenspace at 50 digits, layers v0_l > 0: m the smallest, D_l =
 * v0_l^2 - v0_m^2, the signed smallest value x and v_l = sqrt(x^2 + D_l).
 * Tail T(x) = int_x^inf dz / prod_{l != m} sqrt(z^2 + D_l): for x > 0 in
 * w = z^2 - x^2, for x <= 0 (no tie at m) as T(0+) + int_0^|x| in w = z^2.
 */
export class RefMode {
  readonly m: number;
  readonly D: D[];
  readonly logD: number[];
  readonly ties: boolean;
  private T0: D | null = null;
  /**
   * Exactly two layers tied at the minimum: T = K (g - log x) + O(K x^2 / D_min)
   * for small x (log divergence; K = 1 / prod_{untied} sqrt(D_l)), used below
   * x^2 = D_min e^-40 (error < 1e-17 relative), where the quadrature would span |2 log x|.
   */
  private asym: { K: D; xiA: number; g: D | null } | null = null;
  constructor(readonly v0: D[]) {
    let m = 0;
    v0.forEach((v, l) => { if (v.lt(v0[m])) m = l; });
    this.m = m;
    this.D = v0.map((v) => v.pow(2).minus(v0[m].pow(2)));
    this.logD = this.D.map(logOf);
    this.ties = this.D.some((x, l) => l !== m && x.isZero());
    const untied = this.D.filter((x) => !x.isZero());
    if (untied.length === v0.length - 2 && untied.length > 0) {
      this.asym = { K: ONE.div(untied.reduce((p, x) => p.times(x), ONE).sqrt()), xiA: (Math.min(...this.logD.filter(Number.isFinite)) - 40) / 2, g: null };
    }
  }
  get L(): number { return this.v0.length; }
  /**
   * Where x = e^xi leaves even decimal.js's range (a log-divergent tie, x
   * below e^-9e15: x is stored as 0) the asymptotic form is all there is: its
   * slope dT/dxi = -K, and log of the product, 2 xi + sum_untied log D_l / 2
   * (the two tied layers are x each, the others sqrt(D_l) to O(x^2)). Null
   * elsewhere.
   */
  underflowed(xi: D, xiNum: number): { slope: D; logProduct: D } | null {
    const as = this.asym;
    if (!as || !(xiNum < as.xiA) || !xi.exp().isZero()) return null;
    const half = this.D.filter((x) => !x.isZero()).reduce((acc, x) => acc.plus(x.ln()), ZERO).div(2);
    return { slope: as.K.neg(), logProduct: xi.times(2).plus(half) };
  }
  /** T at x = sign e^xi (xi as a 50-digit number and a double). */
  tail(sign: number, xi: D, xiNum: number): D {
    const L = this.L, m = this.m;
    const as = this.asym;
    if (sign > 0 && as && xiNum < as.xiA) {
      if (!as.g) { const xa = big(as.xiA); as.g = this.tail(1, xa, as.xiA).div(as.K).plus(xa); }
      return as.K.times(as.g.minus(xi));
    }
    if (sign > 0) {
      const x2 = xi.times(2).exp();
      const B = this.D.map((dl) => dl.plus(x2));
      const lb = this.logD.map((ld) => (ld > 2 * xiNum ? ld + Math.log1p(Math.exp(2 * xiNum - ld)) : 2 * xiNum + Math.log1p(Math.exp(ld - 2 * xiNum))));
      const lo = Math.min(...lb) - 60, hi = Math.max(...lb) + 60 / (L / 2 - 1);
      return logLineIntegral((w) => { let p = ONE; for (const bl of B) p = p.times(bl.plus(w)); return w.div(p.sqrt()); }, lo, hi, false, lb).div(2);
    }
    if (this.ties) throw new Error('reference: a tied mode cannot cross zero');
    const others = this.logD.filter((_, l) => l !== m);
    const inner = (hiR: number, hard: boolean) => logLineIntegral((w) => {
      let p = ONE;
      this.D.forEach((dl, l) => { if (l !== m) p = p.times(dl.plus(w)); });
      return w.div(p).sqrt();
    }, Math.min(hiR, ...others) - 120, hiR, hard, others).div(2);
    if (!this.T0) this.T0 = inner(Math.max(...others) + 60 / (L / 2 - 1), false);
    return xiNum === -Infinity ? this.T0 : this.T0.plus(inner(2 * xiNum, true));
  }
  /** 1 / prod_{l != m} sqrt(x^2 + D_l) at x^2. */
  phi(x2: D): D {
    let p = ONE;
    this.D.forEach((dl, l) => { if (l !== this.m) p = p.times(dl.plus(x2)); });
    return ONE.div(p.sqrt());
  }
  /** The layers at the signed smallest value x: x itself, sqrt(x^2 + D_l) for the others. */
  layers(x: D): D[] {
    const x2 = x.pow(2);
    return this.D.map((dl, l) => (l === this.m ? x : dl.plus(x2).sqrt()));
  }
  /** Signed product x prod sqrt(x^2 + D_l) and its derivative in x. */
  product(x: D): { P: D; dP: D } {
    const x2 = x.pow(2);
    let p = ONE, s = ONE;
    this.D.forEach((dl, l) => { if (l !== this.m) { const b = dl.plus(x2); p = p.times(b); s = s.plus(x2.div(b)); } });
    const r = p.sqrt();
    return { P: x.times(r), dP: r.times(s) };
  }
  /** log|x| (50 digits) with product = P, sign that of P (P != 0): Newton in log|x|. */
  logXOfProduct(P: D): D {
    const target = P.abs().ln();
    let zeros = 0, known = 0;
    this.logD.forEach((ld, l) => { if (l !== this.m) { if (ld === -Infinity) zeros++; else known += 0.5 * ld; } });
    const guess = (target.toNumber() - known) / (1 + zeros);
    return newtonRoot((eta) => {
      const x = eta.exp(), x2 = x.pow(2);
      let lp = eta, dl = ONE;
      this.D.forEach((dd, l) => { if (l !== this.m) { const b = dd.plus(x2); lp = lp.plus(b.ln().div(2)); dl = dl.plus(x2.div(b)); } });
      return { f: lp.minus(target), df: dl };
    }, Number.isFinite(guess) ? guess : 0, 1, Infinity, 1e-40);
  }
}

/**
 * Per-layer a_l, b_l, L >= 3 (n >= 2), signed layers allowed (a large init
 * shrinking past zero). The E1–E2 invariant T_2(x_2) - T_1(x_1) = C with
 * C = T_2(x_2(0)) - T_1(x_1(0)) at 50 digits. The unknown is log|x| of one
 * mode (the free one: the one with the smaller share of the fit, whose
 * product may be far below the double range); the other mode's product comes
 * from the fit, its x by Newton; the invariant by safeguarded Newton with a
 * verified sign change.
 *
 * Which mode is free and the sign of its x are decided here, from the
 * invariant itself, not from the guess: along the fit curve F = T_2 - T_1 - C
 * increases with x_1 and decreases with x_2 (each T decreases in its x, each
 * product increases), so its sign where both shares are equal (Lam/n = (1 -
 * 1/n) N = s q / 2) says which share is the smaller, and its sign at x_free = 0
 * (finite only for an untied mode: a tie at the minimum makes T diverge like
 * -log x, so a tied mode stays positive) says whether x_free has crossed zero.
 * The minimum layer m is the 50-digit one: inputs whose layers tie in doubles
 * (1 + d b_l with b_l 1e-14 apart, rounded to one double) are distinct here, and the guess's layer
 * may be the other one of the pair. The guess's logAbsX only seeds the
 * search, and only when its mode and sign agree with these tests.
 */
export function refBlockPerLayer(d: number, n: number, q: number, s: number, a: number[], b: number[], guess?: { free: 'E1' | 'E2'; sign: number; logAbsX: number }): RefBlock {
  if (n < 2) throw new Error('reference: per-layer needs n >= 2');
  const L = a.length;
  const sq = big(s).times(q);
  const w2 = ONE.minus(ONE.div(n));
  const e1 = new RefMode(a.map((x, l) => big(x).plus(big(b[l]).times(d))));
  const e2 = new RefMode(a.map((x) => big(x)));
  const initTail = (e: RefMode) => { const x0 = e.v0[e.m]; const xi = x0.ln(); return e.tail(1, xi, xi.toNumber()); };
  const C = initTail(e2).minus(initTail(e1));
  // The other product from the fit, Lam/n + (1 - 1/n) N = s q, given the free one.
  const otherProduct = (freeE1: boolean, Pf: D) => (freeE1 ? sq.minus(Pf.div(n)).div(w2) : sq.minus(w2.times(Pf)).times(n));
  /** The invariant's residual with the free mode's smallest layer at x = sign e^xi (xiNum = -Infinity: x = 0). */
  const residual = (freeE1: boolean, sign: number, xi: D, xiNum: number) => {
    refStats.F++;
    const free = freeE1 ? e1 : e2, other = freeE1 ? e2 : e1;
    const x = xiNum === -Infinity ? ZERO : xi.exp().times(sign);
    const pf = free.product(x);
    const Po = otherProduct(freeE1, pf.P);
    const dPo = freeE1 ? pf.dP.div(n).div(w2).neg() : w2.times(pf.dP).times(n).neg(); // d Po / d x_free
    if (Po.isZero()) throw new Error('reference: the other mode sits exactly at zero');
    const so = Po.isPositive() ? 1 : -1;
    const lo = other.logXOfProduct(Po);
    const xo = lo.exp().times(so);
    const po = other.product(xo);
    const tf = free.tail(sign, xi, xiNum), to = other.tail(so, lo, lo.toNumber());
    const [T1, T2] = freeE1 ? [tf, to] : [to, tf];
    const under = sign > 0 && xiNum !== -Infinity ? free.underflowed(xi, xiNum) : null;
    const [lf, lo2] = [free.layers(x), other.layers(xo)];
    const value: RefBlock = freeE1 ? { Lam: pf.P, N: Po, lam: lf, nu: lo2, ...(under ? { logLam: under.logProduct } : {}) } : { Lam: Po, N: pf.P, lam: lo2, nu: lf, ...(under ? { logN: under.logProduct } : {}) };
    // dT/dx = -phi; x_free = sign e^xi, dx_free/dxi = x; dx_other/dxi = dPo/dx_free x / dP_o/dx_o.
    const dTf = under ? under.slope : free.phi(x.pow(2)).times(x).neg();
    const dTo = other.phi(xo.pow(2)).times(dPo.times(x).div(po.dP)).neg();
    const [dT1, dT2] = freeE1 ? [dTf, dTo] : [dTo, dTf];
    return { f: T2.minus(T1).minus(C), df: dT2.minus(dT1), noise: T2.abs().plus(T1.abs()).plus(C.abs()).times(1e-20), value };
  };
  // Equal shares: x_1 > 0 with Lam = n s q / 2 (then N = s q / (2 (1 - 1/n)) > 0 too).
  const xiMid1 = e1.logXOfProduct(sq.times(n).div(2));
  const fMid = residual(true, 1, xiMid1, xiMid1.toNumber()).f;
  const freeE1 = fMid.isPositive(); // the root has x_1 below its equal-share value: Lam has the smaller share
  const free = freeE1 ? e1 : e2;
  const xiMid = freeE1 ? xiMid1 : free.logXOfProduct(sq.div(w2.times(2)));
  // F increases with x_1 and decreases with x_2: its sign at x_free = 0 places the root.
  let sign = 1;
  if (!free.ties) {
    const f0 = residual(freeE1, -1, ZERO, -Infinity);
    if (f0.f.isZero()) return f0.value;
    sign = f0.f.isPositive() === freeE1 ? -1 : 1;
  }
  // A positive x_free lies below its equal-share value, so the search stays
  // where the other product is positive (it reaches zero only at twice the
  // equal share, at least ln 2 / L further in log x): maxX keeps it there.
  // A negative x_free leaves the other product above the whole fit: no bound.
  const maxX = sign > 0 ? xiMid.toNumber() + Math.LN2 / (2 * L) : Infinity;
  const seeded = guess && (guess.free === 'E1') === freeE1 && guess.sign === sign && Number.isFinite(guess.logAbsX);
  const start = seeded ? guess.logAbsX : xiMid.toNumber() - 1;
  let last: RefBlock = { Lam: ZERO, N: ZERO };
  const F = (xi: D) => { const r = residual(freeE1, sign, xi, xi.toNumber()); last = r.value; return r; };
  // The quadratures err by < 1e-17 relative (range cut at e^-60 of the peak)
  // and move their panels with the breakpoints, so F is smooth only to about
  // that level: stop at 1e-20 in xi or at a residual of 1e-20 of the tails.
  // (A seed at |xi| ~ 5e24 is off by ~1e9 in doubles: the first bracket scales with it.)
  const xi = newtonRoot(F, start, seeded ? Math.max(1e-9, 1e-12 * Math.abs(start)) : 1, maxX, 1e-20);
  F(xi);
  return last;
}

/**
 * One block (n = 1), any depth, balanced or per-layer: E2 has dimension 0 and
 * the fit reads Lam = s q. E1's layers are v_l = sqrt(x^2 + D_l) with the
 * product s q: x by Newton in log x at 50 digits (the product increases in x).
 */
export function refBlockOneBlock(d: number, q: number, s: number, a: number[], b: number[]): { Lam: D; lam: D[] } {
  const sq = big(s).times(q);
  const e1 = new RefMode(a.map((x, l) => big(x).plus(big(b[l]).times(d))));
  return { Lam: sq, lam: e1.layers(e1.logXOfProduct(sq).exp()) };
}

/** Depth 2, per-layer: (lam_1 + lam_2)/(lam_1(0) + lam_2(0)) = (nu_1 + nu_2)/(nu_1(0) + nu_2(0)) = e^u; bisection in u. */
export function refBlockDepth2(d: number, n: number, q: number, s: number, a: number[], b: number[]): RefBlock {
  const sq = big(s).times(q), w2 = ONE.minus(ONE.div(n));
  const mode = (v1: D, v2: D) => {
    const S0 = v1.plus(v2), Dd = v1.pow(2).minus(v2.pow(2));
    // v1 + v2 = S0 e^u, v1 - v2 = D / (S0 e^u): product = (P^2 - D^2/P^2)/4.
    const f = (u: D) => { const P = S0.times(u.exp()); return P.pow(2).minus(Dd.pow(2).div(P.pow(2))).div(4); };
    const layers = (u: D) => { const P = S0.times(u.exp()), R = Dd.div(P); return [P.plus(R).div(2), P.minus(R).div(2)]; };
    return Object.assign(f, { layers });
  };
  const E1 = mode(big(a[0]).plus(big(b[0]).times(d)), big(a[1]).plus(big(b[1]).times(d)));
  const E2 = mode(big(a[0]), big(a[1]));
  const F = (u: D) => E1(u).div(n).plus(w2.times(E2(u))).minus(sq);
  let lo = big(-1), hi = big(1);
  while (!F(lo).isNegative()) lo = lo.times(2);
  while (!F(hi).isPositive()) hi = hi.times(2);
  // To 1e-45 in u: a product that is a small remainder of the fit (N ~ 2e-12
  // beside layers of 1e3, scan seed 21 draw 455) moves by (dN/du) du, which
  // 1e-30 in u left at 1.4e-13 of N.
  const u = bisect(F, lo, hi, 1e-45);
  return { Lam: E1(u), N: E2(u), lam: E1.layers(u), nu: E2.layers(u) };
}

// ---------------------------------------------------------------- family B

/** First column, 2x2: eta by bisection on the decreasing phi(eta) = |w*|, then x, beta and W(inf) e2. */
export function refFirstColumn(a: number, beta0: number, w: [number, number], b2: [number, number]): { x: D; beta: D; col2: [D, D] } {
  const A = big(a), B0 = big(beta0);
  const wn = big(w[0]).pow(2).plus(big(w[1]).pow(2)).sqrt();
  const cosh = (e: D) => { const x = e.exp(); return x.plus(ONE.div(x)).div(2); };
  const sinh = (e: D) => { const x = e.exp(); return x.minus(ONE.div(x)).div(2); };
  const phi = (e: D) => { const x = e.times(2).exp(), ix = ONE.div(x); return A.times(B0).times(x.plus(ix)).div(2).minus(A.pow(2).plus(B0.pow(2)).div(2).times(x.minus(ix).div(2))).minus(wn); };
  const G = (e: D) => phi(e).neg(); // increasing
  let lo = big(-1), hi = big(1);
  while (!G(lo).isNegative()) lo = lo.times(2);
  while (!G(hi).isPositive()) hi = hi.times(2);
  const eta = bisect(G, lo, hi);
  const x = A.times(cosh(eta)).minus(B0.times(sinh(eta)));
  const beta = B0.times(cosh(eta)).minus(A.times(sinh(eta)));
  const wh = [big(w[0]).div(wn), big(w[1]).div(wn)];
  const proj = wh[0].times(b2[0]).plus(wh[1].times(b2[1]));
  const col = (i: number) => A.times(b2[i]).plus(x.minus(A).times(proj).times(wh[i]));
  return { x, beta, col2: [col(0), col(1)] };
}

// ---------------------------------------------------------------- family C

/** Logistic (depth 2, one mode) at 50 digits: x = s x0 / (x0 + (s - x0) e^(-2 s t)). */
export function refLogistic(s: number, x0: D, t: number): D {
  const S = big(s);
  return S.times(x0).div(x0.plus(S.minus(x0).times(S.times(-2 * t).exp())));
}

/** 30-point Gauss–Legendre nodes and weights on [-1, 1] at 50 digits. */
function gaussLegendre(): { x: D[]; w: D[] } {
  return gaussLegendreN(30);
}

/** int_a^b f by 30-point Gauss–Legendre. */
function gl(f: (u: D) => D, a: D, b: D): D {
  const { x, w } = gaussLegendre();
  const c = a.plus(b).div(2), h = b.minus(a).div(2);
  let sum = ZERO;
  for (let i = 0; i < x.length; i++) sum = sum.plus(w[i].times(f(c.plus(h.times(x[i])))));
  return sum.times(h);
}

/**
 * Balanced scalar depth L >= 3, dx/dt = -L x^(2-2/L)(x - s), x0 = w0^L, at t.
 * In v = (x/s)^(1/L), T = t s^(2-2/L) = int_v0^v du / (u^(L-1)(1 - u^L)), i.e.
 * [v0^(2-L) - v^(2-L)]/(L-2) - [log|1-v^L| - log|1-v0^L|]/L + int_v0^v h,
 * h(u) = u (1 - u^(L-2)) / (1 - u^L) (entire near the real axis save at the
 * L-th roots of unity other than 1; 30-point Gauss–Legendre on [v0, v] within
 * [0, 1], or in log u above 1, errs by < 1e-20 there). Unknown log v below
 * x = s/2, log|1 - v^L| above, by safeguarded Newton around the guess.
 */
export function refScalar(L: number, s: number, w0: number, t: number, guessX: number): D {
  const S = big(s);
  const v0 = big(w0).div(S.pow(big(1).div(L)));
  if (v0.minus(ONE).abs().lt(1e-40)) return S; // x0 = s to the 50-digit rounding of s^(1/L): a fixed point
  const T = big(t).times(S.pow(big(2).minus(big(2).div(L))));
  const ipow = (v: D, k: number) => { let p = ONE; for (let i = 0; i < k; i++) p = p.times(v); return p; };
  const h = (u: D) => { const uL2 = ipow(u, L - 2); const uL = uL2.times(u).times(u); return u.times(ONE.minus(uL2)).div(ONE.minus(uL)); };
  const above = v0.gt(ONE);
  const hInt = (va: D, vb: D) => (above
    ? gl((l) => { const u = l.exp(); return h(u).times(u); }, va.ln(), vb.ln())
    : gl(h, va, vb));
  const c0 = ONE.div(ipow(v0, L - 2)).div(L - 2);
  const g0 = ONE.minus(ipow(v0, L)).abs().ln();
  const Tof = (v: D, logGap: D) => c0.minus(ONE.div(ipow(v, L - 2)).div(L - 2)).minus(logGap.minus(g0).div(L)).plus(hInt(v0, v));
  const xOfV = (v: D) => S.times(ipow(v, L));
  const half = big(0.5);
  const vHalf = half.pow(big(1).div(L));
  const useA = !above && (v0.lt(vHalf) && Tof(vHalf, half.ln()).gte(T));
  if (useA) {
    // Unknown y = log v; dT/dy = v^(2-L) / (1 - v^L).
    const F = (y: D) => {
      const v = y.exp();
      const vL = ipow(v, L);
      return { f: Tof(v, ONE.minus(vL).ln()).minus(T), df: ONE.div(ipow(v, L - 2)).div(ONE.minus(vL)) };
    };
    const guess = Math.log(guessX / s) / L;
    const y = newtonRoot(F, Number.isFinite(guess) ? guess : Math.log(w0) - Math.log(s) / L, 0.01, -Math.LN2 / L);
    return xOfV(y.exp());
  }
  // Unknown z = log|1 - v^L|: v^L = 1 -+ e^z. dT/dz = -1/L (dv/dz) ... via dT/dv dv/dz:
  // dT/dv = 1/(v^(L-1)(1 - v^L)), dv/dz = -+ e^z / (L v^(L-1)).
  const sign = above ? ONE : ONE.neg();
  const F = (z: D) => {
    const vL = ONE.plus(sign.times(z.exp()));
    const v = vL.pow(big(1).div(L));
    const vL1 = ipow(v, L - 1);
    const dTdv = ONE.div(vL1.times(ONE.minus(vL)));
    const dvdz = sign.times(z.exp()).div(vL1.times(L));
    return { f: Tof(v, z).minus(T), df: dTdv.times(dvdz) };
  };
  const gap = Math.abs(guessX / s - 1);
  // Far out, log|1 - v^L| ~ -L (T - tau-offsets): an estimate at 50 digits when x = s in doubles.
  const estimate = c0.minus(T).times(L).toNumber(); // ignores O(1) terms
  if (estimate < -300) return S; // |s - x| / s < e^-250: x = s at 50 digits
  const guess = gap > 0 ? Math.log(gap) : Math.min(-40, estimate);
  const z = newtonRoot(F, Number.isFinite(guess) ? guess : -700, 0.01, above ? g0.toNumber() : -Math.LN2);
  return S.times(ONE.plus(sign.times(z.exp())));
}
