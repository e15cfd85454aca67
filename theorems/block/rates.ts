// The rates at which a block-diagonal flow reaches its limit, and the exact
// E3 trajectory (theorems/blockDiagonal.md, "Rates").

import { MIN_NORMAL } from '../../src/numeric/accuracy.js';
import { integrate } from '../../src/numeric/quadrature.js';
import { increasingRoot } from '../../src/numeric/roots.js';
import { mode } from './mode.js';
import { QuadratureMode } from './quadratureMode.js';
import type { BlockParams, BlockSolution, ExactBlockSolution } from './types.js';

/** The solution with its E1/E2 rate, E3's limit layers and E3's decay law. */
export function withRates(params: BlockParams, lam: number[], nu: number[], Lam: number, N: number, u: number, exact?: ExactBlockSolution): BlockSolution {
  const { d, n, a } = params;
  const L = a.length;
  // (Each layer's term is the product of the others squared: where the layer
  // left the double range its log carries it, as it does the product's.)
  const logLam = exact?.logLamLayers ?? lam.map((v) => Math.log(Math.abs(v)));
  const logNu = exact?.logNuLayers ?? nu.map((v) => Math.log(Math.abs(v)));
  let rate = 0;
  for (let l = 0; l < L; l++) {
    rate += othersSquared(Lam, lam, logLam, l) / n;
    if (n > 1) rate += othersSquared(N, nu, logNu, l) * (1 - 1 / n);
  }
  // E3 (mu_l = a_l initially) is fitted to zero on its own: the layers tied
  // at the smallest a_l go to 0, the others to sqrt(a_l^2 - min^2).
  const e3mode = new QuadratureMode(mode(a));
  const tied = e3mode.delta.filter((dl) => dl === 0).length;
  const mu = e3mode.values(0);
  let e3: BlockSolution['e3'];
  if (d === n) e3 = { kind: 'absent' };
  else if (tied === 1) e3 = { kind: 'exponential', rate: e3mode.delta.reduce((x, dl, l) => (l === e3mode.min ? x : x * dl), 1) };
  else e3 = { kind: 'polynomial', power: tied / (2 * tied - 2) };
  return { params, Lam, N, lam, nu, mu, u, rateE1E2: rate, e3, ...(exact ? { exact } : {}) };
}

/**
 * (P / v_l)^2, the product of the other layers squared: directly where v_l is
 * a normal double, else from the logs of the other layers (a layer below the
 * double range, stored as 0 or a subnormal, would give 0/0).
 */
function othersSquared(P: number, v: number[], logs: number[], l: number): number {
  if (Math.abs(v[l]) >= MIN_NORMAL) return (P / v[l]) ** 2;
  let acc = 0;
  for (let k = 0; k < logs.length; k++) if (k !== l) acc += logs[k];
  return Math.exp(2 * acc);
}

/**
 * The E3 product M(t) = prod mu_l(t), exactly: x = mu_min obeys
 * dx/dt = -x prod_{k != min} (x^2 + delta_k), so t(x) = int_x^{x0} dz / (z psi(z)).
 */
export function e3Product(params: BlockParams, t: number): number {
  const e3 = new QuadratureMode(mode(params.a));
  const L = e3.L;
  if (e3.balanced) {
    const x = L === 1 ? e3.x0 * Math.exp(-t) : Math.pow(Math.pow(e3.x0, 2 - 2 * L) + (2 * L - 2) * t, 1 / (2 - 2 * L));
    return Math.pow(x, L);
  }
  const psi = (z: number) => e3.delta.reduce((p, dl, l) => (l === e3.min ? p : p * (z * z + dl)), 1);
  const time = (x: number) => integrate((z) => 1 / (z * psi(z)), x, e3.x0);
  // time(x) decreases in x on (0, x0]: find x with time(x) = t.
  if (t === 0) return e3.product(e3.x0);
  const lx = increasingRoot((lz) => t - time(Math.exp(lz)), -745, Math.log(e3.x0), Math.log(e3.x0) - 1);
  return e3.product(Math.exp(lx));
}
