// Integrate a block-diagonal instance until its E1/E2 residual g is
// negligible (a test helper: test/theorems.test.ts). With q > 1 the E3 part decays only polynomially, so a stop on
// the loss would wait for E3; g (dg/dt = -kappa g, never changing sign) says
// when the exponentially converging eigenspaces have arrived.

import { buildProblem } from '../src/model/problem.js';
import { endToEnd } from '../src/model/product.js';
import { gradientField } from '../src/model/field/dispatch.js';
import { solveIvp } from '../src/ode/solve.js';
import { blockComponents, blockSpec } from './blockDiagonal.js';
import type { BlockParams } from './block/types.js';

export interface BlockIntegration {
  status: string;
  t: number;
  nfev: number;
  /** Components of W(t) on E1, E2, E3. */
  Lam: number;
  N: number;
  M: number;
  W: Float64Array;
}

export function integrateBlockToFit(p: BlockParams, options: { rtol?: number; atol?: number; gTol?: number; tMax?: number } = {}): BlockIntegration {
  const prob = buildProblem(blockSpec(p));
  const fit = p.s * p.q;
  const gTol = (options.gTol ?? 1e-12) * fit;
  const stop = (_t: number, y: Float64Array) => {
    const c = blockComponents(p, endToEnd(prob, y));
    return Math.abs(c.Lam / p.n + (p.n > 1 ? c.N * (1 - 1 / p.n) : 0) - fit) < gTol;
  };
  const sol = solveIvp(gradientField(prob).rhs, [0, options.tMax ?? 1e8], prob.y0, { rtol: options.rtol ?? 1e-12, atol: options.atol ?? 1e-14, stop });
  const W = endToEnd(prob, sol.y);
  return { status: sol.status, t: sol.t, nfev: sol.nfev, ...blockComponents(p, W), W };
}
