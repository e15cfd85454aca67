// The balanced scalar flow dx/dt = -L x^(2-2/L) (x - s) solved exactly at any
// depth, init scale and time (statement and derivation: trajectories.md,
// "Exact numerics"). In the layer variable v = (x/s)^(1/L) and the scaled
// time T = t s^(2-2/L), dv/dT = v^(L-1) (1 - v^L), and partial fractions give
// T(v) = tau(v) - tau(v0) with
//   tau(v) = -v^(2-L)/(L-2) - log|1 - v^L| / L + H(v),
//   H(v) = int_0^v u (1 - u^(L-2)) / (1 - u^L) du   (smooth, also at u = 1).
// Below x = s/2 the unknown is log v (x << s stays representable); above it
// is log|1 - v^L| = log(|s - x|/s) (x -> s to the last bit).

import { EXACT_MARGIN, EXACT_REL_TOL } from '../src/numeric/accuracy.js';
import { logAddExp } from '../src/numeric/logMath.js';
import { integrate } from '../src/numeric/quadrature.js';
import { brent } from '../src/numeric/roots.js';
import { scalarFlowPrecise } from './scalarPrecise.js';

export interface ScalarValue {
  x: number;
  /** Relative condition number of x in t, s and x0 as the double inputs fix them: the result carries ~cond * 1e-16. */
  cond: number;
  /** 'exact': x is within EXACT_REL_TOL of x(t) at the exact double inputs (cond * 4 eps <= EXACT_REL_TOL, or solved in extended precision); 'inexact': neither. */
  status: 'exact' | 'inexact';
  /** 'extended-precision' where doubles could not resolve x (cond * 4 eps > EXACT_REL_TOL): solved again in decimals (scalarPrecise.ts). */
  method?: 'extended-precision';
}

const EPS = Number.EPSILON;

function result(x: number, cond: number): ScalarValue {
  return { x, cond, status: 4 * EPS * cond <= EXACT_REL_TOL ? 'exact' : 'inexact' };
}

/** log of the layer magnitude v0 from the layers: exact when all are equal. */
export function balancedLayer(layers: readonly number[]): number {
  const m = Math.abs(layers[0]);
  if (layers.every((w) => Math.abs(w) === m)) return m;
  return Math.exp(layers.reduce((acc, w) => acc + Math.log(Math.abs(w)), 0) / layers.length);
}

/** x(t) for depth L, target s > 0, layer value w0 > 0 (x0 = w0^L), time t >= 0. */
export function scalarFlow(L: number, s: number, w0: number, t: number): ScalarValue {
  const logx0 = L * Math.log(w0);
  if (t === 0) return result(L === 1 ? w0 : Math.exp(logx0), 0);
  if (L === 1 || L === 2) {
    // L = 1: x = s (1 - e^-t) + x0 e^-t; L = 2: x = s x0 / (x0 (1 - e^(-2st)) + s e^(-2st)). Sums of positive terms, in logs.
    if (L === 1) {
      const lx = logAddExp(Math.log(s) + Math.log(-Math.expm1(-t)), Math.log(w0) - t);
      const x = Math.exp(lx);
      return result(x, t * Math.abs(s - x) / x + 1);
    }
    const lden = logAddExp(logx0 + Math.log(-Math.expm1(-2 * s * t)), Math.log(s) - 2 * s * t);
    const x = Math.exp(Math.log(s) + logx0 - lden);
    return result(x, 2 * t * Math.abs(s - x) + 1);
  }
  const v0 = w0 / Math.pow(s, 1 / L); // (x0/s)^(1/L)
  const lv0 = Math.log(w0) - Math.log(s) / L;
  // x0 = s up to the rounding of w0^L: x stays between them, within 1e-14 of s.
  if (Math.abs(L * lv0) <= 1e-14) return result(s, 0);
  const T = t * Math.pow(s, 2 - 2 / L);
  const h = (u: number) => {
    const lu = Math.log(u);
    return lu === 0 ? (L - 2) / L : (u * Math.expm1((L - 2) * lu)) / Math.expm1(L * lu);
  };
  const dH = (va: number, vb: number) => integrate(h, va, vb, { abs: 1e-18, rel: 1e-15 });
  const above = lv0 > 0;
  // log|1 - v^L| at v0.
  const z0 = Math.log(Math.abs(Math.expm1(L * lv0)));
  // v0^(2-L)/(L-2) = w0^(2-L) s^((L-2)/L)/(L-2): two correctly rounded powers
  // (exp((2-L) log v0) would carry log v0's rounding times its size).
  const c0 = (Math.pow(w0, 2 - L) * Math.pow(s, (L - 2) / L)) / (L - 2);
  // Region A: unknown y = log v, v^L < 1/2; T(y) = -c0 expm1((2-L)(y - y0)) - (log1p(-v^L) - log1p(-v0^L))/L + dH.
  const TA = (y: number) => -c0 * Math.expm1((2 - L) * (y - lv0)) - (Math.log1p(-Math.exp(L * y)) - Math.log1p(-Math.exp(L * lv0))) / L + dH(v0, Math.exp(y));
  // Region B: unknown z = log|1 - v^L|; v^L = 1 -+ e^z.
  const vOf = (z: number) => Math.exp((above ? Math.log1p(Math.exp(z)) : Math.log1p(-Math.exp(z))) / L);
  const TB = (z: number) => {
    const v = vOf(z);
    return c0 - Math.pow(v, 2 - L) / (L - 2) - (z - z0) / L + dH(v0, v);
  };
  const yHalf = -Math.LN2 / L;
  /** x and the size of the terms that cancel in T(v) = T, for a scaled time TT. */
  const solve = (TT: number): { x: number; parts: number } => {
    if (TT <= 0) return { x: Math.exp(logx0), parts: 0 };
    if (!above && lv0 < yHalf && TT <= TA(yHalf)) {
      // Increasing in y on [y0, yHalf]; Newton polish with dT/dy = v^(2-L) / (1 - v^L).
      // TA(y0) is 0 up to the rounding of exp(log v0) = v0: the start is then the root.
      let y = TA(lv0) - TT >= 0 ? lv0 : brent((yy) => TA(yy) - TT, lv0, yHalf);
      for (let i = 0; i < 2; i++) {
        const f = TA(y) - TT;
        if (f === 0) break;
        y -= f / (Math.exp((2 - L) * y) / -Math.expm1(L * y));
      }
      return { x: Math.exp(Math.log(s) + L * y), parts: TT + c0 + Math.exp((2 - L) * y) / (L - 2) };
    }
    // Decreasing in z on (-inf, zStart]; z ~ -L T far out.
    const zStart = above || lv0 >= yHalf ? z0 : Math.log1p(-Math.exp(L * yHalf));
    let hi = zStart, lo = zStart - 1, step = 1;
    const g = (z: number) => TB(z) - TT;
    while (g(lo) < 0) {
      hi = lo; step *= 2; lo = hi - step;
      // |s - x| / s < e^-1500: x = s in doubles. The terms that cancel in T(v) = T
      // are still of size T + c0 (the conditioning check needs them).
      if (lo < -1500) return { x: s, parts: TT + c0 + 1500 / L };
    }
    const z = g(hi) >= 0 ? hi : brent(g, lo, hi);
    const gap = Math.exp(z);
    return { x: s * (above ? 1 + gap : 1 - gap), parts: TT + c0 + Math.pow(vOf(z), 2 - L) / (L - 2) + Math.abs(z) / L };
  };
  const { x, parts } = solve(T);
  // A posteriori: the terms of T(v) = T are known to ~4 eps of their size, so
  // x is known only between the solutions at T -+ that; their spread is the
  // relative uncertainty the double inputs leave (reported as a condition number).
  const dT = 4 * EPS * parts;
  const xm = solve(Math.max(0, T - dT)).x, xp = solve(T + dT).x;
  const spread = Math.max(Math.abs(xp - x), Math.abs(x - xm)) / x;
  const cond = spread / (4 * EPS) + 1;
  const r = result(x, cond);
  if (r.status === 'exact') return r;
  // Doubles cannot resolve x here (the difference of two huge terms near the
  // escape): the exact double inputs still fix it, so solve again with enough digits.
  const precise = scalarFlowPrecise(L, s, w0, t);
  return precise && precise.error <= EXACT_MARGIN ? { x: precise.x, cond, status: 'exact', method: 'extended-precision' } : r;
}
