// x(t) of the balanced scalar flow (scalarFlow.ts) in extended precision, for
// the times doubles cannot resolve: near the escape from a tiny x0 the scaled
// time T and c0 = v0^(2-L)/(L-2) are both huge (1e262 at depth 16 and
// x0 = 1e-300) and x depends on their difference, which doubles know only to
// ulp(T). The exact double inputs still fix x(t); here the same equation,
// T = tau(v) - tau(v0) (trajectories.md, "Exact numerics"), is solved with
// enough decimal digits that the difference c0 - T is exact to 1e-40 of the
// transition's O(1) scale. Derivation: trajectories.md, "Extended precision".

import { bracketedNewton, decimalContext, gaussLegendreDecimal, type Decimal } from '../src/numeric/decimal.js';

type B = Decimal;
const GL_NODES = 30;

export interface ScalarPrecise { x: number; /** Estimated relative error of x. */ error: number; digits: number }

/**
 * x(t) for depth L >= 3, target s > 0, layer w0 > 0 (x0 = w0^L), t > 0, from
 * the exact double inputs; null if the root search fails (the double result
 * then stands, flagged).
 */
export function scalarFlowPrecise(L: number, s: number, w0: number, t: number): ScalarPrecise | null {
  if (!(L >= 3) || !(s > 0) || !(w0 > 0) || !(t > 0)) return null;
  // Digits: the huge terms (c0 and T, up to ~1e306) to 1e-40 absolute.
  const c0d = (Math.pow(w0, 2 - L) * Math.pow(s, (L - 2) / L)) / (L - 2), Td = t * Math.pow(s, 2 - 2 / L);
  const scale = Math.max(1, Number.isFinite(c0d) ? c0d : 1e308, Number.isFinite(Td) ? Td : 1e308);
  const P = 45 + Math.ceil(Math.log10(scale));
  const big = decimalContext(P), one = big(1), zero = big(0);
  // (Inputs converted exactly: m 2^e.)
  const S = big(s), W = big(w0), tt = big(t);
  const lnS = S.ln();
  const q0 = W.pow(L).div(S); // x0 / s = v0^L
  if (q0.eq(one)) return { x: s, error: 0, digits: P };
  const above = q0.gt(one);
  const lv0 = W.ln().minus(lnS.div(L));
  // (The exponent 2 - 2/L in decimals: as a double it carries 1e-16, i.e. 2e-15 of T.)
  const T = tt.times(lnS.times(big(2).minus(big(2).div(L))).exp());
  const c0 = lv0.times(2 - L).exp().div(L - 2);
  const half = big(0.5);
  const vh = half.ln().div(L).exp(); // v^L = 1/2

  // H(v) = int_0^v u (1 - u^(L-2)) / (1 - u^L) du: a series where v^L <= 1/2
  // (sum_k v^(kL+2)/(kL+2) - v^(kL+L)/(kL+L), ratio v^L), else H(vh) plus a
  // composite Gauss–Legendre rule on [vh, v] (the integrand's poles, at the
  // other L-th roots of unity, are >= sin(2 pi / L) >= 0.39 off the real axis:
  // panels of 0.1 and 30 nodes leave < 1e-60).
  const tiny = big(10).pow(-(P + 5));
  const series = (v: B): B => {
    const vL2 = v.pow(L - 2), vL = vL2.times(v).times(v);
    let acc = zero, p = v.times(v), k = 0;
    for (;;) {
      const a = p.div(k * L + 2), b = p.times(vL2).div(k * L + L);
      acc = acc.plus(a).minus(b);
      if (a.lt(tiny) || k > 100000) break;
      p = p.times(vL); k++;
    }
    return acc;
  };
  const gl = gaussLegendreDecimal(P, GL_NODES);
  const h = (u: B) => { const uL2 = u.pow(L - 2); return u.times(one.minus(uL2)).div(one.minus(uL2.times(u).times(u))); };
  const quad = (a: B, b: B): B => {
    const lo = a.lt(b) ? a : b, hi = a.lt(b) ? b : a;
    const n = Math.max(1, Math.ceil(hi.minus(lo).toNumber() / 0.1));
    const w = hi.minus(lo).div(n), hw = w.div(2);
    let acc = zero;
    for (let i = 0; i < n; i++) {
      const mid = lo.plus(w.times(i)).plus(hw);
      for (let j = 0; j < GL_NODES; j++) acc = acc.plus(gl.w[j].times(h(mid.plus(hw.times(gl.x[j])))));
    }
    acc = acc.times(hw);
    return a.lt(b) ? acc : acc.neg();
  };
  const Hh = series(vh);
  const H = (v: B): B => (v.pow(L).lte(half) ? series(v) : Hh.plus(quad(vh, v)));
  // tau(v) = -v^(2-L)/(L-2) - log|1 - v^L|/L + H(v); the root of tau(v) - tau(v0) - T.
  const tau0 = c0.neg().minus(one.minus(q0).abs().ln().div(L)).plus(H(W.div(lnS.div(L).exp())));
  const target = tau0.plus(T);
  // Region A, unknown y = log v (v^L <= 1/2): F increasing, dF/dy = v^(2-L)/(1 - v^L).
  const FA = (y: B): [B, B] => {
    const v = y.exp(), vL = v.pow(L), p = y.times(2 - L).exp();
    return [p.div(L - 2).neg().minus(one.minus(vL).ln().div(L)).plus(H(v)).minus(target), p.div(one.minus(vL))];
  };
  // Region B, unknown z = log|1 - v^L|: F decreasing, dF/dz = -1 / (L v^(2L-2)).
  const vOfZ = (z: B) => (above ? one.plus(z.exp()) : one.minus(z.exp())).ln().div(L).exp();
  const FB = (z: B): [B, B] => {
    const v = vOfZ(z), vL = v.pow(L);
    return [v.pow(2 - L).div(L - 2).neg().minus(z.div(L)).plus(H(v)).minus(target), one.div(vL.times(vL).div(v.times(v)).times(L)).neg()];
  };

  const tol = big(10).pow(-38);
  // Where F was evaluated: its rounding is ~10^-P of the largest term (c0, T), the series and rule 1e-45.
  const noise = Math.pow(10, -P + 2) * scale + 1e-45;
  // x = s within a gap below 1e-18 of s: x = s in doubles.
  const zS = big(1e-18).ln();
  if (above || q0.gte(half) || !FA(vh.ln())[0].isPositive()) {
    const zTop = above ? q0.minus(one).ln() : one.minus(q0.gte(half) ? q0 : half).ln();
    if (FB(zS)[0].isNegative()) return { x: s, error: 1e-18, digits: P };
    const z = bracketedNewton(FB, zS, zTop, false, tol);
    if (!z) return null;
    const gap = z.exp();
    const xB = S.times(above ? one.plus(gap) : one.minus(gap));
    // dz = noise / |dF/dz|; x moves by gap dz relative.
    const dz = noise * L * Math.pow(vOfZ(z).toNumber(), 2 * L - 2);
    return { x: xB.toNumber(), error: gap.toNumber() * dz + Number.EPSILON / 2, digits: P };
  }
  // Below the transition: the dominant terms give v^(2-L) = (L-2)(c0 - T + O(1)).
  const d = c0.minus(T);
  const guess = d.gt(one) ? d.times(L - 2).ln().div(2 - L) : undefined;
  const y = bracketedNewton(FA, lv0, vh.ln(), true, tol, guess);
  if (!y) return null;
  const [, dF] = FA(y);
  const dy = noise / dF.toNumber();
  return { x: S.times(y.times(L).exp()).toNumber(), error: L * dy + Number.EPSILON / 2, digits: P };
}
