// Where the 50-digit per-layer reference starts its root search. It is taken
// from the production solution, which the reference only uses as a start
// (it brackets its own root), so the reference stays independent of the route
// it checks. Shared by test/theoremReference.test.ts and
// bench/theoremPerLayerScan.ts.

import { solveBlockLimit, type BlockParams } from '../../src/index.js';

/**
 * The reference's unknown for a per-layer instance: log|x| of the mode with the
 * smaller share of the fit (its product may be far below the double range),
 * with its sign, from the production solution: a starting point only, the
 * reference brackets its own root.
 */
export function perLayerGuess(p: BlockParams): { free: 'E1' | 'E2'; sign: number; logAbsX: number } {
  const sol = solveBlockLimit(p);
  const ex = sol.exact;
  if (!ex) throw new Error(`no exact solution for ${JSON.stringify(p)}`);
  const freeE1 = sol.Lam / p.n < (1 - 1 / p.n) * sol.N;
  const v0 = freeE1 ? p.a.map((x, l) => x + p.d * p.b[l]) : p.a;
  const layers = freeE1 ? ex.lamLayers : ex.nuLayers, logs = freeE1 ? ex.logLamLayers : ex.logNuLayers;
  // The smallest layer; among layers tied at it in doubles (1 + d b_l with b_l
  // 1e-14 apart) the one nearest zero, which is the 50-digit smallest and may
  // have crossed zero while its twin has not (seed 19 draw 973 of the scan).
  const vMin = Math.min(...v0);
  let m = -1;
  v0.forEach((v, l) => { if (v === vMin && (m < 0 || logs[l] < logs[m])) m = l; });
  return { free: freeE1 ? 'E1' : 'E2', sign: layers[m] < 0 ? -1 : 1, logAbsX: logs[m] };
}
