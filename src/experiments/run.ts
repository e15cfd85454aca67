// One integration of the gradient flow: spec -> problem -> vector field ->
// integrator -> result -> analysis.

import { observationGraph } from '../analysis/connectivity.js';
import { couplingIndex, DECOUPLED_BELOW } from '../analysis/coupling.js';
import { entryGroups } from '../analysis/groups.js';
import { balanceInvariants, invariantDrift } from '../analysis/invariants.js';
import { detectSaddles, type Saddles } from '../analysis/saddles.js';
import { logTimes, reconstructionError, snapshot, type Snapshot } from '../analysis/snapshot.js';
import { effectiveRank, singularValues } from '../analysis/spectrum.js';
import { norm2, toRows } from '../linalg/dense.js';
import { solveIvp } from '../ode/solve.js';
import type { CheckpointHook, SolveResult, SolveState, SolveStatus } from '../ode/types.js';
import { InputError } from '../model/errors.js';
import { buildProblem, type BuildOptions, type Problem } from '../model/problem.js';
import { endToEnd, lossOf } from '../model/product.js';
import { gradientField, type FieldKernel } from '../model/vectorField.js';
import { readCheckpoint, runHash, writeCheckpoint } from './checkpoint.js';

export type RunStatus = 'converged' | 't-max' | 'max-steps' | 'max-evals' | 'diverged' | 'stiff' | 'step-too-small';

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
}

export interface RunOptions extends BuildOptions {
  /** Times for the trajectory (merged with spec.save.times). */
  saveTimes?: number[];
  /** Include the factors W_1..W_L in the result. */
  saveLayers?: boolean;
  /** Log-spaced analysis samples (overrides spec.save.samples when given). */
  samples?: number;
  /** Called after accepted steps with the time and loss reached, and the loss the run stops at. */
  onProgress?: (t: number, loss: number, lossTol: number) => void;
  /** Vector-field kernel: "auto" (native BLAS for large sides when built), "typescript" or "blas". */
  kernel?: FieldKernel;
  /**
   * Write the run's whole state to this file every `everyMs` milliseconds and
   * when an integration ends; when the file exists, resume from it (refused
   * when it belongs to another spec or other options).
   */
  checkpoint?: { path: string; everyMs: number };
}

/** A run's checkpoint: its integrations finished so far, and the one under way. */
interface RunRecord {
  /** The first pass, then the samples pass, with the stop rule's verdict. */
  finished: { sol: SolveResult; outcome: RunStatus | null }[];
  /** The integration under way: its state after an accepted step and its stop rule's memory. */
  current: { state: SolveState; stopRule: StopRuleMemory } | null;
}

/** What the stop rule remembers across steps: a checkpoint saves it, a resumed run starts from it. */
interface StopRuleMemory {
  stiffLosses: number[];
}

/**
 * Stops after which the run may go on from where it stopped when the same
 * command runs again (none yet; a wall-clock limit would be one). Other stops
 * are final: a resumed run reuses their result.
 */
function resumableStop(_outcome: RunStatus | null): boolean {
  return false;
}

/** Run a spec (raw JSON value or parsed) to completion. */
export function run(spec: unknown, options: RunOptions = {}): RunResult {
  return runProblem(buildProblem(spec, options), options);
}

/** Number of stiffness detections over which the loss must at least halve. */
const STALL_WINDOW = 20;

export function runProblem(problem: Problem, options: RunOptions = {}): RunResult {
  const s = problem.spec.solver;
  const field = gradientField(problem, options.kernel);
  const times = [...new Set([...(problem.spec.save.times ?? []), ...(options.saveTimes ?? [])])].sort((a, b) => a - b);
  times.forEach((t, i) => {
    if (!(t >= 0 && t <= s.tMax)) throw new InputError('save.times', `expected times in [0, tMax = ${s.tMax}], got ${t} at ${i}`);
  });

  let outcome: RunStatus | null = null;
  const stiffLosses: number[] = [];
  const stop = (t: number, y: Float64Array, dy: Float64Array): boolean => {
    // dy = f(t, y) was the integrator's last evaluation, so lastLoss is the loss at y.
    const loss = field.lastLoss;
    options.onProgress?.(t, loss, s.lossTol);
    if (loss <= s.lossTol) { outcome = 'converged'; return true; }
    if (s.gradTol !== undefined && norm2(dy) <= s.gradTol) { outcome = 'converged'; return true; }
    for (let i = 0; i < y.length; i++) {
      if (!(Math.abs(y[i]) <= s.divergeAt)) { outcome = 'diverged'; return true; }
    }
    return false;
  };
  // Near a minimum the flow is stiff (its Jacobian is minus the Hessian), yet
  // the loss still falls: that alone is no reason to stop. Stop only when the
  // stiffness test keeps firing and the loss has not halved meanwhile.
  const onStiff = (): boolean => {
    stiffLosses.push(field.lastLoss);
    const k = stiffLosses.length;
    return k > STALL_WINDOW && stiffLosses[k - 1] > 0.5 * stiffLosses[k - 1 - STALL_WINDOW];
  };
  const stopRuleMemory = (): StopRuleMemory => ({ stiffLosses: stiffLosses.slice() });
  /** Fresh (no memory) or as a checkpoint left it. */
  const startStopRule = (m: StopRuleMemory | null): void => {
    outcome = null;
    stiffLosses.length = 0;
    if (m) stiffLosses.push(...m.stiffLosses);
  };

  const nSamples = options.samples ?? problem.spec.save.samples;
  const ck = options.checkpoint;
  if (ck && (s.method === 'gd' || s.method === 'odex')) {
    throw new InputError('--checkpoint', `expected solver.method dopri5, rkc or auto (a stepper whose state can be saved), got ${s.method}`);
  }
  const hash = ck ? runHash(problem, { times, nSamples, kernel: options.kernel ?? 'auto' }) : '';
  const record: RunRecord = (ck && readCheckpoint<RunRecord>(ck.path, hash)) || { finished: [], current: null };
  // A path that cannot be written is refused now, not at the first checkpoint.
  if (ck && record.finished.length === 0 && !record.current) writeCheckpoint<RunRecord>(ck.path, hash, record);

  /** Integration number `pass` (0: the run, 1: the samples), from the checkpoint when it finished there. */
  const integrate = (tEval: number[], pass: number): SolveResult => {
    const done = record.finished[pass];
    if (done) { outcome = done.outcome; return done.sol; }
    const resume = record.finished.length === pass ? record.current : null;
    startStopRule(resume?.stopRule ?? null);
    let lastState: SolveState | null = null;
    let lastWrite = Date.now();
    const checkpoint: CheckpointHook | undefined = ck && {
      due: () => Date.now() - lastWrite >= ck.everyMs,
      save: (state, final) => {
        if (final) { lastState = state; return; }
        writeCheckpoint<RunRecord>(ck.path, hash, { finished: record.finished, current: { state, stopRule: stopRuleMemory() } });
        lastWrite = Date.now();
      },
    };
    const sol = solveIvp(field.rhs, [0, s.tMax], problem.y0, {
      method: s.method, lr: s.lr, rtol: s.rtol, atol: s.atol, maxSteps: s.maxSteps, maxEvals: s.maxEvals, h0: s.h0, hMax: s.hMax,
      tEval, stop, onStiff, resume: resume?.state, checkpoint,
    });
    if (ck) {
      if (resumableStop(outcome) && lastState) record.current = { state: lastState, stopRule: stopRuleMemory() };
      else { record.finished.push({ sol, outcome }); record.current = null; }
      writeCheckpoint<RunRecord>(ck.path, hash, record);
    }
    return sol;
  };
  const sol = integrate(times, 0);
  const runOutcome = outcome;
  // Samples need the end time first: a second, identical pass serves them by dense output.
  const sampleTimes = logTimes(sol.t, nSamples);
  const sampled = sampleTimes.length > 0 ? integrate(sampleTimes, 1) : null;

  const status = runStatus(sol.status, runOutcome);
  const W = endToEnd(problem, sol.y);
  const loss = lossOf(problem, W);
  const dy = new Float64Array(sol.y.length);
  field.rhs(sol.t, sol.y, dy);
  const sigma = singularValues(W, problem.m, problem.n);
  const c0 = balanceInvariants(problem, problem.y0);
  const graph = observationGraph(problem.m, problem.n, problem.obsRows, problem.obsCols);
  const groupsOf = entryGroups(problem, graph);
  const result: RunResult = {
    status,
    message: runMessage(status, sol.message, s),
    t: sol.t,
    loss,
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
  if (options.saveLayers || problem.spec.save.layers) {
    result.layers = problem.dims.slice(1).map((r, k) => toRows(sol.y, r, problem.dims[k], problem.offsets[k]));
  }
  return result;
}

function runStatus(solver: SolveStatus, outcome: RunStatus | null): RunStatus {
  switch (solver) {
    case 'stopped': return outcome ?? 'converged';
    case 'done': return 't-max';
    case 'max-steps': return 'max-steps';
    case 'max-evals': return 'max-evals';
    // A run passes no events to the integrator.
    case 'event': throw new Error('run: the integrator reported an event, but the run set none');
    case 'non-finite': return 'diverged';
    case 'stiff': return 'stiff';
    case 'step-too-small': return 'step-too-small';
  }
}

function runMessage(status: RunStatus, solverMessage: string, s: Problem['spec']['solver']): string {
  switch (status) {
    case 'converged':
      return s.gradTol !== undefined ? `loss <= lossTol (${s.lossTol}) or gradient norm <= gradTol (${s.gradTol})` : `loss <= lossTol (${s.lossTol})`;
    case 't-max': return `reached tMax = ${s.tMax} before the loss fell to lossTol = ${s.lossTol}`;
    case 'max-steps': return `${solverMessage}; raise solver.maxSteps or tMax, or loosen lossTol`;
    case 'max-evals': return `${solverMessage}; raise solver.maxEvals or tMax, or loosen lossTol`;
    case 'diverged': return `the factors blew up (non-finite values or an entry above divergeAt = ${s.divergeAt}): ${solverMessage}`;
    case 'stiff':
      return `${solverMessage}; the loss fell by less than half over the last stiffness detections while the step stayed stability-limited. ` +
        'Use solver.method "auto" or "rkc" (stabilized for this phase), or stop earlier with a larger lossTol or a gradTol.';
    case 'step-too-small': return `${solverMessage}; the solution may be singular here, or the tolerances too tight for double precision`;
  }
}
