// The result of a run: its types, the analysis of the state it ended in
// (runResult), its status (runStatus) and its message: one table of texts by
// status (RUN_MESSAGES), with the notes a budget, a stiff step or a save time
// add.

import { observationGraph } from '../analysis/connectivity.js';
import { couplingIndex, DECOUPLED_BELOW } from '../analysis/coupling.js';
import { entryGroups } from '../analysis/groups.js';
import { balanceInvariants, invariantDrift } from '../analysis/invariants.js';
import { detectSaddles, type Saddles } from '../analysis/saddles.js';
import { reconstructionError, snapshot, type Snapshot } from '../analysis/snapshot.js';
import { effectiveRank, singularValues } from '../analysis/spectrum.js';
import { norm2, toRows } from '../linalg/dense.js';
import type { GradientField, KernelName } from '../model/field/types.js';
import type { Problem } from '../model/problem.js';
import { endToEnd, lossOf } from '../model/product.js';
import type { SolverSpec } from '../model/spec.js';
import type { SolveResult, SolveStatus } from '../ode/types.js';
import type { MinimumEvidence, SaddleEvidence } from './plateauClass.js';
import { divergeLimit, FUTURE, lossFloorEstimate, suggestedTolerances, tolText, type LossTolerance, type PlateauVerdict } from './stopRules.js';
import type { Verification, VerificationSkipped } from './verify.js';

export type RunStatus =
  | 'converged' | 't-max' | 'max-steps' | 'max-evals' | 'diverged' | 'stiff' | 'step-too-small'
  | 'integration-floor' | 'saddle' | 'slow-decay' | 'time-limit';

/** Why a plateau ended the run (statuses integration-floor, saddle, slow-decay, and a minimum found by the Hessian). */
export interface PlateauEvidence extends PlateauVerdict {
  /** For an integration floor: the rtol and atol that would bring the floor down to lossTol. */
  suggestedRtol?: number;
  suggestedAtol?: number;
  /** For a saddle: what makes it one, and why the flow stays. */
  saddle?: SaddleEvidence;
}

/** The plateau rules a warning can come from. */
export type WarningRule = 'saddle' | 'slow-decay' | 'integration-floor' | 'stiff';

/**
 * A rule whose pattern held without the evidence it needs to end the run: the
 * run went on. The first time, with what was seen; count: how many of the
 * watch's records (or stiffness detections) showed it.
 */
export interface RunWarning {
  rule: WarningRule;
  t: number;
  loss: number;
  count: number;
  message: string;
}

export interface TrajectoryPoint {
  t: number;
  loss: number;
  singularValues: number[];
}

/** Where an integration ended and what it cost (run results, GLRL results and stages). */
export interface FlowTotals {
  t: number;
  loss: number;
  gradNorm: number;
  nfev: number;
  steps: number;
  rejected: number;
}

export interface RunResult extends FlowTotals {
  status: RunStatus;
  message: string;
  /** The loss tolerance the run aimed at (absolute), and where it came from. */
  lossTol: number;
  lossTolSource: LossTolerance['source'];
  /** loss / scale, scale = 1/2 ||P_Omega(W*)||^2 (the initial loss when that is 0). */
  lossRel: number;
  /** The loss the integration tolerance resolves at the end state (estimate; see stopRules.ts). */
  lossFloor: number;
  /** The evidence behind a plateau status (and behind a minimum found by the Hessian). */
  plateau?: PlateauEvidence;
  /**
   * Status converged above lossTol: the run sits at a minimum of the model as
   * its width constrains it, and this says which test proved it.
   */
  minimum?: MinimumEvidence;
  /**
   * Set when the run converged before its last save time (save.times,
   * --save-times): the time it converged. It then integrated on to that save
   * time, so t, the loss and W are the state there (docs/runs.md, "Save times").
   */
  convergedAt?: number;
  /** Plateau rules whose pattern held without the evidence to end the run (docs/runs.md, "Stop rules"). */
  warnings: RunWarning[];
  /** Which vector-field kernel ran: the native OpenBLAS binding, WebAssembly SIMD, or TypeScript (DMFLOW_KERNEL forces one). */
  kernel: KernelName;
  matrix: number[][];
  singularValues: number[];
  effectiveRank: number;
  /** Relative error on the unobserved entries (null when all are observed). */
  reconstructionError: number | null;
  invariantDrift: number;
  /** Coupling index of the observed-entry kernel: max over saved times, samples and the end. */
  coupling: { index: number; decoupled: boolean; groups: number };
  connectivity: { connected: boolean; components: number };
  trajectory?: TrajectoryPoint[];
  /** Log-spaced analysis samples (save.samples / --samples). */
  samples?: Snapshot[];
  /** Plateaus and rank steps found in the samples (saddle-to-saddle dynamics). */
  saddles?: Saddles;
  layers?: number[][][];
  /** With options.verify: the run repeated at rtol/100, atol/100 and the distance between the two end states (verify.ts). */
  verification?: Verification | VerificationSkipped;
  /** With options.verify (not for method gd): whether the end state moved by more than the tolerances explain (verification.message says why). */
  sensitive?: boolean;
}


/** One integration (the run, or the samples pass) as it ended: the solver's result and the stop rule's verdict. */
export interface PassResult {
  sol: SolveResult;
  outcome: RunStatus | null;
  /** The plateau verdict that ended it, if one did. */
  evidence: PlateauEvidence | null;
  /** A minimum of the constrained model that ended it (status converged). */
  minimum?: MinimumEvidence;
  warnings?: RunWarning[];
  /** The loss's power-law trend over its last decade of t (for the message of budget-ended runs). */
  trend: PlateauVerdict | null;
  /** When it converged before the last save time and integrated on to it: the time it converged. */
  convergedAt?: number;
}

/** What runResult analyses: a run's problem, field and tolerance, and how its integrations ended. */
export interface RunResultInput {
  problem: Problem;
  field: GradientField;
  tol: LossTolerance;
  /** The first pass as it ended. */
  first: PassResult;
  /** The samples pass's solution, when there are samples (default none). */
  sampled?: SolveResult | null;
  /** The save times, for the trajectory (default none). */
  times?: number[];
  /** Include the factors W_1..W_L (also when the spec's save.layers asks). */
  saveLayers?: boolean;
  /** The wall-clock budget the run had, for the time-limit message. */
  maxWallTime?: number;
  /** The checkpoint a run the clock stopped was saved in (default none). */
  checkpointPath?: string | null;
}

/**
 * A run's result from its integrations: the first pass (and the samples pass,
 * if any) as they ended, analysed. The ensemble lanes (ensembleRun.ts) end
 * here too, with the SolveResult a lane produced.
 */
export function runResult(input: RunResultInput): RunResult {
  const { problem, field, tol, first, sampled = null, times = [] } = input;
  const s = problem.spec.solver;
  const sol = first.sol;
  // A run that converged and integrated on towards its last save time has converged, whatever budget ended that
  // stretch; the wall clock ends it as time-limit (the state reached, resumable from a checkpoint).
  const status = first.convergedAt !== undefined && first.outcome !== 'time-limit' ? 'converged' : runStatus(sol.status, first.outcome);
  const W = endToEnd(problem, sol.y);
  const loss = lossOf(problem, W);
  const dy = new Float64Array(sol.y.length);
  field.rhs(sol.t, sol.y, dy);
  const sigma = singularValues(W, problem.m, problem.n);
  const c0 = balanceInvariants(problem, problem.y0);
  const graph = observationGraph(problem.m, problem.n, problem.obsRows, problem.obsCols);
  const groupsOf = entryGroups(problem, graph);
  const minimum = status === 'converged' ? first.minimum : undefined;
  const plateau = plateauEvidence(first.evidence, status, s.rtol, s.atol, tol.abs, minimum);
  const result: RunResult = {
    status,
    message: runMessage({
      status, sol, solver: s, divergeAt: divergeLimit(problem), tol, plateau, minimum, loss, first, times,
      maxWallTime: input.maxWallTime, checkpoint: input.checkpointPath ?? null,
    }),
    kernel: field.kernel,
    t: sol.t,
    loss,
    lossTol: tol.abs,
    lossTolSource: tol.source,
    lossRel: tol.scale > 0 ? loss / tol.scale : 0,
    lossFloor: lossFloorEstimate(problem, sol.y, s.rtol, s.atol),
    plateau,
    ...(minimum ? { minimum } : {}),
    ...(first.convergedAt !== undefined ? { convergedAt: first.convergedAt } : {}),
    warnings: first.warnings ?? [],
    gradNorm: norm2(dy),
    nfev: sol.nfev,
    steps: sol.naccept,
    rejected: sol.nreject,
    matrix: toRows(W, problem.m, problem.n),
    singularValues: sigma,
    effectiveRank: effectiveRank(sigma),
    reconstructionError: reconstructionError(problem, W),
    invariantDrift: invariantDrift(c0, balanceInvariants(problem, sol.y)),
    coupling: { index: 0, decoupled: true, groups: 0 },
    connectivity: { connected: graph.connected, components: graph.components },
  };
  // Coupling: the largest index over every state this run reports.
  const states = [sol.y, ...sol.yEval, ...(sampled?.yEval ?? [])];
  let coupling = couplingIndex(problem, sol.y, groupsOf);
  for (const y of states.slice(1)) {
    const c = couplingIndex(problem, y, groupsOf);
    if (c.index > coupling.index) coupling = c;
  }
  result.coupling = { index: coupling.index, decoupled: coupling.index < DECOUPLED_BELOW, groups: coupling.groups };
  if (times.length > 0) {
    result.trajectory = sol.tEval.map((t, i) => {
      const Wt = endToEnd(problem, sol.yEval[i]);
      return { t, loss: lossOf(problem, Wt), singularValues: singularValues(Wt, problem.m, problem.n) };
    });
  }
  if (sampled) {
    result.samples = sampled.tEval.map((t, i) => snapshot(problem, t, sampled.yEval[i]));
    result.saddles = detectSaddles(result.samples);
  }
  if (input.saveLayers || problem.spec.save.layers) {
    result.layers = problem.dims.slice(1).map((r, k) => toRows(sol.y, r, problem.dims[k], problem.offsets[k]));
  }
  return result;
}

/** A run's status from the integrator's and the stop predicate's outcome. */
export function runStatus(solver: SolveStatus, outcome: RunStatus | null): RunStatus {
  switch (solver) {
    case 'stopped': return outcome ?? 'converged';
    case 'done': return 't-max';
    case 'max-steps': return 'max-steps';
    case 'max-evals': return 'max-evals';
    // A run passes no events to the integrator.
    case 'event': throw new Error('run: the integrator reported an event, but the run set none');
    case 'non-finite': return 'diverged';
    case 'stiff': return outcome === 'integration-floor' ? outcome : 'stiff';
    case 'step-too-small': return 'step-too-small';
  }
}


function plateauEvidence(v: PlateauEvidence | null, status: RunStatus, rtol: number, atol: number, lossTol: number, minimum: MinimumEvidence | undefined): PlateauEvidence | undefined {
  if (minimum?.kind === 'local' && v) return { ...v };
  if (!v || !(status === 'integration-floor' || status === 'saddle' || status === 'slow-decay')) return undefined;
  if (status !== 'integration-floor') return { ...v };
  const next = suggestedTolerances(rtol, atol, v.loss, lossTol);
  return { ...v, suggestedRtol: next.rtol, suggestedAtol: next.atol };
}

const e = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

/** What a run's message is made from. */
interface MessageFacts {
  status: RunStatus;
  /** The integration that ended the run (its message, its stiffness detections, its saved times). */
  sol: SolveResult;
  solver: SolverSpec;
  /** The factor entry the divergence test applied (divergeLimit), not the spec's divergeAt. */
  divergeAt: number;
  tol: LossTolerance;
  plateau: PlateauEvidence | undefined;
  /** A minimum of the width-limited model the run converged to, if it did. */
  minimum: MinimumEvidence | undefined;
  /** The loss at the end state. */
  loss: number;
  first: PassResult;
  times: number[];
  maxWallTime: number | undefined;
  /** The checkpoint a run the clock stopped was saved in. */
  checkpoint: string | null;
}

/** The message of each status, from the facts of the run. */
export const RUN_MESSAGES: { readonly [S in RunStatus]: (f: MessageFacts) => string } = {
  'converged': (f) => f.solver.gradTol !== undefined ? `loss <= ${tolText(f.tol)} or gradient norm <= gradTol (${f.solver.gradTol})` : `loss <= ${tolText(f.tol)}`,
  't-max': (f) => `reached tMax = ${f.solver.tMax} before the loss fell to ${tolText(f.tol)}`,
  'max-steps': (f) => `${f.sol.message}; raise solver.maxSteps or tMax, or loosen lossTol`,
  'max-evals': (f) => `${f.sol.message}; raise solver.maxEvals or tMax, or loosen lossTol`,
  // divergeAt: the limit the rule applied (divergeLimit), not the spec's own.
  'diverged': (f) => `the factors blew up (non-finite values or an entry above divergeAt = ${f.divergeAt}): ${f.sol.message}`,
  'stiff': (f) => `${f.sol.message}; the loss fell by less than half over the last stiffness detections while the step stayed stability-limited. ` +
    'Use solver.method "auto" or "rkc" (stabilized for this phase), or stop earlier with a larger lossTol or a gradTol.',
  'step-too-small': (f) => `${f.sol.message}; the solution may be singular here, or the tolerances too tight for double precision`,
  'time-limit': (f) => `the wall-clock budget of ${f.maxWallTime} s ran out; the state reached is reported` +
    (f.checkpoint !== null ? ` and saved in the checkpoint ${f.checkpoint}: the same command goes on from there` : ''),
  'integration-floor': (f) => {
    const w = f.plateau!;
    const how = w.dissipation > 2 * w.lossFrom
      ? `while the flow's dissipation there is ${e(w.dissipation)} (an exact flow loses all of it)`
      : `with the gradient at the integration's noise level (||grad||^2 at most ${e(w.gradNorm2Max!)}, noise ${e(w.gradNoise2!)}) and the loss within 100x of the estimated floor ${e(w.lossFloor!)}`;
    const fix = w.suggestedRtol! < 1e-14
      ? 'that lossTol is below what double precision resolves here; loosen lossTol'
      : `solver.rtol ${w.suggestedRtol} with atol ${w.suggestedAtol} should reach it (the floor fell about in proportion to the error scale atol + rtol |y| in our measurements)`;
    return `integration floor: the loss stays at ${e(w.loss)} over t in [${e(w.tFrom)}, ${e(w.t)}] ${how}: ` +
      `the integration at rtol ${f.solver.rtol}, atol ${f.solver.atol} no longer resolves the flow, and ${tolText(f.tol)} lies below its floor. ` +
      `Use solver.method "auto" (stabilized near minima, gets below this floor), or ${fix}.`;
  },
  'saddle': (f) => {
    const w = f.plateau!;
    const sd = w.saddle;
    const what = !sd ? '' : sd.test === 'negative-curvature'
      ? `The loss Hessian in the factors has the negative eigenvalue ${e(sd.lowestEigenvalue)}: a saddle. `
      : `W has rank ${sd.rank} below the model's ${sd.maxRank} while the residual G = P_Omega(W - W*) is not zero (sigma_1 ${e(sd.residual)}): ` +
        'growing a rank-one component along the top singular pair of -G lowers the loss, so this is a saddle. ';
    const stays = !sd ? '' : sd.escape === 'held'
      ? (sd.heldBy === 'exact-zeros'
        ? 'Its unstable directions lie on factor entries that are exactly zero with a zero derivative: held at zero, the flow stays. '
        : `Its unstable directions are held at zero: any nonzero component would have grown past escape within the window (rates ${e(-sd.lowestEigenvalue)} and below, over ${e((w.t - w.tFrom) / 2)}). `)
      : sd.escape === 'slow'
        ? `Leaving it takes at least t ~ ${e(sd.escapeTime!)} more, beyond ${FUTURE}x the time reached. `
        : 'Its escape time is not bounded (solver.stopOn "saddle" ended the run). ';
    return `saddle: the loss stays at ${e(w.loss)} (fell ${e(w.lossFrom - w.loss)} over t in [${e(w.tFrom)}, ${e(w.t)}], two decades) while the gradient ` +
      `stayed at the integration's noise level (||grad||^2 at most ${e(w.gradNorm2Max!)}, noise ${e(w.gradNoise2!)}), far above ${tolText(f.tol)}. ` +
      what + stays +
      'Use the result as the saddle it is, perturb the initialization, or set solver.plateauStop false to integrate on to tMax.';
  },
  'slow-decay': (f) => {
    const w = f.plateau!;
    return `slow decay: the loss falls like t^-${w.rate.toPrecision(2)} with the same exponent over two decades (from ${e(w.lossFrom)} at t = ${e(w.tFrom)} to ${e(w.loss)} at t = ${e(w.t)}); ` +
      `at that rate it reaches ${tolText(f.tol)} at t ~ ${e(w.tProjected)}, beyond tMax = ${f.solver.tMax}. ` +
      'A projection only: solver.stopOn "slow-decay" asked for this stop, and such slow power laws are transients of this flow. ' +
      'Loosen lossTol (or lossRelTol), raise tMax, or leave "slow-decay" out of solver.stopOn to integrate on.';
  },
};

/**
 * A run's message: the minimum it converged to, else its status's entry in
 * RUN_MESSAGES; then how fast a budget-ended run was still falling, whether
 * its step was stability-limited, and where it went after converging early.
 */
function runMessage(f: MessageFacts): string {
  return (f.minimum ? minimumMessage(f.minimum, f.loss, f.tol, f.plateau) : RUN_MESSAGES[f.status](f)) +
    trendText(f.status, f.first.trend, f.tol) + stiffText(f.status, f.sol.stiffDetections, f.solver.method) + savedOnText(f.first.convergedAt, f.sol, f.times);
}

/** The message of a run that ended at a minimum of the width-limited model. */
function minimumMessage(m: MinimumEvidence, loss: number, tol: LossTolerance, v: PlateauEvidence | undefined): string {
  if (m.kind === 'rank-limited') {
    return `converged to a global minimum of the width-limited model: the loss ${e(loss)} is within ${tolText(tol)} of ${e(m.bestLoss)}, ` +
      `the smallest loss of a product of rank <= ${m.rank} (every entry observed: half the sum of the squared singular values of the target beyond the ${m.rank}-th, Eckart–Young); ` +
      'a wider model (width) fits further';
  }
  return `converged to a local minimum of the width-limited model: the loss stays at ${e(loss)} over t in [${e(v!.tFrom)}, ${e(v!.t)}] with the gradient at the integration's noise level, ` +
    `W has the model's largest rank ${m.rank}, and the loss Hessian in the factors has no eigenvalue below -${e(m.tolerance)} (lowest ${e(m.lowestEigenvalue)}, ` +
    `Lanczos over ${m.lanczosSteps} of ${m.dimension} dimensions): a second-order critical point, not shown to be global (entries unobserved); ${tolText(tol)} is out of reach of this model`;
}

/** Runs cut by tMax, a step or evaluation budget, or the clock. */
const budgetEnded = (status: RunStatus) => status === 't-max' || status === 'max-steps' || status === 'max-evals' || status === 'time-limit';

/** For runs cut by a budget: how fast the loss was still falling. */
function trendText(status: RunStatus, v: PlateauVerdict | null, tol: LossTolerance): string {
  if (!v || !budgetEnded(status) || tol.abs <= 0 || v.loss <= tol.abs) return '';
  if (!(v.rate > 0)) return `; the loss did not fall over t in [${e(v.tFrom)}, ${e(v.t)}]`;
  return `; over t in [${e(v.tFrom)}, ${e(v.t)}] the loss fell like t^-${v.rate.toPrecision(2)}, which reaches lossTol at t ~ ${e(v.tProjected)}`;
}

/** Budget-ended Dormand–Prince runs whose step was stability-limited: the cheaper method. */
function stiffText(status: RunStatus, detections: number, method: string): string {
  if (detections === 0 || method !== 'dopri5' || !budgetEnded(status)) return '';
  return `; the step was limited by stability, not accuracy (${detections} stiffness detections): solver.method "auto" takes far fewer steps here`;
}

/** The message's note on a run that converged before its last save time and integrated on to it. */
function savedOnText(convergedAt: number | undefined, sol: SolveResult, times: number[]): string {
  if (convergedAt === undefined) return '';
  const last = times[times.length - 1];
  const reached = sol.tEval.length > 0 && sol.tEval[sol.tEval.length - 1] === last;
  return `; converged at t = ${e(convergedAt)}, then integrated on to the last save time ${last}` +
    (reached ? '' : ` but ended at t = ${e(sol.t)} (${sol.status}): the save times after it are not in the trajectory`);
}
