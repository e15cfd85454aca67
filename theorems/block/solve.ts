// The block-diagonal limit on E1 and E2 (family A, theorems/blockDiagonal.md):
// which route solves an instance, and the limit with its rates.
//
// Routes, each a module reading one BlockContext: one block (oneBlock.ts),
// closed forms for depth 1 and balanced layers (closedForm.ts), per-layer
// depth 2 (depth2.ts), per-layer depth >= 3 by tails or the elapsed clock
// (tails.ts, clock.ts), with their error estimates (conditioning.ts); where
// an estimate or a residual exceeds EXACT_MARGIN, the same equations in
// extended precision (precise.ts).

import { EXACT_MARGIN } from '../../src/numeric/accuracy.js';
import { solveBalanced, solveBalancedDepth2, solveDepth1 } from './closedForm.js';
import { blockContext } from './context.js';
import { solveDepth2 } from './depth2.js';
import { layersFromProducts } from './layers.js';
import { solveOneBlock } from './oneBlock.js';
import { refineBlockLimit } from './precise.js';
import { withRates } from './rates.js';
import { solvePerLayer } from './tails.js';
import type { BlockInput, BlockParams, BlockSolution, ExactBlockSolution } from './types.js';

/**
 * The limit on E1 and E2, exact to EXACT_REL_TOL where its self-check says
 * so; null when a route finds no root (not met over the tested domain).
 */
export function solveE1E2(p: BlockInput): ExactBlockSolution | null {
  const c = blockContext(p);
  // One block: E2 has dimension n - 1 = 0 and the fit involves E1 alone.
  if (c.n === 1) return solveOneBlock(c);
  if (c.L === 1) return solveDepth1(c);
  if (c.balanced && c.L >= 3) return solveBalanced(c);
  if (c.balanced && c.L === 2) return solveBalancedDepth2(c);
  const perLayer = c.L === 2 ? solveDepth2(c) : solvePerLayer(c);
  if (!perLayer) return perLayer;
  if (c.L >= 3) layersFromProducts(c, perLayer);
  // Where doubles cannot pin the values (the estimate or a residual above
  // EXACT_MARGIN), the same equations in 45 digits, kept when their own
  // estimate is the better one.
  const worst = Math.max(perLayer.conditioning ?? 0, perLayer.residuals.fit, perLayer.residuals.pairwise, perLayer.residuals.e1e2);
  if (worst <= EXACT_MARGIN) return perLayer;
  const precise = refineBlockLimit(c, perLayer);
  return precise && precise.conditioning! < worst ? precise : perLayer;
}

/**
 * The block limit with its layers and rates. Where no route finds a root the
 * values are NaN: the self-check says 'inexact' and `dmflow limit` refuses
 * to print them (exit 2). The clock-root cross-check (crossCheck.ts) is no
 * fallback: where the exact routes fail it is slow and wrong.
 */
export function solveBlockLimit(params: BlockParams): BlockSolution {
  const exact = solveE1E2(params);
  if (exact) return withRates(params, exact.lamLayers, exact.nuLayers, exact.Lam, exact.N, NaN, exact);
  const nan = params.a.map(() => NaN);
  return withRates(params, nan, nan, NaN, NaN, NaN);
}
