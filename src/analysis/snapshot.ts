// What a researcher looks at along a trajectory: loss, spectrum, effective
// rank, nuclear norm, and how well the unobserved entries are recovered.

import type { Problem } from '../model/problem.js';
import { endToEnd, lossOf } from '../model/product.js';
import { effectiveRank, singularValues } from './spectrum.js';

export interface Snapshot {
  t: number;
  loss: number;
  singularValues: number[];
  effectiveRank: number;
  nuclearNorm: number;
  /** ||P_{Omega^c}(W - W*)||_F / ||P_{Omega^c}(W*)||_F; null when nothing is unobserved or W* vanishes there. */
  reconstructionError: number | null;
}

export function reconstructionError(problem: Pick<Problem, 'mask' | 'target'>, W: ArrayLike<number>): number | null {
  let num = 0, den = 0;
  for (let i = 0; i < W.length; i++) {
    if (problem.mask[i]) continue;
    num += (W[i] - problem.target[i]) ** 2;
    den += problem.target[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : null;
}

export function snapshot(problem: Problem, t: number, y: Float64Array): Snapshot {
  const W = endToEnd(problem, y);
  const sigma = singularValues(W, problem.m, problem.n);
  return {
    t,
    loss: lossOf(problem, W),
    singularValues: sigma,
    effectiveRank: effectiveRank(sigma),
    nuclearNorm: sigma.reduce((a, b) => a + b, 0),
    reconstructionError: reconstructionError(problem, W),
  };
}

/** n log-spaced times ending at T (the first at T / 1e6). */
export function logTimes(T: number, count: number): number[] {
  if (count <= 0 || !(T > 0)) return [];
  if (count === 1) return [T];
  const lo = Math.log10(T) - 6;
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? T : 10 ** (lo + (6 * i) / (count - 1))));
}
