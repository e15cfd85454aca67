// `dmflow analyze`: the coupling kernel's norms, its verdict and the
// observation graph at t = 0, without integrating. The kernels themselves
// (|Omega| x |Omega| and (mn - |Omega|) x |Omega|) are formed only on request.

import { toRows } from '../linalg/dense.js';
import type { Problem } from '../model/problem.js';
import { analyzeNeeds, checkMemory, checkPrintable } from '../model/resources.js';
import { observationGraph } from './connectivity.js';
import { DECOUPLED_BELOW, kernelNorms, tangentKernel, unobservedEntries } from './coupling.js';
import { entryGroups } from './groups.js';

export interface DenseKernels {
  /** The unobserved entries, in the row order of `unobservedKernel`. */
  unobserved: [number, number][];
  /** K[p, q], p and q observed (rows and columns in the order of `observed`). */
  kernel: number[][];
  /** K[p, q], p unobserved, q observed: how residuals drive the unobserved entries. */
  unobservedKernel: number[][];
}

export interface Analysis {
  observed: [number, number][];
  connectivity: { connected: boolean; components: number; isolatedRows: number[]; isolatedColumns: number[]; groups: [number, number][][] };
  coupling: { index: number; decoupled: boolean; groups: number; verdict: string };
  /** Frobenius norms of the observed kernel and of its part between groups. */
  kernel: { size: [number, number]; frobenius: number; offGroupFrobenius: number };
  /** Frobenius norm of the unobserved x observed kernel. */
  unobservedKernel: { size: [number, number]; frobenius: number };
  /** Parts summed entry by entry because the Gram-based sums cancelled (see coupling.ts). */
  summedEntryByEntry: string[];
  dense?: DenseKernels;
}

/** Entries of the dense kernels (observed and unobserved rows): what `dense: true` allocates, in float64s. */
export function denseKernelEntries(problem: Pick<Problem, 'm' | 'n' | 'obsRows'>): number {
  return problem.m * problem.n * problem.obsRows.length;
}

export function analyzeProblem(problem: Problem, y: Float64Array = problem.y0, options: { dense?: boolean } = {}): Analysis {
  const { m, n, obsRows, obsCols } = problem;
  checkMemory(analyzeNeeds({ m, n, depth: problem.depth, width: problem.dims[1] ?? m, widthGiven: problem.spec.width !== undefined }, obsRows.length, options.dense ?? false));
  if (options.dense) checkPrintable('--tangent-kernel', 'the dense kernels', 24 * m * n * obsRows.length);
  const observed: [number, number][] = Array.from(obsRows, (i, p) => [i, obsCols[p]]);
  const graph = observationGraph(m, n, obsRows, obsCols);
  const groupsOf = entryGroups(problem, graph);
  let groupCount = 0;
  for (const g of groupsOf) groupCount = Math.max(groupCount, g + 1);
  const norms = kernelNorms(problem, y, groupsOf);
  // The same index couplingIndex gives (it runs kernelNorms without the unobserved block).
  const index = groupCount > 1 && norms.observed > 0 ? norms.offGroup / norms.observed : 0;
  const decoupled = index < DECOUPLED_BELOW;
  const groups: [number, number][][] = Array.from({ length: graph.groups }, () => []);
  observed.forEach((e, p) => groups[graph.entryGroup[p]].push(e));
  const N = observed.length, U = m * n - N;
  const analysis: Analysis = {
    observed,
    connectivity: { connected: graph.connected, components: graph.components, isolatedRows: graph.isolatedRows, isolatedColumns: graph.isolatedColumns, groups },
    coupling: {
      index, decoupled, groups: groupCount,
      verdict: groupCount <= 1 ? 'one group: nothing to couple'
        : decoupled ? 'decoupled: no observed residual drives an entry of another group'
        : 'coupled: residuals in one group drive entries of another',
    },
    kernel: { size: [N, N], frobenius: norms.observed, offGroupFrobenius: norms.offGroup },
    unobservedKernel: { size: [U, N], frobenius: norms.unobserved },
    summedEntryByEntry: norms.exact,
  };
  if (options.dense) {
    const { rows, cols } = unobservedEntries(problem);
    analysis.dense = {
      unobserved: Array.from(rows, (i, k) => [i, cols[k]]),
      kernel: toRows(tangentKernel(problem, y, obsRows, obsCols, obsRows, obsCols), N, N),
      unobservedKernel: toRows(tangentKernel(problem, y, rows, cols, obsRows, obsCols), U, N),
    };
  }
  return analysis;
}
