// The per-layer block limit at depth 2 (theorems/blockDiagonal.md, "Domain
// and exact numerics"): in the clock u the sum of the two layers grows like
// e^u in each mode (d(v1 + v2)/du = v1 + v2), so (lam_1 + lam_2)/(nu_1 + nu_2)
// is the E1–E2 invariant and the layers are closed forms in u; the fit is
// one increasing equation in u. The formulas hold for signed layers (a large
// init shrinking a layer past zero).

import { relDiff } from '../../src/numeric/accuracy.js';
import { ddAdd, ddDiff, ddMul, type DD } from '../../src/numeric/logMath.js';
import { brent } from '../../src/numeric/roots.js';
import { fitResidual, pack, type BlockContext } from './context.js';
import { pairResidual } from './layers.js';
import { mode } from './mode.js';
import type { ExactBlockSolution } from './types.js';

/** A depth-2 mode: the smaller layer's index and initial value, the initial layer sum S0 and D = v_big^2 - v_small^2 (from double-doubles). */
interface Depth2Mode { small: number; S0: number; vs: number; D: number }

function depth2Mode(v0: number[], lo: number[]): Depth2Mode {
  const small = mode(v0, lo).m;
  const vs = v0[small];
  return { small, S0: v0[0] + v0[1], vs, D: ddDiff(v0[1 - small], lo[1 - small], vs, lo[small]) * (v0[1 - small] + vs) };
}

/**
 * The layers at clock u: with P = S0 e^u, v_small = (S0 expm1(2u) + 2 v_small(0)) e^(-u) / 2
 * while growing (u >= 0: a sum of positive terms), (P^2 - D)/(2P) while
 * shrinking (which cancels only as the layer itself goes to 0), and
 * v_big = (P^2 + D) / (2P).
 */
function depth2Layers(md: Depth2Mode, u: number): number[] {
  const eu = Math.exp(u), P = md.S0 * eu;
  const v2 = u >= 0 ? 0.5 * (md.S0 * Math.expm1(2 * u) + 2 * md.vs) / eu : (P - md.D / P) / 2;
  const v1 = (P * P + md.D) / (2 * P);
  return md.small === 0 ? [v2, v1] : [v1, v2];
}

/**
 * The re-solve's parametrization by mode A's small layer y (mode A exact:
 * v_big = sqrt(y^2 + D_A), e^u = (y + v_big) / S0_A), mode B from its layer
 * sum P_B = k (y + big_A), k = S0_B / S0_A, with its small layer as
 * (P_B^2 - D_B) / (2 P_B) = (2 k^2 y (y + big_A) + K) / (2 P_B),
 * K = k^2 D_A - D_B = S0_B (S0_B d_A - S0_A d_B) / S0_A (d = big - small at
 * the init), formed in double-double: no cancellation when B also ends near zero.
 */
interface SmallLayerParam { aIsE1: boolean; sA: number; DA: number; sB: number; k: number; K: number; DB: number }

function smallLayerParam(vA0: number[], loA: number[], vB0: number[], loB: number[], aIsE1: boolean): SmallLayerParam {
  const sA = mode(vA0, loA).m, sB = mode(vB0, loB).m;
  const DA = ddDiff(vA0[1 - sA], loA[1 - sA], vA0[sA], loA[sA]) * (vA0[1 - sA] + vA0[sA]);
  const dd = (v: number[], lo: number[], i: number): DD => [v[i], lo[i]];
  const neg = (x: DD): DD => [-x[0], -x[1]];
  const S0Add = ddAdd(dd(vA0, loA, 0), dd(vA0, loA, 1)), S0Bdd = ddAdd(dd(vB0, loB, 0), dd(vB0, loB, 1));
  const dAdd = ddAdd(dd(vA0, loA, 1 - sA), neg(dd(vA0, loA, sA))), dBdd = ddAdd(dd(vB0, loB, 1 - sB), neg(dd(vB0, loB, sB)));
  const inner = ddAdd(ddMul(S0Bdd, dAdd), neg(ddMul(S0Add, dBdd)));
  return {
    aIsE1, sA, DA, sB,
    K: (S0Bdd[0] * (inner[0] + inner[1])) / S0Add[0],
    k: S0Bdd[0] / S0Add[0],
    DB: (dBdd[0] + dBdd[1]) * S0Bdd[0],
  };
}

/** [E1 layers, E2 layers] at mode A's small layer y. */
function smallLayerLayers(pr: SmallLayerParam, y: number): [number[], number[]] {
  const big = Math.sqrt(y * y + pr.DA);
  const a = pr.sA === 0 ? [y, big] : [big, y];
  const sumA = y + big, P = pr.k * sumA;
  const small = (2 * pr.k * pr.k * y * sumA + pr.K) / (2 * P), bigB = (P * P + pr.DB) / (2 * P);
  const b = pr.sB === 0 ? [small, bigB] : [bigB, small];
  return pr.aIsE1 ? [a, b] : [b, a];
}

/** How the limit's layers depend on the variable its root was found in: the clock u, or a small layer y. */
type Depth2Param = { kind: 'clock'; e1: Depth2Mode; e2: Depth2Mode } | { kind: 'small-layer'; pr: SmallLayerParam };

/** [E1 layers, E2 layers] at the root variable x. */
function depth2LayersAt(param: Depth2Param, x: number): [number[], number[]] {
  return param.kind === 'clock' ? [depth2Layers(param.e1, x), depth2Layers(param.e2, x)] : smallLayerLayers(param.pr, x);
}

function depth2Products(param: Depth2Param, x: number): [number, number] {
  const [l, v] = depth2LayersAt(param, x);
  return [l[0] * l[1], v[0] * v[1]];
}

/** The fit at the root variable x. */
function depth2Fit(c: BlockContext, param: Depth2Param, x: number): number {
  const [l, v] = depth2LayersAt(param, x);
  return (l[0] * l[1]) / c.n + c.w2 * v[0] * v[1] - c.sq;
}

export function solveDepth2(c: BlockContext): ExactBlockSolution | null {
  const a = [...c.p.a];
  const clock: Depth2Param = { kind: 'clock', e1: depth2Mode(c.lam0, c.lam0lo), e2: depth2Mode(a, [0, 0]) };
  const F = (u: number) => depth2Fit(c, clock, u);
  // F increases in u; bracket by doubling steps.
  let lo = 0, hi = 0;
  if (F(0) < 0) { hi = 1; while (F(hi) < 0) { lo = hi; hi *= 2; if (hi > 2000) return null; } }
  else { lo = -1; while (F(lo) > 0) { hi = lo; lo *= 2; if (lo < -2000) return null; } }
  let root = brent(F, lo, hi, 1e-300);
  let [lam, nu] = depth2LayersAt(clock, root);
  let param: Depth2Param = clock;
  if (![...lam, ...nu].every(Number.isFinite)) return null;
  // A layer that ends near zero comes out of (P - D/P)/2 with a relative
  // error ~ eps P / |v|: re-solve with that layer itself as the unknown.
  const nearZero = (v: number[]) => Math.min(Math.abs(v[0]), Math.abs(v[1])) / (Math.abs(v[0]) + Math.abs(v[1]));
  if (Math.min(nearZero(lam), nearZero(nu)) < 0.1) {
    const aIsE1 = nearZero(lam) <= nearZero(nu);
    const pr = aIsE1 ? smallLayerParam(c.lam0, c.lam0lo, a, [0, 0], true) : smallLayerParam(a, [0, 0], c.lam0, c.lam0lo, false);
    const y = solveSmallLayer(c, pr, (aIsE1 ? lam : nu)[pr.sA], aIsE1 ? lam : nu);
    if (y !== null) {
      const [l, v] = smallLayerLayers(pr, y);
      if ([...l, ...v].every(Number.isFinite)) { [lam, nu] = [l, v]; param = { kind: 'small-layer', pr }; root = y; }
    }
  }
  const e1e2 = relDiff((lam[0] + lam[1]) * (a[0] + a[1]), (nu[0] + nu[1]) * (c.lam0[0] + c.lam0[1]));
  const pair = Math.max(pairResidual(lam, c.lam0, c.lam0lo), pairResidual(nu, a));
  const sol = pack('closed-form', lam, nu, fitResidual(c, lam[0] * lam[1], nu[0] * nu[1]), pair, e1e2);
  sol.conditioning = depth2Conditioning(c, param, root, sol.Lam, sol.N);
  return sol;
}

/** The root y of the fit near y0 (mode A's small layer at the clock root), or null without a sign change. */
function solveSmallLayer(c: BlockContext, pr: SmallLayerParam, y0: number, layersA: number[]): number | null {
  const param: Depth2Param = { kind: 'small-layer', pr };
  const G = (y: number) => depth2Fit(c, param, y);
  // (y0 may be 0 or a rounding of the large layer: start at eps of that scale, not at 1e-300.)
  const scaleA = Math.max(...layersA.map(Math.abs));
  let delta = 1e-8 * Math.max(Math.abs(y0), Number.EPSILON * scaleA, 1e-300) + 1e-300, ylo = y0 - delta, yhi = y0 + delta;
  for (let i = 0; i < 200 && G(ylo) > 0; i++) { delta *= 4; ylo = y0 - delta; }
  for (let i = 0; i < 200 && G(yhi) < 0; i++) { delta *= 4; yhi = y0 + delta; }
  return G(ylo) <= 0 && G(yhi) >= 0 ? brent(G, ylo, yhi, 0) : null;
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
function depth2Conditioning(c: BlockContext, param: Depth2Param, x: number, Lam: number, N: number): number {
  const { n, w2, sq } = c;
  const h = 1e-6 * Math.max(Math.abs(x), 1e-300);
  const [lp, np] = depth2Products(param, x + h), [lm, nm] = depth2Products(param, x - h);
  const dLam = (lp - lm) / (2 * h), dN = (np - nm) / (2 * h);
  const dF = Math.abs(dLam / n + w2 * dN);
  if (!(dF > 0) || !Number.isFinite(dF)) return 0;
  const dx = (Number.EPSILON * (Math.abs(Lam) / n + w2 * Math.abs(N) + sq)) / dF;
  return Math.max(relChange(dLam, Lam, dx), relChange(dN, N, dx));
}

/** The relative change of P when x moves by dx (0 for P = 0 or an unknown slope). */
function relChange(dP: number, P: number, dx: number): number {
  return P !== 0 && Number.isFinite(dP) ? (Math.abs(dP) * dx) / Math.abs(P) : 0;
}
