// What a researcher looks at along a trajectory: loss, spectrum, effective
// rank, nuclear norm, and how well the unobserved entries are recovered.

import type { Problem } from '../model/problem.js';
import { endToEnd, lossOf } from '../model/product.js';
import { normRatio, scaledNorm } from './norms.js';
import { effectiveRank, nuclearNorm, singularValues } from './spectrum.js';

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
  // Both norms over the unobserved entries, each formed on scaled values (norms.ts).
  const { mask, target } = problem;
  const den = (i: number) => (mask[i] ? 0 : target[i]);
  if (!(scaledNorm(W.length, den) > 0)) return null;
  return normRatio(W.length, (i) => (mask[i] ? 0 : W[i] - target[i]), den);
}

export function snapshot(problem: Problem, t: number, y: Float64Array): Snapshot {
  const W = endToEnd(problem, y);
  const sigma = singularValues(W, problem.m, problem.n);
  return {
    t,
    loss: lossOf(problem, W),
    singularValues: sigma,
    effectiveRank: effectiveRank(sigma),
    nuclearNorm: nuclearNorm(sigma),
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
