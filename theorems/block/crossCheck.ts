// The block limit found as a root in the shared clock u (the original route):
// exact only at moderate scales and depths, since the clock sits near the
// escape time there. Kept as an independent cross-check of the exact routes
// in the tests (forceQuadrature: balanced layers by quadrature too).

import { increasingRoot } from '../../src/numeric/roots.js';
import { mode } from './mode.js';
import { QuadratureMode } from './quadratureMode.js';
import { withRates } from './rates.js';
import type { BlockParams, BlockSolution } from './types.js';

export function crossCheckBlockLimit(params: BlockParams, forceQuadrature = false): BlockSolution {
  const { d, n, q, s, a, b } = params;
  const e1 = new QuadratureMode(mode(a.map((al, l) => al + d * b[l])), forceQuadrature);
  const e2 = new QuadratureMode(mode(a), forceQuadrature);
  // (One block: E2 has dimension 0 and only E1 is solved.)
  // h(u) = Lam/n + N (1 - 1/n) - s q is increasing in the shared clock u.
  const h = (u: number): number => e1.product(e1.x(u)) / n + (n > 1 ? e2.product(e2.x(u)) * (1 - 1 / n) : 0) - s * q;
  const [lo1, hi1] = e1.uRange();
  const [lo2, hi2] = n > 1 ? e2.uRange() : [-Infinity, Infinity];
  const u = increasingRoot(h, Math.max(lo1, lo2), Math.min(hi1, hi2), 0);
  if (!Number.isFinite(u)) throw new RangeError('block-diagonal theorem: no root of Lam/n + N(1-1/n) = s q');
  const lam = e1.values(e1.x(u));
  const nu = n > 1 ? e2.values(e2.x(u)) : a.map(() => NaN);
  return withRates(params, lam, nu, lam.reduce((x, y) => x * y, 1), nu.reduce((x, y) => x * y, 1), u);
}
