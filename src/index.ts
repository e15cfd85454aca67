// dmflow public API.

export { solveIvp, integrators, type IntegratorName, type SolveIvpOptions } from './ode/solve.js';
export { dopri5 } from './ode/dopri5.js';
export type { Rhs, SolveOptions, SolveResult, SolveStatus, Integrator } from './ode/types.js';
export { InputError } from './model/errors.js';
export { Rng } from './model/random.js';
export { parseSpec, parseSpecText, specSchema, type Spec, type SpecInput } from './model/spec.js';
export { buildProblem, makeTarget, makeMask, makeInit, type Problem, type BuildOptions } from './model/problem.js';
export { gradientField, type GradientField } from './model/vectorField.js';
export { endToEnd, loss, lossOf, layer } from './model/product.js';
export { singularValues, effectiveRank } from './analysis/spectrum.js';
export { balanceInvariants, invariantDrift } from './analysis/invariants.js';
export { run, runProblem, type RunResult, type RunOptions, type RunStatus, type TrajectoryPoint } from './experiments/run.js';
export { DEFAULT_SPEC } from './experiments/defaults.js';
export * from '../theorems/index.js';
export { checkSpec, type CheckReport } from '../theorems/check.js';
