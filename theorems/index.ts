// The theorem module's public API: the families, which one covers a spec,
// its limit and W(t), the block-diagonal limit sweep, and each family's own
// functions and types. Internals (the solver's routes in block/, the
// extended-precision code, test helpers such as blockIntegration.ts) are
// imported from their modules, not from here.

import { InputError } from '../src/model/errors.js';
import { buildProblem, type BuildOptions, type Problem } from '../src/model/problem.js';
import type { Spec } from '../src/model/spec.js';
import { requireDeepModel } from '../src/model/udv/spec.js';
import { blockDiagonal } from './blockDiagonal.js';
import { firstColumn } from './firstColumn.js';
import { trajectories } from './trajectories.js';
import type { TheoremAt, TheoremFamily, TheoremLimit } from './types.js';

export type { Applicability, TheoremAt, TheoremFamily, TheoremLimit } from './types.js';
export { EXACT_REL_TOL } from '../src/numeric/accuracy.js';
// Family A: block-diagonal observations.
export { blockDiagonal, blockApplies, blockLimit, blockCompareAt, blockMatrix, blockComponents, blockSpec } from './blockDiagonal.js';
export { solveBlockLimit } from './block/solve.js';
export { e3Product } from './block/rates.js';
export type { BlockParams, BlockSolution, ExactBlockSolution, BlockMethod } from './block/types.js';
export { limitSweep, toCsv, blockParams, DEFAULT_SWEEP, type LimitSweepTask, type LimitSweepOptions, type LimitSweepRow } from './sweep.js';
// Family B: the 2x2 first-column model.
export { firstColumn, firstColumnApplies, firstColumnLimit, firstColumnConserved, limitEta, limitXBeta, type FirstColumnParams, type FirstColumnConserved } from './firstColumn.js';
// Trajectories: the scalar depth-L flow and the aligned depth-2 flow.
export { trajectories, trajectoryApplies, trajectoryAt, trajectoryLimit, logistic, scalarDepthL, type TrajectoryParams } from './trajectories.js';
export { scalarFlow, type ScalarValue } from './scalarFlow.js';

// Families differ in their parameter types; the registry holds them side by side.
export const families: TheoremFamily<any>[] = [blockDiagonal, firstColumn, trajectories];

/** What a factored-model spec (udv/udu) is told by the theorem and analysis commands. */
export const THEOREMS_DEEP_ONLY = 'the theorem families and the coupling kernel cover';

export interface Covered {
  family: TheoremFamily<unknown>;
  params: unknown;
}

/** The first family whose hypotheses the problem meets, or the failed hypothesis of each. */
export function coveringTheorem(problem: Problem, withTrajectory = false): Covered | { reasons: string[] } {
  const reasons: string[] = [];
  for (const family of families) {
    if (withTrajectory && !family.at) continue;
    const a = family.applies(problem);
    if ('reason' in a) reasons.push(`${family.name}: ${a.reason}`);
    else return { family, params: a.params };
  }
  return { reasons };
}

/** The covering family, or an InputError naming the hypothesis each family fails. */
export function requireTheorem(problem: Problem, withTrajectory = false): Covered {
  const c = coveringTheorem(problem, withTrajectory);
  if ('reasons' in c) {
    throw new InputError('spec', `no theorem ${withTrajectory ? 'gives W(t) for' : 'covers'} it (${c.reasons.join('; ')})`);
  }
  return c;
}

/** The theorem's limit for a spec; InputError naming each family's failed hypothesis otherwise. */
export function theoremLimit(spec: Spec, options: BuildOptions = {}): TheoremLimit {
  requireDeepModel(spec, THEOREMS_DEEP_ONLY);
  const c = requireTheorem(buildProblem(spec, options));
  return c.family.limit(c.params);
}

/** W(t) from a family with closed-form trajectories. */
export function theoremAt(spec: Spec, t: number, options: BuildOptions = {}): { theorem: string; t: number } & TheoremAt {
  requireDeepModel(spec, THEOREMS_DEEP_ONLY);
  const c = requireTheorem(buildProblem(spec, options), true);
  // requireTheorem(…, true) only returns families that have `at`.
  const at = c.family.at!(c.params, t);
  return { theorem: c.family.name, t, status: at.status, matrix: at.matrix, ...(at.details ? { details: at.details } : {}) };
}
