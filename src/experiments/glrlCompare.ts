// How close gradient flow from a Gaussian initialization of scale std comes to
// GLRL's output, by depth and scale: the equivalence of Li, Luo & Lyu (2021)
// at depth 2 as std -> 0, and (their section 6) its weaker dependence on the
// scale at depth >= 3.

import { glrl, type GlrlResult } from './glrl.js';
import { run } from './run.js';
import type { RunStatus } from './runResult.js';
import { nuclearNormCompletion } from '../analysis/nuclearNorm.js';
import { normRatio, scaledNorm } from '../analysis/norms.js';
import { toRows } from '../linalg/dense.js';
import { makeMask, makeTarget } from '../model/problem.js';
import { parseGlrlSpec, type GlrlOptions, type GlrlSpec } from '../model/spec.js';

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


/** GLRL on a spec, then the flow at every depth and std (spec's solver settings, depth and init replaced). */
export function compareWithGlrl(input: GlrlSpec, options: CompareOptions): GlrlComparison {
  const spec = parseGlrlSpec(input);
  const tol = options.tol ?? 1e-2;
  const g = glrl(input, options.glrl);
  const gm = g.matrix.flat();
  // Norms formed on scaled values (norms.ts); relative to a zero GLRL output, the distance itself (as relerr).
  const scale = scaledNorm(gm.length, (i) => gm[i]);
  const { glrl: _g, depth: _d, init: _i, ...problem } = spec;
  const rows: GlrlDistance[] = [];
  for (const depth of options.depths) {
    for (const std of options.stds) {
      const r = run({ ...problem, depth, init: { kind: 'gaussian', std, seed: options.seed ?? 0 } });
      const w = r.matrix.flat();
      const diff = (i: number) => w[i] - gm[i];
      const distance = scaledNorm(w.length, diff);
      rows.push({ depth, std, status: r.status, distance, relative: scale > 0 ? normRatio(w.length, diff, (i) => gm[i]) : distance, effectiveRank: r.effectiveRank });
    }
  }
  const greedyUpTo = options.depths.map((depth) => {
    const ok = rows.filter((r) => r.depth === depth && r.relative <= tol).map((r) => r.std);
    return { depth, std: ok.length ? Math.max(...ok) : null };
  });
  return { glrl: g, rows, greedyUpTo };
}

export interface NuclearNormComparison {
  nuclearNorm: number;
  lowerBound: number;
  gap: number;
  converged: boolean;
  iterations: number;
  /** The minimum-nuclear-norm completion, as rows. */
  matrix: number[][];
  /** ||W_GLRL - W_nuclear||_F. */
  distance: number;
}

/** The certified minimum-nuclear-norm completion of a spec's observations, and its distance to GLRL's output. */
export function compareWithNuclearNorm(input: GlrlSpec, g: GlrlResult): NuclearNormComparison {
  const spec = parseGlrlSpec(input);
  const { m, n, values } = makeTarget(spec.target);
  const nn = nuclearNormCompletion(values, makeMask(spec.observed, m, n), m, n);
  const gm = g.matrix.flat();
  return {
    nuclearNorm: nn.nuclearNorm, lowerBound: nn.lowerBound, gap: nn.gap, converged: nn.converged, iterations: nn.iterations,
    matrix: toRows(nn.matrix, m, n), distance: scaledNorm(nn.matrix.length, (i) => gm[i] - nn.matrix[i]),
  };
}
