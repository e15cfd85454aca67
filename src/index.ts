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
export { observationGraph, type Connectivity } from './analysis/connectivity.js';
export { tangentKernel, kernelFactors, couplingIndex, DECOUPLED_BELOW, type CouplingIndex } from './analysis/coupling.js';
export { entryGroups } from './analysis/groups.js';
export { snapshot, logTimes, reconstructionError, type Snapshot } from './analysis/snapshot.js';
export { analyzeProblem, type Analysis } from './analysis/analyze.js';
export { symbolicOde, SYMBOLIC_LIMITS, type SymbolicOde } from './model/symbolic.js';
export { odex } from './ode/extrapolation.js';
export { gradientDescent } from './ode/gd.js';
export { rkc, stagesFor } from './ode/rkc.js';
export { autoSwitch } from './ode/auto.js';
export { run, runProblem, type RunResult, type RunOptions, type RunStatus, type TrajectoryPoint } from './experiments/run.js';
export { DEFAULT_SPEC } from './experiments/defaults.js';
export * from '../theorems/index.js';
export { checkSpec, type CheckReport } from '../theorems/check.js';
export { runSweep, parseSweep, expandCells, finishedCells, setPath, shiftSeeds, canonical, parseShard, cellResult, type SweepSpec, type SweepOptions, type Cell, type CellResult } from './experiments/sweep.js';
export { readResults, summarize, summaryCsv, SUMMARY_METRICS, type SummaryRow } from './experiments/summarize.js';
