// dmflow's public API, every name listed (docs/library.md has one line per
// group). Internals are imported from their modules, not from here.

// Integrators: solveIvp and its methods, their options, steppers, the ensemble lanes.
export { solveIvp, integrators, type IntegratorName, type SolveIvpOptions } from './ode/solve.js';
export type { Rhs, SolveOptions, SolveResult, SolveStatus, Integrator, EventSpec, SolveState, CheckpointHook, Jvp } from './ode/types.js';
export type { Dopri5Options, RkcOptions, AutoOptions, GdOptions, OdexOptions, StiffnessTestOptions, SpectralOptions } from './ode/types.js';
export { SolverOptionError } from './ode/errors.js';
export { solveOptionsFromSpec, type SolverFields, type SolveExtras } from './experiments/solveOptions.js';
export { dopri5, Dopri5Stepper } from './ode/dopri5.js';
export { rkc, RkcStepper } from './ode/rkc.js';
export { autoSwitch } from './ode/auto.js';
export { gradientDescent } from './ode/gd.js';
export { odex } from './ode/extrapolation.js';
export type { Stepper, StepOutcome } from './ode/stepper.js';
export { DEFAULT_MAX_EVALS, DEFAULT_MAX_STEPS } from './ode/stepper.js';
export { LanczosRadius, type LanczosResult } from './ode/lanczos.js';
export { solveSwitched, type SwitchedSystem, type SwitchedOptions, type SwitchedResult } from './ode/switched.js';
export { runEnsemble, ensembleJob, type BatchRhs, type EnsembleJob, type EnsembleEnd, type EnsembleOptions } from './ode/ensemble.js';
export { arenstorf } from './ode/referenceProblems.js';

// Specs and problems.
export { InputError } from './model/errors.js';
export { Rng } from './model/random.js';
export { parseSpec, parseSpecText, specSchema, parseGlrlSpec, glrlSpecSchema, type Spec, type SpecInput, type ParsedSpec, type DeepReadonly, type GlrlSpec, type ParsedGlrlSpec, type GlrlOptions } from './model/spec.js';
export { buildProblem, makeTarget, makeMask, makeInit, observedEntries, type Problem, type BuildOptions } from './model/problem.js';
export { DEFAULT_SPEC } from './experiments/defaults.js';
export { endToEnd, loss, lossOf, layer } from './model/product.js';
export { toRows, matmul } from './linalg/dense.js';

// The vector field: its code paths and the compute kernels (native, wasm, js).
export { gradientField, fieldImplOf, forcedKernel, BLAS_FROM_SIDE, WASM_FROM_SIDE } from './model/field/dispatch.js';
export { KERNEL_NAMES, type KernelName, type GradientField, type FieldProblem, type FieldImpl, type HessianVector } from './model/field/types.js';
export { typescriptField } from './model/field/typescriptField.js';
export { unrolledField } from './model/field/unrolledField.js';
export { blasField } from './model/field/blasField.js';
export { wasmField } from './model/field/wasmField.js';
export { symmetricField, type SymmetricProblem } from './model/field/symmetricField.js';
export { ensembleField, type EnsembleField } from './model/field/ensembleField.js';
export { hessianVector } from './model/field/hessianVector.js';
export { gemmLoops, type Gemm } from './linalg/gemm.js';
export { nativeBlas, type NativeBlas } from './linalg/native.js';
export { wasmModule, WasmArena } from './linalg/wasm.js';
export { symbolicOde, SYMBOLIC_LIMITS, type SymbolicOde } from './model/symbolic.js';

// Runs: one spec, many in ensemble lanes, their loss tolerance and verification.
export { run, runProblem, type RunOptions } from './experiments/run.js';
export type { RunResult, RunStatus, PlateauEvidence, TrajectoryPoint, FlowTotals } from './experiments/runResult.js';
export type { RunProgress } from './experiments/runStopRule.js';
export { runProblems, runStream, ensembleEligible, ensembleEnabled, ENSEMBLE_LANES, type StreamStats } from './experiments/ensembleRun.js';
export { lossTolerance, lossFloorEstimate, targetEnergy, suggestedTolerances, DEFAULT_LOSS_REL_TOL, type LossTolerance, type PlateauVerdict, type PlateauKind } from './experiments/stopRules.js';
export { verificationThreshold, relativeDistance, VERIFY_FACTOR, VERIFY_MARGIN, type Verification, type VerificationSkipped } from './experiments/verify.js';
export { checkSpec, checkRun, checkSolver, type CheckReport, type CheckComparison, type CheckOptions } from './experiments/check.js';

// Analysis of a state or a run.
export { singularValues, effectiveRank, topSingularPair, topEigenpair } from './analysis/spectrum.js';
export { nuclearNormCompletion, type NuclearNormCompletion, type NuclearNormOptions } from './analysis/nuclearNorm.js';
export { detectSaddles, rankAt, type Saddles, type SaddleSegment, type RankStep, type SaddleOptions, type TrajectorySample } from './analysis/saddles.js';
export { balanceInvariants, invariantDrift } from './analysis/invariants.js';
export { observationGraph, type Connectivity } from './analysis/connectivity.js';
export { tangentKernel, kernelFactors, kernelNorms, couplingIndex, unobservedEntries, DECOUPLED_BELOW, type CouplingIndex, type KernelNorms } from './analysis/coupling.js';
export { entryGroups } from './analysis/groups.js';
export { snapshot, logTimes, reconstructionError, type Snapshot } from './analysis/snapshot.js';
export { analyzeProblem, type Analysis } from './analysis/analyze.js';

// The theorem families (theorems/index.ts): which covers a spec, its limit and W(t).
export {
  EXACT_REL_TOL, families, coveringTheorem, requireTheorem, theoremLimit, theoremAt,
  type Applicability, type TheoremAt, type TheoremFamily, type TheoremLimit, type Covered,
} from '../theorems/index.js';
// Family A: block-diagonal observations, and the limit sweep of Figures 2 and 5.
export {
  blockDiagonal, blockApplies, blockLimit, blockCompareAt, blockMatrix, blockComponents, blockSpec, solveBlockLimit,
  limitSweep, toCsv, blockParams, DEFAULT_SWEEP,
  type BlockParams, type BlockSolution, type ExactBlockSolution, type BlockMethod, type LimitSweepTask, type LimitSweepOptions, type LimitSweepRow,
} from '../theorems/index.js';
// The block family's reduced flow integrated until E1 and E2 fit (the Figures 2 and 5 notebook draws it beside the limits).
export { integrateBlockToFit, type BlockIntegration } from '../theorems/blockIntegration.js';
// Family B: the 2x2 first-column model; and the closed-form trajectories.
export {
  firstColumn, firstColumnApplies, firstColumnLimit, firstColumnConserved, limitEta, limitXBeta, type FirstColumnParams, type FirstColumnConserved,
  trajectories, trajectoryApplies, trajectoryAt, trajectoryLimit, logistic, scalarDepthL, type TrajectoryParams, scalarFlow, type ScalarValue,
} from '../theorems/index.js';

// Sweeps, their results files, shards, merges and summaries.
export { runSweep, parseSweep, expandCells, setPath, shiftSeeds, canonical, parseShard, shardFromEnv, cellResult, type SweepSpec, type SweepFile, type TrialSeeds, type SweepOptions, type SweepSummary, type Cell, type CellResult } from './experiments/sweep.js';
export { resultsHeader, sweepHash, parseHeader, parseResultLine, forEachResult, RESULTS_FORMAT, type ResultsHeader, type ResultLine } from './experiments/resultsFile.js';
export { mergeShards, type MergeSummary } from './experiments/merge.js';
export { readResults, summarize, summarizeFile, summaryCsv, SUMMARY_METRICS, type SummaryRow } from './experiments/summarize.js';

// Conjectures.
export { checkConjecture, parseConjecture, conjectureSchema, type ConjectureOptions, type ConjectureReport, type ConjectureStatus, type ClaimScope, type ConjectureFile, type ParsedConjecture } from './experiments/conjecture.js';
export type { Generated, GeneratorOf } from './experiments/generators.js';
export { relerr, rank } from './experiments/conjectureExpr.js';

// Greedy Low-Rank Learning and its comparisons.
export { glrl, type GlrlResult, type GlrlStage, type GlrlStatus } from './experiments/glrl.js';
export { GLRL_EXAMPLES, glrlExample } from './experiments/glrlExamples.js';
export { compareWithGlrl, compareWithNuclearNorm, type GlrlComparison, type GlrlDistance, type CompareOptions, type NuclearNormComparison } from './experiments/glrlCompare.js';

// The UDV^T / UDU^T model.
export { parseFactorSpec, factorSpecSchema, modelKind, requireDeepModel, FACTOR_MODELS, type FactorSpec, type ParsedFactorSpec, type FactorModel, type FactorModelKind } from './model/udv/spec.js';
export { buildFactorProblem, projectOnConstraints, ballNorm2, type FactorProblem, type Ball } from './model/udv/problem.js';
export { factorGradient, tangentConeProject } from './model/udv/field.js';
export { factorFlow, type FactorFlow } from './model/udv/flow.js';
export { factorSingularValues } from './model/udv/spectrum.js';
export { runFactor, runFactorProblem, factorMatrix, constraintExcess, projectedFieldNorm, type FactorRunResult, type FactorRunOptions, type FactorRunStatus, type ConstraintRecord } from './experiments/factorRun.js';

// Figures.
export { renderSvg, saveSvg, renderPng } from './plot/svg.js';
export { runFigure } from './plot/runFigure.js';
export { sweepFigure, type SweepFigureOptions } from './plot/sweepFigure.js';
