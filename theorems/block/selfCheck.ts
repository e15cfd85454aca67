// The block limit's self-check (theorems/blockDiagonal.md, "Self-check"):
// residuals of the defining equations at the returned values, each relative
// and formed from sums of positive terms, and the status they give.

import { EXACT_REL_TOL, MIN_NORMAL } from '../../src/numeric/accuracy.js';
import { pairResidual } from './layers.js';
import { mode } from './mode.js';
import { QuadratureMode } from './quadratureMode.js';
import type { BlockSelfCheck, BlockSolution } from './types.js';

/**
 * The fit Lam/n + N(1 - 1/n) = s q, the pairwise invariants
 * v_l^2 = v_min^2 + D_l, the E1–E2 invariant and, on per-layer routes, the
 * conditioning estimate: 'exact' when all are <= EXACT_REL_TOL.
 */
export function blockSelfCheck(sol: BlockSolution): BlockSelfCheck {
  const { params: p } = sol;
  let res: { fit: number; pairwise: number; e1e2: number };
  if (sol.exact) res = sol.exact.residuals;
  else {
    const lam0 = p.a.map((al, l) => al + p.d * p.b[l]);
    const e1 = new QuadratureMode(mode(lam0)), e2 = new QuadratureMode(mode(p.a));
    const two = p.n > 1;
    const u1 = e1.u(sol.lam[e1.min]), u2 = two ? e2.u(sol.nu[e2.min]) : u1;
    res = {
      fit: Math.abs(sol.Lam / p.n + (two ? sol.N * (1 - 1 / p.n) : 0) - p.s * p.q) / (p.s * p.q),
      pairwise: Math.max(pairResidual(sol.lam, lam0), two ? pairResidual(sol.nu, p.a) : 0),
      e1e2: u1 === u2 ? 0 : Math.abs(u1 - u2) / Math.max(Math.abs(u1), Math.abs(u2)),
    };
  }
  // Per-layer routes also estimate how well the derived mode is conditioned (conditioning.ts).
  const conditioning = sol.exact?.conditioning ?? 0;
  const max = Math.max(res.fit, res.pairwise, res.e1e2, conditioning);
  const unrepresentable: string[] = [];
  if (!(Math.abs(sol.Lam) >= MIN_NORMAL && Number.isFinite(sol.Lam))) unrepresentable.push('Lam');
  if (p.n > 1 && !(Math.abs(sol.N) >= MIN_NORMAL && Number.isFinite(sol.N))) unrepresentable.push('N');
  return {
    status: max <= EXACT_REL_TOL && Number.isFinite(max) ? 'exact' : 'inexact',
    selfCheck: { ...res, ...(sol.exact?.conditioning !== undefined ? { conditioning } : {}), max, tolerance: EXACT_REL_TOL },
    unrepresentable,
  };
}
