// `dmflow analyze`: the coupling kernel, its verdict and the observation
// graph at t = 0, without integrating.

import { norm2, toRows } from '../linalg/dense.js';
import type { Problem } from '../model/problem.js';
import { observationGraph } from './connectivity.js';
import { couplingIndex, tangentKernel } from './coupling.js';
import { entryGroups } from './groups.js';

/** Kernels larger than this many entries are summarized, not printed. */
const PRINT_LIMIT = 4096;

export interface Analysis {
  observed: [number, number][];
  unobserved: [number, number][];
  connectivity: { connected: boolean; components: number; isolatedRows: number[]; isolatedColumns: number[]; groups: [number, number][][] };
  coupling: { index: number; decoupled: boolean; groups: number; verdict: string };
  /** K[p, q], p and q observed (rows and columns in the order of `observed`). */
  kernel: number[][] | { note: string; frobenius: number };
  /** K[p, q], p unobserved, q observed: how residuals drive the unobserved entries. */
  unobservedKernel: number[][] | { note: string; frobenius: number };
}

export function analyzeProblem(problem: Problem, y: Float64Array = problem.y0): Analysis {
  const { m, n, obsRows, obsCols, mask } = problem;
  const observed: [number, number][] = Array.from(obsRows, (i, p) => [i, obsCols[p]]);
  const unobserved: [number, number][] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) if (!mask[i * n + j]) unobserved.push([i, j]);
  const uRows = Int32Array.from(unobserved, (e) => e[0]);
  const uCols = Int32Array.from(unobserved, (e) => e[1]);
  const graph = observationGraph(m, n, obsRows, obsCols);
  const groupsOf = entryGroups(problem, graph);
  const c = couplingIndex(problem, y, groupsOf);
  const present = (K: Float64Array, r: number, cols: number) => {
    if (r * cols > PRINT_LIMIT) return { note: `${r}x${cols} kernel not printed (over ${PRINT_LIMIT} entries)`, frobenius: norm2(K) };
    return toRows(K, r, cols);
  };
  const groups: [number, number][][] = Array.from({ length: graph.groups }, () => []);
  observed.forEach((e, p) => groups[graph.entryGroup[p]].push(e));
  return {
    observed,
    unobserved,
    connectivity: { connected: graph.connected, components: graph.components, isolatedRows: graph.isolatedRows, isolatedColumns: graph.isolatedColumns, groups },
    coupling: {
      ...c,
      verdict: c.groups <= 1 ? 'one group: nothing to couple'
        : c.decoupled ? 'decoupled: no observed residual drives an entry of another group'
        : 'coupled: residuals in one group drive entries of another',
    },
    kernel: present(tangentKernel(problem, y, obsRows, obsCols, obsRows, obsCols), observed.length, observed.length),
    unobservedKernel: present(tangentKernel(problem, y, uRows, uCols, obsRows, obsCols), unobserved.length, observed.length),
  };
}
