// Loss and gradient of f(U, d, V) = 1/2 ||P_Omega(U diag(d) V^T - W*)||_F^2
// (udu: X = U diag(d) U^T), and the projection of -grad f on the tangent cone
// of the constraint set (Hou, Sra & Yurtsever 2025; docs/udv.md). Only the
// observed entries of X are formed: O(|Omega| k) per evaluation, no
// allocation after construction.

import { observedTargets } from '../field/types.js';
import { ballNorm2, type FactorProblem } from './problem.js';

export type FactorFieldProblem = Pick<FactorProblem, 'kind' | 'n' | 'k' | 'offU' | 'offD' | 'offV' | 'size' | 'target' | 'obsRows' | 'obsCols'>;

/** Returns a function writing grad f(x) into g and returning f(x). */
export function factorGradient(p: FactorFieldProblem): (x: Float64Array, g: Float64Array) => number {
  const { n, k, offU, offD, offV, obsRows, obsCols } = p;
  const tObs = observedTargets(p.target, n, obsRows, obsCols);
  const nObs = obsRows.length;
  return (x, g) => {
    g.fill(0, 0, p.size);
    let loss = 0;
    for (let q = 0; q < nObs; q++) {
      const ui = offU + obsRows[q] * k, vj = offV + obsCols[q] * k;
      let acc = 0;
      for (let c = 0; c < k; c++) acc += x[ui + c] * x[offD + c] * x[vj + c];
      const r = acc - tObs[q];
      loss += r * r;
      if (r === 0) continue;
      for (let c = 0; c < k; c++) {
        const dc = x[offD + c], u = x[ui + c], v = x[vj + c];
        g[ui + c] += r * dc * v;
        // udu: U appears twice in U D U^T (its V block is U itself).
        g[vj + c] += r * dc * u;
        g[offD + c] += r * u * v;
      }
    }
    return 0.5 * loss;
  };
}

/**
 * Projection of v on the tangent cone of the constraint set at x, in place:
 * for a ball with x on its sphere and v pointing outward, the radial part of v
 * is removed; for d_c = 0 (udu) with v_c < 0, v_c = 0. `onSphere` decides
 * which balls count as on their sphere (exactly, or to a tolerance).
 */
export function tangentConeProject(
  p: Pick<FactorProblem, 'balls' | 'radius' | 'nonnegativeD' | 'offD' | 'k'>,
  x: Float64Array,
  v: Float64Array,
  onSphereTol = 0,
): void {
  const r2 = p.radius * p.radius;
  for (const b of p.balls) {
    const nx = ballNorm2(x, b);
    if (nx < r2 * (1 - onSphereTol)) continue;
    let radial = 0;
    for (let i = 0, q = b.start; i < b.count; i++, q += b.stride) radial += v[q] * x[q];
    if (radial <= 0) continue;
    const s = radial / nx;
    for (let i = 0, q = b.start; i < b.count; i++, q += b.stride) v[q] -= s * x[q];
  }
  if (p.nonnegativeD) for (let c = 0; c < p.k; c++) if (x[p.offD + c] <= 0 && v[p.offD + c] < 0) v[p.offD + c] = 0;
}
