// The per-layer block limit (family A, theorems/blockDiagonal.md) in extended
// precision, for the instances where doubles cannot pin it: a minor mode read back
// from a balance of clocks far larger than its own (the balance error of
// conditioning.ts), or a depth-2 product that is a small remainder of the fit.
// The values are still well defined by the exact inputs; only the working
// precision is short. Here the same defining equations — the fit and the
// E1–E2 invariant in the shared clock — are solved again with 45-digit
// decimals (mathjs BigNumber, i.e. decimal.js), by Newton's method from the
// double solution, with the tails integrated by 32-point Gauss–Legendre on
// dyadic panels in r = log w. Derivation: theorems/blockDiagonal.md, "Extended precision".

import { MIN_NORMAL } from '../../src/numeric/accuracy.js';
import { decimalContext, gaussLegendreDecimal, type Decimal, type ToDecimal } from '../../src/numeric/decimal.js';
import type { BlockContext } from './context.js';
import { mode, type Mode } from './mode.js';
import type { ExactBlockSolution } from './types.js';

const DIGITS = 45;
/**
 * Relative accuracy claimed for one integral: the panel rule's truncation is
 * below 1e-42 (see `panels`), the e^-100 cut-offs below 4e-44, and ~2000
 * positive terms rounded at 1e-45 add up to ~1e-41; 1e-36 leaves a margin.
 */
const TAU = 1e-36;
const GL_NODES = 32;

type B = Decimal;
interface Context { big: ToDecimal; zero: B; one: B; two: B; glx: B[]; glw: B[] }
let context: Context | undefined;

/** The 45-digit context and the 32-point rule, built on first use (only flagged draws pay for them). */
function ctx(): Context {
  if (context) return context;
  const big = decimalContext(DIGITS), { x, w } = gaussLegendreDecimal(DIGITS, GL_NODES);
  context = { big, zero: big(0), one: big(1), two: big(2), glx: x, glw: w };
  return context;
}

/** Per panel width h: the node offsets e^(h (1 + x_j) / 2), their square roots, and the weights times h / 2. */
const offsetCache = new Map<number, { e: B[]; s: B[]; w: B[] }>();
function offsets(h: number): { e: B[]; s: B[]; w: B[] } {
  let o = offsetCache.get(h);
  if (!o) {
    const { big, one, glx, glw } = ctx();
    const hb = big(h), half = hb.div(2);
    const arg = glx.map((x) => half.times(one.plus(x)));
    o = { e: arg.map((a) => a.exp()), s: arg.map((a) => a.div(2).exp()), w: glw.map((w) => w.times(half)) };
    offsetCache.set(h, o);
  }
  return o;
}

/**
 * Dyadic panels (width a power of two, aligned on multiples of it, or below
 * `hi` when the upper end is hard) covering [lo, hi] for the integrand
 * w^p / prod sqrt(c_l + w) in r = log w, whose singularities sit at
 * log c_l +- i pi and whose local exponential rate is |p - k/2| (k breakpoints
 * below). A panel is split until it is at most 1 wide or at least its width
 * away from every breakpoint (a Bernstein ellipse of parameter >= 3 + sqrt 8
 * then avoids the singularities), and its width times the rate is at most 9
 * (the integrand varies by at most e^13.5 over that ellipse): the 32-point
 * rule's error is then below 5.83^-64 e^13.5 < 1e-42 of the panel's mass.
 * Returns [start, width] with start the panel's left end (soft) or its
 * distance below hi (hard).
 */
function panels(lo: number, hi: number, hard: boolean, breaks: number[], p: number): [number, number][] {
  const grid: PanelGrid = { lo, hi, hard, breaks, p, out: [] };
  const H = 2 ** Math.ceil(Math.log2(Math.max(hi - lo, 1)));
  if (hard) {
    for (let d = H; d - H < hi - lo; d += H) visitPanel(grid, hi - d, H, d);
  } else {
    for (let u = Math.floor(lo / H) * H; u < hi; u += H) visitPanel(grid, u, H, 0);
  }
  return grid.out;
}

/** What panels() covers, and the panels found so far. */
interface PanelGrid { lo: number; hi: number; hard: boolean; breaks: number[]; p: number; out: [number, number][] }

/** Keep the panel [u, u + h] (d below hi) or split it in two, as panels() says. */
function visitPanel(g: PanelGrid, u: number, h: number, d: number): void {
  if (u + h <= g.lo || u >= g.hi) return;
  let dist = Infinity;
  for (const b of g.breaks) dist = Math.min(dist, b < u ? u - b : b > u + h ? b - u - h : 0);
  const below = (r: number) => g.breaks.reduce((k, b) => k + (b < r ? 1 : 0), 0);
  const k0 = below(u), k1 = below(u + h);
  let kmax = 0;
  for (let k = k0; k <= k1; k++) kmax = Math.max(kmax, Math.abs(g.p - k / 2));
  if ((h <= 1 || dist >= h) && kmax * h <= 9) { g.out.push([g.hard ? d : u, h]); return; }
  const half = h / 2;
  visitPanel(g, u, half, d); visitPanel(g, u + half, half, d - half);
}

/**
 * int over r of e^(p r) / (2 sqrt(prod_l (c_l + e^r))) dr, from -inf (cut at
 * e^-100 of the mass) to +inf (soft; cut likewise) or to r = log Y exactly
 * (hard, Y = e^hi given as a decimal: the panels are placed below it).
 */
function lineIntegral(c: B[], p: 0.5 | 1, Y?: B): B {
  const { big, zero } = ctx();
  // (Every c_l > 0 here: a tied mode is never integrated from zero.)
  const breaks = c.map((x) => x.ln().toNumber()).sort((x, y) => x - y);
  const bmin = breaks[0], bmax = breaks[breaks.length - 1];
  // The integrand falls like e^(p r) to the left and e^(-(|c|/2 - p) r) to the right: cut where it is e^-100 of its peak.
  const hiLog = Y ? Y.ln().toNumber() : bmax + 100 / (c.length / 2 - p);
  const lo = Math.min(bmin, hiLog) - 100 / p;
  let sum = zero;
  for (const [start, h] of panels(lo, hiLog, !!Y, breaks, p)) {
    // e^u at the panel's left end: exp(u), or Y e^-(distance below hi).
    const base = Y ? Y.times(big(-start).exp()) : big(start).exp();
    const o = offsets(h);
    const basep = p === 1 ? base : base.sqrt();
    for (let j = 0; j < GL_NODES; j++) {
      const w = base.times(o.e[j]);
      let prod = c[0].plus(w);
      for (let l = 1; l < c.length; l++) prod = prod.times(c[l].plus(w));
      sum = sum.plus(basep.times(p === 1 ? o.e[j] : o.s[j]).times(o.w[j]).div(prod.sqrt()));
    }
  }
  return sum.div(2);
}

/**
 * One eigenspace (mode.ts) with its initial layers as exact decimals: the
 * smallest layer x (signed, at the shape's index m), D_l = v0_l^2 - v0_m^2,
 * and a clock u(x) with du/dx = phi(x) = 1 / prod_{l != m} sqrt(x^2 + D_l):
 * -T(x) for L >= 3 (the tail, continued past zero by T(0) + int_0^|x| phi),
 * and log(x + sqrt(x^2 + D)) for L = 2.
 */
class DecimalMode {
  readonly L: number;
  readonly m: number;
  readonly D: B[];
  readonly ties: boolean;
  private t0: B | undefined;

  constructor(shape: Mode, readonly v0: B[]) {
    const { zero } = ctx();
    this.L = v0.length;
    const m = shape.m;
    this.m = m;
    this.D = v0.map((v, l) => (l === m ? zero : v.minus(v0[m]).times(v.plus(v0[m]))));
    this.ties = this.D.some((x, l) => l !== m && x.isZero());
  }

  get x0(): B { return this.v0[this.m]; }

  /** prod_{l != min} (x^2 + D_l). */
  private others(x: B): B {
    const x2 = x.times(x);
    let prod = ctx().one;
    for (let l = 0; l < this.L; l++) if (l !== this.m) prod = prod.times(x2.plus(this.D[l]));
    return prod;
  }

  phi(x: B): B { return ctx().one.div(this.others(x).sqrt()); }

  /** The product of the layers and its derivative in x. */
  product(x: B): [B, B] {
    const x2 = x.times(x), root = this.others(x).sqrt();
    let sum = ctx().one;
    for (let l = 0; l < this.L; l++) if (l !== this.m) sum = sum.plus(x2.div(x2.plus(this.D[l])));
    return [x.times(root), root.times(sum)];
  }

  layers(x: B): B[] {
    const x2 = x.times(x);
    return this.D.map((Dl, l) => (l === this.m ? x : x2.plus(Dl).sqrt()));
  }

  clock(x: B): B {
    if (this.L === 2) {
      const Dl = this.D[1 - this.m], big = x.times(x).plus(Dl).sqrt();
      // x + sqrt(x^2 + D) = D / (sqrt(x^2 + D) - x) for x < 0 (no cancellation).
      return (x.isNegative() ? Dl.div(big.minus(x)) : x.plus(big)).ln();
    }
    if (x.isPositive()) return lineIntegral(this.D.map((Dl) => x.times(x).plus(Dl)), 1).neg();
    if (this.t0 === undefined) this.t0 = lineIntegral(this.D.filter((_, l) => l !== this.m), 0.5);
    if (x.isZero()) return this.t0.neg();
    const inner = lineIntegral(this.D.filter((_, l) => l !== this.m), 0.5, x.times(x));
    return this.t0.plus(inner).neg();
  }
}

/** The two equations in decimals: both modes, the fit's terms, and the clocks at the init. */
interface PreciseSystem { e1: DecimalMode; e2: DecimalMode; nB: B; w2: B; sq: B; u10: B; u20: B }

/** The equations at (x_1, x_2): products, clocks, residuals F1 (fit), F2 (invariant), their terms' sizes s1, s2, and the larger relative residual r. */
interface State { x1: B; x2: B; P1: B; dP1: B; P2: B; dP2: B; u1: B; u2: B; F1: B; F2: B; r: number; s1: B; s2: B }

/** The equations at (y1, y2); null where a tied mode would have to cross zero. */
function evaluate(sys: PreciseSystem, y1: B, y2: B): State | null {
  const { e1, e2, nB, w2, sq, u10, u20 } = sys;
  if ((e1.ties && !y1.isPositive()) || (e2.ties && !y2.isPositive())) return null;
  const [P1, dP1] = e1.product(y1), [P2, dP2] = e2.product(y2);
  const u1 = e1.clock(y1), u2 = e2.clock(y2);
  const F1 = P1.div(nB).plus(w2.times(P2)).minus(sq);
  const F2 = u1.minus(u10).minus(u2.minus(u20));
  const s1 = P1.abs().div(nB).plus(w2.times(P2.abs())).plus(sq);
  const s2 = u1.abs().plus(u10.abs()).plus(u2.abs()).plus(u20.abs());
  const r = Math.max(F1.abs().div(s1).toNumber(), s2.isZero() ? 0 : F2.abs().div(s2).toNumber());
  return { x1: y1, x2: y2, P1, dP1, P2, dP2, u1, u2, F1, F2, r, s1, s2 };
}

function jacobian(sys: PreciseSystem, S: State) {
  const J11 = S.dP1.div(sys.nB), J12 = sys.w2.times(S.dP2), J21 = sys.e1.phi(S.x1), J22 = sys.e2.phi(S.x2).neg();
  return { J11, J12, J21, J22, det: J11.times(J22).minus(J12.times(J21)) };
}

/**
 * Newton's method from st. Converged when the residual is at the rounding of
 * 45 digits or the full Newton step is below 1e-36 of x; a step that cannot
 * lower the residual (halved 12 times) ends the iteration, accepted only near
 * that floor. Null when it does not settle.
 */
function newton(sys: PreciseSystem, start: State): State | null {
  let st = start;
  for (let it = 0; it < 20; it++) {
    if (st.r < 1e-40) return st;
    const J = jacobian(sys, st);
    if (J.det.isZero() || !J.det.isFinite()) return null;
    const dx1 = st.F1.times(J.J22).minus(st.F2.times(J.J12)).div(J.det);
    const dx2 = J.J11.times(st.F2).minus(J.J21.times(st.F1)).div(J.det);
    const rel = Math.max(dx1.div(st.x1).abs().toNumber(), dx2.div(st.x2).abs().toNumber());
    if (rel < 1e-36) return st;
    let t = ctx().one, next: State | null = null;
    for (let k = 0; k < 12; k++) {
      const cand = evaluate(sys, st.x1.minus(dx1.times(t)), st.x2.minus(dx2.times(t)));
      if (cand && cand.r < st.r) { next = cand; break; }
      t = t.div(2);
    }
    if (!next) return st.r < 1e-33 ? st : null;
    st = next;
  }
  return null;
}

/**
 * Error estimate: the residual noise (TAU of each equation's terms, or the
 * residual left, if larger) carried through the inverse Jacobian to x_1,
 * x_2, and to each product relative to itself (a product below the double
 * range counts 0; a smallest layer that is a double beside a product that is
 * not, its own error).
 */
function errorEstimate(sys: PreciseSystem, st: State): number {
  const J = jacobian(sys, st);
  const eps1 = Math.max(TAU, st.r) * st.s1.toNumber(), eps2 = Math.max(TAU, st.r) * st.s2.toNumber();
  const absN = (x: B) => x.abs().toNumber();
  const detAbs = absN(J.det);
  const dx1 = (absN(J.J22) * eps1 + absN(J.J12) * eps2) / detAbs, dx2 = (absN(J.J21) * eps1 + absN(J.J11) * eps2) / detAbs;
  return Math.max(Number.EPSILON / 2, relProduct(st.P1, st.dP1, dx1), relProduct(st.P2, st.dP2, dx2), relLayer(st.x1, dx1), relLayer(st.x2, dx2));
}

function relProduct(P: B, dP: B, dx: number): number {
  if (P.isZero() || P.abs().lt(MIN_NORMAL)) return 0;
  return dP.abs().div(P.abs()).toNumber() * dx;
}

function relLayer(x: B, dx: number): number {
  return x.abs().lt(MIN_NORMAL) ? 0 : dx / x.abs().toNumber();
}

/** The smallest layer of the double solution as a decimal (from its log where it is not a normal double; 0 without either). */
function startLayer(values: number[], logs: number[], m: number): B {
  const { big, zero } = ctx();
  const v = values[m];
  if (Number.isFinite(v) && Math.abs(v) >= MIN_NORMAL) return big(v);
  if (!Number.isFinite(logs[m])) return zero;
  const mag = big(logs[m]).exp();
  return v < 0 ? mag.neg() : mag;
}

/** Largest relative residual of the pairwise invariants v_l^2 = x^2 + D_l at the returned doubles, in decimals. */
function pairwiseAt(e: DecimalMode, vals: number[]): number {
  const { big } = ctx();
  const xm = big(vals[e.m]), x2 = xm.times(xm);
  let worst = 0;
  vals.forEach((v, l) => {
    if (l === e.m) return;
    const vb = big(v), lhs = vb.times(vb), rhs = x2.plus(e.D[l]);
    worst = Math.max(worst, lhs.minus(rhs).abs().div(lhs.plus(rhs)).toNumber() * 2);
  });
  return worst;
}

/**
 * Newton's method in 45 digits on the fit F1 = Lam/n + (1 - 1/n) N - s q and
 * the invariant F2 = [u_1(x_1) - u_1(x_1(0))] - [u_2(x_2) - u_2(x_2(0))],
 * from the double solution `start`. Returns null when the iteration does not
 * settle (the double solution then stands, flagged as it was).
 */
export function refineBlockLimit(c: BlockContext, start: ExactBlockSolution): ExactBlockSolution | null {
  const { big, one } = ctx();
  const { p, d, n, q, s, L } = c;
  if (L < 2 || n < 2) return null;
  const aB = p.a.map(big), lam0 = p.a.map((al, l) => big(al).plus(big(p.b[l]).times(d)));
  const e1 = new DecimalMode(mode(c.lam0, c.lam0lo), lam0), e2 = new DecimalMode(mode(p.a), aB);
  const nB = big(n);
  const sys: PreciseSystem = { e1, e2, nB, w2: one.minus(one.div(nB)), sq: big(s).times(q), u10: e1.clock(e1.x0), u20: e2.clock(e2.x0) };
  const x1 = startLayer(start.lamLayers, start.logLamLayers, e1.m), x2 = startLayer(start.nuLayers, start.logNuLayers, e2.m);
  if (x1.isZero() || x2.isZero()) return null;
  const first = evaluate(sys, x1, x2);
  const st = first && newton(sys, first);
  if (!st) return null;
  const conditioning = errorEstimate(sys, st);
  if (!Number.isFinite(conditioning)) return null;

  const lam = e1.layers(st.x1), nu = e2.layers(st.x2);
  const lamLayers = lam.map((v) => v.toNumber()), nuLayers = nu.map((v) => v.toNumber());
  const logAbs = (v: B) => (v.isZero() ? -Infinity : v.abs().ln().toNumber());
  const Lam = st.P1.toNumber(), N = st.P2.toNumber();
  // Residuals at the returned doubles, in decimals: the fit, the pairwise
  // invariants v_l^2 = x^2 + D_l, and the E1–E2 invariant (the clocks
  // re-evaluated at the rounded smallest layers), each relative to the sum
  // of the magnitudes of its terms.
  const LamB = big(Lam), NB = big(N), { w2, sq } = sys;
  const fit = LamB.div(nB).plus(w2.times(NB)).minus(sq).abs().div(LamB.abs().div(nB).plus(w2.times(NB.abs())).plus(sq)).toNumber();
  const xr1 = big(lamLayers[e1.m]), xr2 = big(nuLayers[e2.m]);
  let e1e2 = 0;
  if (!xr1.isZero() && !xr2.isZero()) {
    const r = evaluate(sys, xr1, xr2);
    e1e2 = r ? (r.s2.isZero() ? 0 : r.F2.abs().div(r.s2).toNumber()) : Infinity;
  }
  return {
    method: 'extended-precision', conditioning,
    logLam: logAbs(st.P1), logN: logAbs(st.P2),
    logLamLayers: lam.map(logAbs), logNuLayers: nu.map(logAbs), lamLayers, nuLayers,
    Lam, N, LamMinusN: st.P1.minus(st.P2).toNumber(),
    residuals: { fit, pairwise: Math.max(pairwiseAt(e1, lamLayers), pairwiseAt(e2, nuLayers)), e1e2 },
  };
}
