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

/** Root of an increasing F on [lo, hi] (sign change verified) by bisection, to relative width 1e-30. */
export function bisect(F: (x: D) => D, lo: D, hi: D): D {
  let flo = F(lo);
  const fhi = F(hi);
  if (flo.isPositive() === fhi.isPositive() && !flo.isZero() && !fhi.isZero()) throw new Error(`reference: no sign change on [${lo}, ${hi}]`);
  for (let i = 0; i < 400; i++) {
    const mid = lo.plus(hi).div(2);
    const fm = F(mid);
    if (fm.isZero()) return mid;
    if (fm.isNegative() === flo.isNegative()) { lo = mid; flo = fm; } else hi = mid;
    if (hi.minus(lo).abs().lte(hi.abs().plus(1).times(1e-30))) break; // unknowns are logarithms: absolute 1e-30 is relative 1e-30 in the value
  }
  return lo.plus(hi).div(2);
}

/**
 * Root of a monotone F with derivative dF: a bracket around the guess is
 * expanded until F changes sign (verified), then Newton steps that stay in
 * the bracket, bisection otherwise, until the bracket or step is below 1e-30
 * relative. The guess only saves iterations: the result is the bracketed root.
 */
export function newtonRoot(F: (x: D) => { f: D; df: D }, guess: number, width = 1, maxX = Infinity): D {
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
    const { f, df } = F(x);
    if (f.isZero()) return x;
    if (f.isPositive() === fa.isPositive()) { a = x; fa = f; } else { b = x; fb = f; }
    let nx = x.minus(f.div(df));
    const lo = a.lt(b) ? a : b, hi = a.lt(b) ? b : a;
    if (!(nx.gt(lo) && nx.lt(hi))) nx = a.plus(b).div(2);
    const tol = x.abs().plus(1).times(1e-30);
    if (nx.minus(x).abs().lte(tol) || hi.minus(lo).lte(tol)) return nx;
    x = nx;
  }
  return x;
}

// ---------------------------------------------------------------- family A

export interface RefBlock { Lam: D; N: D }

/** Balanced layers a_l = a, b_l = b: closed forms for L <= 2, safeguarded Newton in log lam for L >= 3 (the guess only saves iterations). */
export function refBlockBalanced(d: number, n: number, q: number, s: number, a: number, b: number, L: number, guessLogLam?: number): RefBlock {
  const A = big(a), Bb = big(b), sq = big(s).times(q);
  const lam0 = A.plus(Bb.times(d));
  const w2 = ONE.minus(ONE.div(n));
  if (L === 1) {
    // lam - nu = d b and lam/n + nu (1 - 1/n) = s q.
    const nu = sq.minus(Bb.times(d).div(n));
    return { Lam: nu.plus(Bb.times(d)), N: nu };
  }
  if (L === 2) {
    // lam = r nu with r = lam0 / a.
    const r = lam0.div(A);
    const nu2 = sq.div(r.pow(2).div(n).plus(w2));
    return { Lam: nu2.times(r.pow(2)), N: nu2 };
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

/** int_0^inf dw / (2 prod_l sqrt(B_l + w)) for several B-vectors on one grid (trapezoid in r = log w). */
class TailQuadrature {
  private readonly w: D[] = [];
  private readonly hBig: D;
  /**
   * The integrand in r is analytic in |Im r| < pi and decays like e^r on the
   * left and e^(-(L/2-1) r) on the right; the trapezoid rule with step h then
   * errs by ~exp(-2 pi^2 / h) = 1e-17 at h = 0.45 (Trefethen & Weideman 2014).
   */
  constructor(logBmin: number, logBmax: number, L: number, readonly h = 0.45) {
    const lo = Math.floor((logBmin - 45) / h), hi = Math.ceil((logBmax + 45 / (L / 2 - 1)) / h);
    for (let j = lo; j <= hi; j++) this.w.push(big(j * h).exp());
    this.hBig = big(h);
  }

  /** T and dT/dsigma = -1/(2 prod sqrt(B_l)). */
  tail(B: D[]): { T: D; dT: D } {
    let sum = ZERO;
    for (const w of this.w) {
      let p = ONE;
      for (const b of B) p = p.times(b.plus(w));
      sum = sum.plus(w.div(p.sqrt()));
    }
    let V = ONE;
    for (const b of B) V = V.times(b);
    return { T: sum.times(this.hBig).div(2), dT: ONE.div(V.sqrt().times(2)).neg() };
  }
}

/**
 * Per-layer a_l, b_l, L >= 3. Each mode: v_l^2 = v_l(0)^2 + sigma (shared
 * sigma), tail T(sigma). Invariant: T_2(sigma_2) - T_1(sigma_1) = T_2(0) - T_1(0)
 * (constant formed as a 50-digit difference on one grid). Unknown y = log nu_min^2;
 * sigma_1 from the fit equation by bisection; the invariant by safeguarded Newton.
 */
export function refBlockPerLayer(d: number, n: number, q: number, s: number, a: number[], b: number[], guessLogNuMin2: number): RefBlock {
  const L = a.length;
  const sq = big(s).times(q);
  const w2 = ONE.minus(ONE.div(n));
  const A2 = a.map((x) => big(x).pow(2));
  const L2 = a.map((x, l) => big(x).plus(big(b[l]).times(d)).pow(2));
  const min = (v: D[]) => v.reduce((m, x) => (x.lt(m) ? x : m));
  const A2min = min(A2), L2min = min(L2);
  const prod = (v: D[]) => v.reduce((p, x) => p.times(x), ONE);
  // Grid wide enough for every B the iteration visits: from the smallest
  // init square / 1e6 to the target scale's layers.
  const logs = [...A2, ...L2].map((x) => Math.log(x.toNumber()));
  const quad = new TailQuadrature(Math.min(...logs, guessLogNuMin2) - 15, Math.max(...logs, 2 * Math.log(n * s * q) / L) + 15, L);
  const C = quad.tail(A2).T.minus(quad.tail(L2).T);
  // sigma_1 from Lam(sigma_1) / n = s q - (1 - 1/n) N: Lam increases in sigma_1.
  const sigma1Of = (N: D): D => {
    const target = sq.minus(w2.times(N)).times(n);
    if (!target.isPositive()) throw new Error('reference: N alone overshoots the fit');
    const G = (lx: D) => prod(L2.map((x) => x.minus(L2min).plus(lx.exp()))).sqrt().minus(target);
    // log of lam_min^2 in a bracket found by doubling.
    let lo = big(Math.log(L2min.toNumber()) - 1), hi = lo.plus(2);
    while (!G(lo).isNegative()) lo = lo.minus(lo.abs().plus(8));
    while (!G(hi).isPositive()) hi = hi.plus(hi.abs().plus(8));
    return bisect(G, lo, hi).exp().minus(L2min);
  };
  const F = (y: D) => {
    const sigma2 = y.exp().minus(A2min);
    const B2 = A2.map((x) => x.plus(sigma2));
    const N = prod(B2).sqrt();
    const sigma1 = sigma1Of(N);
    const B1 = L2.map((x) => x.plus(sigma1));
    const t2 = quad.tail(B2), t1 = quad.tail(B1);
    // d sigma_1 / d sigma_2 from the fit: (dLam/dsigma_1)/n dsigma_1 = -(1 - 1/n) dN/dsigma_2 dsigma_2.
    const dN = N.times(B2.reduce((acc, x) => acc.plus(ONE.div(x)), ZERO)).div(2);
    const Lam = prod(B1).sqrt();
    const dLam = Lam.times(B1.reduce((acc, x) => acc.plus(ONE.div(x)), ZERO)).div(2);
    const ds1 = w2.times(dN).neg().times(n).div(dLam);
    // F = T_2 - T_1 - C, decreasing in y; derivative through sigma_2 = e^y - A2min.
    const f = t2.T.minus(t1.T).minus(C);
    const df = t2.dT.minus(t1.dT.times(ds1)).times(y.exp());
    return { f, df, Lam, N };
  };
  const y = newtonRoot((yy) => F(yy), guessLogNuMin2, 0.5);
  const r = F(y);
  return { Lam: r.Lam, N: r.N };
}

/** Depth 2, per-layer: (lam_1 + lam_2)/(lam_1(0) + lam_2(0)) = (nu_1 + nu_2)/(nu_1(0) + nu_2(0)) = e^u; bisection in u. */
export function refBlockDepth2(d: number, n: number, q: number, s: number, a: number[], b: number[]): RefBlock {
  const sq = big(s).times(q), w2 = ONE.minus(ONE.div(n));
  const mode = (v1: D, v2: D) => {
    const S0 = v1.plus(v2), Dd = v1.pow(2).minus(v2.pow(2));
    // v1 + v2 = S0 e^u, v1 - v2 = D / (S0 e^u): product = (P^2 - D^2/P^2)/4.
    return (u: D) => { const P = S0.times(u.exp()); return P.pow(2).minus(Dd.pow(2).div(P.pow(2))).div(4); };
  };
  const E1 = mode(big(a[0]).plus(big(b[0]).times(d)), big(a[1]).plus(big(b[1]).times(d)));
  const E2 = mode(big(a[0]), big(a[1]));
  const F = (u: D) => E1(u).div(n).plus(w2.times(E2(u))).minus(sq);
  let lo = big(-1), hi = big(1);
  while (!F(lo).isNegative()) lo = lo.times(2);
  while (!F(hi).isPositive()) hi = hi.times(2);
  const u = bisect(F, lo, hi);
  return { Lam: E1(u), N: E2(u) };
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

let GL: { x: D[]; w: D[] } | null = null;
/** 30-point Gauss–Legendre nodes and weights on [-1, 1] at 50 digits (Newton on P_30). */
function gaussLegendre(): { x: D[]; w: D[] } {
  if (GL) return GL;
  const n = 30, xs: D[] = [], ws: D[] = [];
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
  GL = { x: xs, w: ws };
  return GL;
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
