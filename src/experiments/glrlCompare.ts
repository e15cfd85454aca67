// How close gradient flow from a Gaussian initialization of scale std comes to
// GLRL's output, by depth and scale: the equivalence of Li, Luo & Lyu (2021)
// at depth 2 as std -> 0, and (their section 6) its weaker dependence on the
// scale at depth >= 3.

import { glrl, type GlrlResult } from './glrl.js';
import { run, type RunStatus } from './run.js';
import { parseGlrlSpec, type GlrlOptions } from '../model/spec.js';

export interface GlrlDistance {
  depth: number;
  std: number;
  status: RunStatus;
  /** ||W_flow(end) - W_GLRL||_F. */
  distance: number;
  /** distance / ||W_GLRL||_F. */
  relative: number;
  effectiveRank: number;
}

export interface GlrlComparison {
  glrl: GlrlResult;
  rows: GlrlDistance[];
  /** Per depth: the largest std whose relative distance is at most `tol` (null: none). */
  greedyUpTo: { depth: number; std: number | null }[];
}

export interface CompareOptions {
  depths: number[];
  stds: number[];
  /** Seed of the Gaussian initializations. */
  seed?: number;
  /** Relative distance counted as "the greedy solution" (default 1e-2). */
  tol?: number;
  glrl?: Partial<GlrlOptions>;
}

function frobenius(A: number[][], B?: number[][]): number {
  let s = 0;
  A.forEach((row, i) => row.forEach((x, j) => { s += (x - (B ? B[i][j] : 0)) ** 2; }));
  return Math.sqrt(s);
}

/** GLRL on a spec, then the flow at every depth and std (spec's solver settings, depth and init replaced). */
export function compareWithGlrl(input: unknown, options: CompareOptions): GlrlComparison {
  const spec = parseGlrlSpec(input);
  const tol = options.tol ?? 1e-2;
  const g = glrl(input, options.glrl);
  const scale = frobenius(g.matrix);
  const { glrl: _g, depth: _d, init: _i, ...problem } = spec;
  const rows: GlrlDistance[] = [];
  for (const depth of options.depths) {
    for (const std of options.stds) {
      const r = run({ ...problem, depth, init: { kind: 'gaussian', std, seed: options.seed ?? 0 } });
      const distance = frobenius(r.matrix, g.matrix);
      rows.push({ depth, std, status: r.status, distance, relative: distance / scale, effectiveRank: r.effectiveRank });
    }
  }
  const greedyUpTo = options.depths.map((depth) => {
    const ok = rows.filter((r) => r.depth === depth && r.relative <= tol).map((r) => r.std);
    return { depth, std: ok.length ? Math.max(...ok) : null };
  });
  return { glrl: g, rows, greedyUpTo };
}
