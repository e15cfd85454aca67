// Classical closed-form trajectories (statement and derivation:
// trajectories.md): the scalar depth-L balanced flow and the fully observed,
// spectrally aligned, balanced depth-2 flow (Saxe, McClelland & Ganguli 2014).

import { Matrix, SVD } from 'ml-matrix';
import { balanceInvariants } from '../src/analysis/invariants.js';
import { singularValues } from '../src/analysis/spectrum.js';
import type { Problem } from '../src/model/problem.js';
import { endToEnd } from '../src/model/product.js';
import { HYPOTHESIS_REL_TOL } from '../src/numeric/accuracy.js';
import { logAddExp } from '../src/numeric/logMath.js';
import { balancedLayer, scalarFlow } from './scalarFlow.js';
import type { Applicability, TheoremAt, TheoremFamily, TheoremLimit } from './types.js';

/**
 * Depth-2 balanced scalar: x = u v, u = v, obeys dx/dt = -2 x (x - s), so
 * x = s x0 / (x0 (1 - e^(-2st)) + s e^(-2st)): the denominator as a sum of
 * non-negative terms, in logs (no cancellation for x0 > s, no subnormal
 * e^(-2st) next to a tiny x0).
 */
export function logistic(s: number, x0: number, t: number): number {
  if (x0 === 0) return 0;
  if (s === 0) return x0 / (1 + 2 * x0 * t);
  if (t === 0) return x0;
  const lden = logAddExp(Math.log(x0) + Math.log(-Math.expm1(-2 * s * t)), Math.log(s) - 2 * s * t);
  return Math.exp(Math.log(s) + Math.log(x0) - lden);
}

/** Scalar depth-L balanced flow, x0 = w0^L: x(t) (scalarFlow.ts has the exact route and its condition number). */
export function scalarDepthL(L: number, s: number, x0: number, t: number): number {
  return scalarFlow(L, s, Math.pow(x0, 1 / L), t).x;
}

export type TrajectoryParams =
  | { kind: 'scalar'; depth: number; s: number; x0: number; /** |w_l|, the balanced layer value (x0 = layer^L). */ layer: number }
  | { kind: 'aligned'; m: number; n: number; U: Matrix; V: Matrix; sigma: number[]; x0: number[] };

export function trajectoryApplies(p: Problem): Applicability<TrajectoryParams> {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (!p.mask.every((v) => v === 1)) return fail('target must be fully observed');
  const drift = balanceInvariants(p, p.y0).reduce((w, C) => Math.max(w, C.reduce((x, c) => Math.max(x, Math.abs(c)), 0)), 0);
  const scale = p.y0.reduce((x, v) => Math.max(x, Math.abs(v)), 0) ** 2;
  // Relative to the layers' own scale: an absolute tolerance would call any tiny init balanced.
  if (drift > HYPOTHESIS_REL_TOL * scale) return fail('init must be balanced (W_{l+1}^T W_{l+1} = W_l W_l^T for every l)');
  if (p.m === 1 && p.n === 1 && p.dims.every((d) => d === 1)) {
    const s = p.target[0];
    const x0 = endToEnd(p, p.y0)[0];
    if (!(s > 0)) return fail(`scalar target s must be > 0, got ${s}`);
    if (!(x0 > 0)) return fail(`scalar init product x0 must be > 0, got ${x0}`);
    const layer = balancedLayer(Array.from(p.y0));
    return { ok: true, params: { kind: 'scalar', depth: p.depth, s, x0: Math.exp(p.depth * Math.log(layer)), layer } };
  }
  if (p.depth !== 2) return fail(`matrix trajectories need depth 2 (spectrally aligned init), got depth ${p.depth}`);
  const { m, n } = p;
  const T = new Matrix(m, n), W0 = new Matrix(m, n);
  const w0 = endToEnd(p, p.y0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { T.set(i, j, p.target[i * n + j]); W0.set(i, j, w0[i * n + j]); }
  const svd = new SVD(T, { autoTranspose: true });
  const U = svd.leftSingularVectors, V = svd.rightSingularVectors;
  const sigma = svd.diagonal;
  const k = Math.min(m, n);
  for (let i = 1; i < k; i++) {
    if (Math.abs(sigma[i - 1] - sigma[i]) <= 1e-9 * Math.max(1, sigma[0])) {
      return fail('target singular values must be distinct (a repeated value leaves the aligned basis ambiguous)');
    }
  }
  // Modes x_i(0) = u_i^T W(0) v_i; W(0) must equal sum x_i(0) u_i v_i^T.
  const Uk = U.subMatrix(0, m - 1, 0, k - 1), Vk = V.subMatrix(0, n - 1, 0, k - 1);
  const x0 = Array.from({ length: k }, (_, i) => Uk.getColumnVector(i).transpose().mmul(W0).mmul(Vk.getColumnVector(i)).get(0, 0));
  const rebuilt = Uk.mmul(Matrix.diag(x0)).mmul(Vk.transpose());
  if (Matrix.sub(W0, rebuilt).norm('frobenius') > 1e-10 * Math.max(1e-300, W0.norm('frobenius'))) {
    return fail('init must be spectrally aligned with the target (W(0) = U diag(x0) V^T in the target\'s singular basis)');
  }
  if (x0.some((v) => v < 0)) return fail('init modes u_i^T W(0) v_i must be >= 0');
  return { ok: true, params: { kind: 'aligned', m, n, U: Uk, V: Vk, sigma: sigma.slice(0, k), x0 } };
}

/** W(t) of a trajectory family, with how exactly the double inputs determine it. */
export function trajectoryAt(params: TrajectoryParams, t: number): TheoremAt {
  if (params.kind === 'scalar') {
    const r = scalarFlow(params.depth, params.s, params.layer, t);
    return {
      matrix: [[r.x]], status: r.status,
      details: {
        x: r.x, conditionNumber: r.cond, ...(r.method ? { method: r.method } : {}),
        ...(r.status === 'inexact' ? { note: `x(t) moves by ${r.cond.toExponential(2)} x the last-bit rounding of t, s or the init: the double inputs fix it only to ~${(r.cond * Number.EPSILON).toExponential(1)} relative` } : {}),
      },
    };
  }
  const { U, V, sigma, x0 } = params;
  const modes = sigma.map((s, i) => (x0[i] === 0 ? 0 : logistic(s, x0[i], t)));
  return { matrix: U.mmul(Matrix.diag(modes)).mmul(V.transpose()).to2DArray(), status: 'exact', details: { modes } };
}

export function trajectoryLimit(params: TrajectoryParams): TheoremLimit {
  if (params.kind === 'scalar') {
    return {
      theorem: 'scalar-balanced', status: 'exact', matrix: [[params.s]], singularValues: [params.s], zeroLoss: true,
      details: { depth: params.depth, s: params.s, x0: params.x0, law: params.depth === 2 ? 'x(t) = s x0 / (x0 + (s - x0) e^(-2 s t))' : 'dx/dt = -L x^(2-2/L) (x - s), t(x) in closed form up to one smooth quadrature (trajectories.md)' },
    };
  }
  // Each mode tends to sigma_i if it starts positive; a mode at 0 stays at 0.
  const { U, V, sigma, x0 } = params;
  const lim = sigma.map((s, i) => (x0[i] > 0 ? s : 0));
  const W = U.mmul(Matrix.diag(lim)).mmul(V.transpose()).to2DArray();
  return {
    theorem: 'aligned-depth-2', status: 'exact', matrix: W, singularValues: singularValues(W.flat(), params.m, params.n),
    zeroLoss: lim.every((v, i) => v === sigma[i]),
    details: { modes: sigma.map((s, i) => ({ sigma: s, x0: x0[i], limit: lim[i] })), law: 'each mode x_i(t) = s_i x0 / (x0 + (s_i - x0) e^(-2 s_i t))' },
  };
}

export const trajectories: TheoremFamily<TrajectoryParams> = {
  name: 'trajectories',
  applies: trajectoryApplies,
  limit: trajectoryLimit,
  at: trajectoryAt,
};
