// dmflow's public API for browsers (package.json "browser" export condition:
// dist/browser/dmflow.js, bundled by scripts/buildWeb.mjs with no Node
// built-in). The numerical core of index.ts, the same modules: the files
// that touch Node have a browser variant beside them (foo.browser.ts for
// foo.ts, substituted at bundle time), and what needs files, processes or
// threads (results files, locks, merges, the sweep's thread pool, the
// conjecture search, SVG files) is left out; sweep cells and summaries are
// here without their files (cells.ts, summary.ts).

export { solveIvp, integrators, type IntegratorName, type SolveIvpOptions } from './ode/solve.js';
export { dopri5 } from './ode/dopri5.js';
export type { Rhs, SolveOptions, SolveResult, SolveStatus, Integrator, EventSpec, SolveState, CheckpointHook, Jvp } from './ode/types.js';
export type { Stepper, StepOutcome } from './ode/stepper.js';
export { DEFAULT_MAX_EVALS, DEFAULT_MAX_STEPS } from './ode/stepper.js';
export { Dopri5Stepper } from './ode/dopri5.js';
export { runEnsemble, type BatchRhs, type EnsembleJob, type EnsembleEnd, type EnsembleOptions } from './ode/ensemble.js';
export { RkcStepper } from './ode/rkc.js';
export { InputError } from './model/errors.js';
export { SolverOptionError } from './ode/errors.js';
export { Rng } from './model/random.js';
export { parseSpec, parseSpecText, specSchema, parseGlrlSpec, glrlSpecSchema, type Spec, type SpecInput, type GlrlSpec, type GlrlOptions } from './model/spec.js';
export { buildProblem, makeTarget, makeMask, makeInit, observedEntries, type Problem, type BuildOptions } from './model/problem.js';
export { gradientField, forcedKernel, BLAS_FROM_SIDE, WASM_FROM_SIDE } from './model/field/dispatch.js';
export { typescriptField } from './model/field/typescriptField.js';
export { KERNEL_NAMES, type KernelName, type GradientField, type FieldProblem, type FieldImpl, type HessianVector } from './model/field/types.js';
export { wasmField } from './model/field/wasmField.js';
export { wasmModule, WasmArena } from './linalg/wasm.js';
export { blasField } from './model/field/blasField.js';
export { unrolledField } from './model/field/unrolledField.js';
export { symmetricField, type SymmetricProblem } from './model/field/symmetricField.js';
export { hessianVector } from './model/field/hessianVector.js';
export { gemmLoops, type Gemm } from './linalg/gemm.js';
export { ensembleField, type EnsembleField } from './model/field/ensembleField.js';
export { endToEnd, loss, lossOf, layer } from './model/product.js';
export { singularValues, effectiveRank, topSingularPair, topEigenpair } from './analysis/spectrum.js';
export { nuclearNormCompletion, type NuclearNormCompletion, type NuclearNormOptions } from './analysis/nuclearNorm.js';
export { detectSaddles, rankAt, type Saddles, type SaddleSegment, type RankStep, type SaddleOptions, type TrajectorySample } from './analysis/saddles.js';
export { balanceInvariants, invariantDrift } from './analysis/invariants.js';
export { observationGraph, type Connectivity } from './analysis/connectivity.js';
export { tangentKernel, kernelFactors, kernelNorms, couplingIndex, unobservedEntries, DECOUPLED_BELOW, type CouplingIndex, type KernelNorms } from './analysis/coupling.js';
export { entryGroups } from './analysis/groups.js';
export { snapshot, logTimes, reconstructionError, type Snapshot } from './analysis/snapshot.js';
export { analyzeProblem, type Analysis } from './analysis/analyze.js';
export { symbolicOde, SYMBOLIC_LIMITS, type SymbolicOde } from './model/symbolic.js';
export { odex } from './ode/extrapolation.js';
export { gradientDescent } from './ode/gd.js';
export { rkc } from './ode/rkc.js';
export { autoSwitch } from './ode/auto.js';
export { LanczosRadius, type LanczosResult } from './ode/lanczos.js';
export { run, runProblem, type RunOptions } from './experiments/run.js';
export type { RunResult, RunStatus, PlateauEvidence, TrajectoryPoint, FlowTotals } from './experiments/runResult.js';
export type { RunProgress } from './experiments/runStopRule.js';
export { runProblems, runStream, ensembleEligible, ensembleEnabled, ENSEMBLE_LANES, type StreamStats } from './experiments/ensembleRun.js';
export { lossTolerance, lossFloorEstimate, targetEnergy, suggestedTolerances, DEFAULT_LOSS_REL_TOL, type LossTolerance, type PlateauVerdict, type PlateauKind } from './experiments/stopRules.js';
export { DEFAULT_SPEC } from './experiments/defaults.js';
export { glrl, type GlrlResult, type GlrlStage, type GlrlStatus } from './experiments/glrl.js';
export { GLRL_EXAMPLES, glrlExample } from './experiments/glrlExamples.js';
export { compareWithGlrl, compareWithNuclearNorm, type GlrlComparison, type GlrlDistance, type CompareOptions, type NuclearNormComparison } from './experiments/glrlCompare.js';
// The theorem families (theorems/index.ts): which covers a spec, its limit and W(t).
export {
  EXACT_REL_TOL, families, coveringTheorem, requireTheorem, theoremLimit, theoremAt,
  type Applicability, type TheoremAt, type TheoremFamily, type TheoremLimit, type Covered,
} from '../theorems/index.js';
// Family A: block-diagonal observations.
export {
  blockDiagonal, blockApplies, blockLimit, blockCompareAt, blockMatrix, blockComponents, blockSpec, solveBlockLimit,
  limitSweep, toCsv, blockParams, DEFAULT_SWEEP,
  type BlockParams, type BlockSolution, type ExactBlockSolution, type BlockMethod, type LimitSweepTask, type LimitSweepOptions, type LimitSweepRow,
} from '../theorems/index.js';
// Family B: the 2x2 first-column model; closed-form trajectories.
export {
  firstColumn, firstColumnApplies, firstColumnLimit, firstColumnConserved, limitEta, limitXBeta, type FirstColumnParams, type FirstColumnConserved,
  trajectories, trajectoryApplies, trajectoryAt, trajectoryLimit, logistic, scalarDepthL, type TrajectoryParams, scalarFlow, type ScalarValue,
} from '../theorems/index.js';
export { checkSpec, checkRun, type CheckReport } from './experiments/check.js';
export { relerr, rank } from './experiments/conjectureExpr.js';
export { toRows, matmul } from './linalg/dense.js';
export { arenstorf } from './ode/referenceProblems.js';
export { parseFactorSpec, factorSpecSchema, modelKind, requireDeepModel, FACTOR_MODELS, type FactorSpec, type FactorModel, type FactorModelKind } from './model/udv/spec.js';
export { buildFactorProblem, projectOnConstraints, ballNorm2, type FactorProblem, type Ball } from './model/udv/problem.js';
export { factorGradient, tangentConeProject } from './model/udv/field.js';
export { factorFlow, type FactorFlow } from './model/udv/flow.js';
export { factorSingularValues } from './model/udv/spectrum.js';
export { solveSwitched, type SwitchedSystem, type SwitchedOptions, type SwitchedResult } from './ode/switched.js';
export { runFactor, runFactorProblem, factorMatrix, constraintExcess, projectedFieldNorm, type FactorRunResult, type FactorRunOptions, type FactorRunStatus, type ConstraintRecord } from './experiments/factorRun.js';
export { runFigure } from './plot/runFigure.js';
export { sweepFigure, type SweepFigureOptions } from './plot/sweepFigure.js';
export { parseSweep, expandCells, setPath, shiftSeeds, cellResult, computeCells, sweepSchema, type SweepSpec, type Cell, type CellResult } from './experiments/cells.js';
export { canonical } from './experiments/canonical.js';
export { summarize, summaryCsv, SUMMARY_METRICS, type SummaryRow } from './experiments/summary.js';
export { wasmLoadError } from './linalg/wasm.js';
export { fieldImplOf } from './model/field/dispatch.js';
export { formatJson } from './cli/format.js';
export { withTitles } from './plot/svgTitles.js';
export type { ResultLine } from './experiments/resultsFile.js';
