// Which group each observed entry belongs to, for the coupling index: the
// spec's explicit "groups", or the components of the observation graph.

import { InputError } from '../model/errors.js';
import type { Problem } from '../model/problem.js';
import { observationGraph, type Connectivity } from './connectivity.js';

/** `graph`: the problem's observation graph, when the caller has it already. */
export function entryGroups(problem: Problem, graph?: Connectivity): Int32Array {
  const groups = problem.spec.groups;
  if (!groups) return (graph ?? observationGraph(problem.m, problem.n, problem.obsRows, problem.obsCols)).entryGroup;
  const label = new Int32Array(problem.m * problem.n).fill(-1);
  groups.forEach((g, k) => g.forEach(([i, j], e) => {
    const field = `spec.groups[${k}][${e}]`;
    if (i >= problem.m || j >= problem.n) throw new InputError(field, `expected an entry inside the ${problem.m}x${problem.n} target, got [${i}, ${j}]`);
    if (!problem.mask[i * problem.n + j]) throw new InputError(field, `expected an observed entry, got unobserved [${i}, ${j}]`);
    if (label[i * problem.n + j] >= 0) throw new InputError(field, `expected each observed entry in one group only, got [${i}, ${j}] twice`);
    label[i * problem.n + j] = k;
  }));
  const out = new Int32Array(problem.obsRows.length);
  for (let p = 0; p < out.length; p++) {
    const v = label[problem.obsRows[p] * problem.n + problem.obsCols[p]];
    if (v < 0) throw new InputError('spec.groups', `expected a partition of the observed entries, missing [${problem.obsRows[p]}, ${problem.obsCols[p]}]`);
    out[p] = v;
  }
  return out;
}
