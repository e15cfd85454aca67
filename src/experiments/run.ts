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
import { solveOptionsFromSpec } from './solveOptions.js';
import type { CheckpointHook, Rhs, SolveResult, SolveState, SolveStatus } from '../ode/types.js';
import { InputError } from '../model/errors.js';
import { buildProblem, type BuildOptions, type Problem } from '../model/problem.js';
import type { Spec } from '../model/spec.js';
import { endToEnd, lossOf } from '../model/product.js';
import { gradientField } from '../model/field/dispatch.js';
import { readCheckpoint, runHash, writeCheckpoint } from './checkpoint.js';
import {
  FLOOR_MARGIN, FUTURE, gradientNoiseProbe, lossFloorEstimate, lossTolerance, PlateauWatch, suggestedTolerances, targetEnergy, tolText,
  type LossTolerance, type PlateauVerdict, type PlateauWatchState,
} from './stopRules.js';
import type { FieldImpl, GradientField, KernelName } from '../model/field/types.js';
import { GD_SKIPPED, repeatProblem, verification, type Verification, type VerificationSkipped } from './verify.js';
import { classifyPlateau, type MinimumEvidence, type SaddleEvidence } from './plateauClass.js';
import { bestRankLimitedLoss } from '../analysis/criticalPoint.js';

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

export interface RunOptions extends BuildOptions {
  /** Times for the trajectory (merged with spec.save.times). */
  saveTimes?: number[];
  /** Include the factors W_1..W_L in the result. */
  saveLayers?: boolean;
  /** Log-spaced analysis samples (overrides spec.save.samples when given). */
  samples?: number;
  /** Called after accepted steps of the first pass. */
  onProgress?: (progress: RunProgress) => void;
  /**
   * Wall-clock budget in seconds (overrides solver.maxWallTime). With a
   * checkpoint, a run it ends goes on from where it stopped when run again.
   */
  maxWallTime?: number;
  /** The vector field's code path: "auto" (DMFLOW_KERNEL, else native BLAS / wasm for large sides), "typescript", "unrolled", "blas" or "wasm". */
  fieldImpl?: FieldImpl;
  /**
   * Write the run's whole state to this file every `everyMs` milliseconds and
   * when an integration ends; when the file exists, resume from it (refused
   * when it belongs to another spec or other options).
   */
  checkpoint?: { path: string; everyMs: number };
  /**
   * Repeat the run at rtol/100, atol/100 (same absolute lossTol, every other
   * setting the same) and report the distance between the two end states
   * (result.verification, result.sensitive). Method "gd", which has no
   * integration tolerance, reports verification: {skipped: reason}.
   */
  verify?: boolean;
}

export interface RunProgress {
  t: number;
  loss: number;
  /** The loss at t = 0, and the loss the run stops at. */
  loss0: number;
  lossTol: number;
  tMax: number;
  /** Last accepted step, and the method taking it ("auto" reports its current phase). */
  h: number;
  method: string;
  /** The state at t (all layers packed, as Problem.y0): the integrator's own buffer, valid during the call only. */
  y?: Float64Array;
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

/** A run's checkpoint: its integrations finished so far, and the one under way. */
interface RunRecord {
  /** The first pass, then the samples pass. */
  finished: PassResult[];
  /** The integration under way: its state after an accepted step and its stop rule's memory. */
  current: { state: SolveState; stopRule: StopRuleMemory } | null;
}

/**
 * What the stop rule remembers across steps: a checkpoint saves it, a resumed
 * run starts from it, and then decides every later step as the uninterrupted
 * run does. (The verdict and its evidence are set only by the step that ends
 * an integration; a resumable stop, the clock's, has none.)
 */
interface StopRuleMemory {
  /** Loss, squared gradient norm and time at each stiffness detection (the stall test). */
  stiffLosses: number[];
  stiffGrads: number[];
  stiffTimes?: number[];
  /** Warnings so far, and the time before which no plateau is classified again. */
  warnings?: RunWarning[];
  nextClassify?: number;
  /** The time the run converged, when it integrates on to its last save time. */
  convergedAt?: number;
  /** Squared gradient norm at the last accepted step. */
  lastG2: number;
  watch: PlateauWatchState;
  /** The method taking the steps ("auto (rkc)" once auto switched), and the last accepted time. */
  method: string;
  tPrev: number;
  /** Where the samples pass ends (NaN in the first pass). */
  replayUntil: number;
}

/**
 * Stops after which the run may go on from where it stopped when the same
 * command runs again: the wall-clock budget of the first pass. Other stops
 * are final, and so is the samples pass's end where the first pass ended (it
 * never reads the clock): a resumed run reuses their result.
 */
function resumableStop(outcome: RunStatus | null, replaying: boolean): boolean {
  return outcome === 'time-limit' && !replaying;
}

/** Run a spec to completion (validated here: a spec read from JSON may be passed after a cast to Spec). */
export function run(spec: Spec, options: RunOptions = {}): RunResult {
  return runProblem(buildProblem(spec, options), options);
}

/** Number of stiffness detections over which the loss must at least halve. */
const STALL_WINDOW = 20;

/**
 * The stop rules of one run, shared by its integrations (the run and the
 * samples pass) and by the ensemble lanes (ensembleRun.ts), which call stop()
 * and onStiff() with the same arguments at the same steps as solveIvp does.
 * lastLoss() is the loss at the integrator's last evaluation of the field.
 */
export class RunStopRule {
  outcome: RunStatus | null = null;
  evidence: PlateauEvidence | null = null;
  minimum: MinimumEvidence | undefined = undefined;
  warnings: RunWarning[] = [];
  private readonly stiffLosses: number[] = [];
  private readonly stiffGrads: number[] = [];
  private readonly stiffTimes: number[] = [];
  private nextClassify = 0;
  /** The smallest loss of the width-limited, fully observed model (Eckart–Young), when it is one. */
  private readonly best: ReturnType<typeof bestRankLimitedLoss>;
  private readonly stopOn: ReadonlySet<string>;
  private lastG2 = 0;
  private watch!: PlateauWatch;
  /** The method taking the steps, for progress: "auto" names its phase. */
  method: string;
  private tPrev = 0;
  /** The samples pass replays the first one and ends where it ended, without the clock. */
  replayUntil = NaN;
  /**
   * The last save time: a run that converges before it integrates on to it (the
   * trajectory then has every time asked for; near a limit the steps are long).
   */
  saveUntil = 0;
  /** The time it converged, while it integrates on to saveUntil. */
  convergedAt: number | undefined = undefined;
  private readonly s: Problem['spec']['solver'];
  private readonly divergeLimit: number;
  private readonly probes: { gradientNoise: (y: Float64Array) => number; lossFloor: (y: Float64Array) => number };

  constructor(
    private readonly problem: Problem,
    private readonly tol: LossTolerance & { loss0: number },
    field: { rhs: Rhs; jvp: GradientField['jvp'] },
    private readonly lastLoss: () => number,
    private readonly options: Pick<RunOptions, 'onProgress'>,
    private readonly maxWallTime: number | undefined,
    private readonly started: number,
  ) {
    const s = (this.s = problem.spec.solver);
    this.divergeLimit = divergeLimit(problem);
    this.method = s.method;
    this.jvp = field.jvp;
    // The probe evaluates the field itself: it runs only on a candidate saddle, after the loss of the step was read.
    this.probes = {
      gradientNoise: gradientNoiseProbe(field.rhs, problem.y0.length, s.rtol, s.atol),
      lossFloor: (y: Float64Array) => lossFloorEstimate(problem, y, s.rtol, s.atol),
    };
    this.best = s.plateauStop ? bestRankLimitedLoss(problem) : null;
    this.stopOn = new Set(s.stopOn ?? []);
    this.start(null);
  }

  private readonly jvp: GradientField['jvp'];

  /** Note a rule's pattern that did not end the run: the first time in full, later ones counted. */
  private warn(rule: WarningRule, t: number, loss: number, message: string): void {
    const w = this.warnings.find((x) => x.rule === rule);
    if (w) w.count++;
    else this.warnings.push({ rule, t, loss, count: 1, message });
  }

  /**
   * A plateau verdict of the watch: end the run (true) or note a warning.
   * A saddle-like plateau is classified from the state first (plateauClass.ts).
   */
  private decide(v: PlateauVerdict, t: number, y: Float64Array, dy: Float64Array): boolean {
    const { s, tol } = this;
    const rule: WarningRule = v.kind === 'floor' ? 'integration-floor' : v.kind;
    if (v.kind === 'saddle' && v.stop) {
      if (t < this.nextClassify) { this.warn('saddle', t, v.loss, 'a flat loss with the gradient at the noise level (not classified again before t doubles)'); return false; }
      const c = classifyPlateau(this.problem, y, dy, v, tol.abs, this.jvp, s.rtol, s.atol);
      if (c.kind === 'minimum') { this.minimum = c.minimum; this.evidence = { ...v }; return this.converged(t); }
      if (c.kind === 'saddle' && (c.saddle.escape !== 'open' || this.stopOn.has('saddle'))) {
        this.outcome = 'saddle';
        this.evidence = { ...v, saddle: c.saddle };
        return true;
      }
      this.nextClassify = 2 * t;
      const why = c.kind === 'saddle'
        ? `a saddle (${c.saddle.test === 'rank' ? `rank ${c.saddle.rank} < ${c.saddle.maxRank}` : `Hessian eigenvalue ${e(c.saddle.lowestEigenvalue)}`}) the flow may still leave` +
          (c.saddle.escapeTime !== undefined ? ` (escape possible from t ~ ${e(t + c.saddle.escapeTime)})` : '')
        : c.why;
      this.warn('saddle', t, v.loss, `flat loss ${e(v.loss)} over t in [${e(v.tFrom)}, ${e(t)}] with the gradient at the noise level, but ${why}`);
      return false;
    }
    if (v.stop || this.stopOn.has(rule)) {
      this.outcome = v.kind === 'floor' ? 'integration-floor' : v.kind;
      this.evidence = v;
      return true;
    }
    this.warn(rule, t, v.loss, warningText(v, tol));
    return false;
  }

  /** Converged at t: the run ends, or integrates on to its last save time. */
  private converged(t: number): boolean {
    this.outcome = 'converged';
    if (t >= this.saveUntil) return true;
    this.convergedAt = t;
    return false;
  }

  readonly stop = (t: number, y: Float64Array, dy: Float64Array): boolean => {
    const { s, tol } = this;
    // dy = f(t, y) was the integrator's last evaluation, so lastLoss is the loss at y.
    const loss = this.lastLoss();
    const h = t - this.tPrev;
    this.tPrev = t;
    if (Number.isNaN(this.replayUntil)) this.options.onProgress?.({ t, loss, loss0: tol.loss0, lossTol: tol.abs, tMax: s.tMax, h, method: this.method, y });
    // Converged: only the last save time is left to reach.
    if (this.convergedAt !== undefined) return t >= this.saveUntil || t >= this.replayUntil || this.pastWallTime();
    if (loss <= tol.abs) return this.converged(t);
    const g = norm2(dy);
    if (s.gradTol !== undefined && g <= s.gradTol) return this.converged(t);
    for (let i = 0; i < y.length; i++) {
      if (!(Math.abs(y[i]) <= this.divergeLimit)) { this.outcome = 'diverged'; return true; }
    }
    // Within lossTol of the smallest loss the width allows (set only with plateauStop; lossTol 0 asks for the whole interval).
    if (this.best && tol.abs > 0 && loss <= this.best.loss + tol.abs) {
      this.outcome = 'converged';
      this.minimum = { kind: 'rank-limited', test: 'eckart-young', rank: this.best.rank, bestLoss: this.best.loss };
      return this.converged(t);
    }
    this.lastG2 = g * g;
    const v = this.watch.observe(t, loss, g * g, y);
    // lossTol 0 asks for the whole interval: no plateau can cut it short.
    if (v && s.plateauStop && tol.abs > 0 && this.decide(v, t, y, dy)) return true;
    if (!Number.isNaN(this.replayUntil)) {
      if (t >= this.replayUntil) { this.outcome = 'time-limit'; return true; }
    } else if (this.pastWallTime()) {
      this.outcome = 'time-limit';
      return true;
    }
    return false;
  };

  /** The wall-clock budget is spent (never in the samples pass, which replays the first). */
  private pastWallTime(): boolean {
    return Number.isNaN(this.replayUntil) && this.maxWallTime !== undefined && (Date.now() - this.started) / 1000 > this.maxWallTime;
  }

  // Near a minimum the flow is stiff (its Jacobian is minus the Hessian), yet
  // the loss still falls: that alone is no reason to stop. Stop only when the
  // stiffness test keeps firing, the loss has not halved meanwhile, the
  // gradient has not grown (a growing gradient on a stiff plateau is a saddle
  // being escaped), and the loss is down near what the tolerances resolve
  // (within FLOOR_MARGIN of lossFloorEstimate): far above it the integration
  // still follows a slow flow, a saddle most often, and the step budgets apply.
  // If the energy balance is broken, the stall is the integration's floor.
  //
  // A stall is a claim about the future too: the loss, falling in a straight
  // line as it did over those detections, must not reach lossTol within
  // FUTURE times the time (stopRules.ts, FUTURE), else the run goes on and
  // notes a warning.
  readonly onStiff = (t: number, y: Float64Array): boolean => {
    const { s, tol, stiffLosses, stiffGrads, stiffTimes } = this;
    // plateauStop false leaves only the hard budgets: the stiffness test never ends the run; nor does it end a converged one.
    if (!s.plateauStop || this.convergedAt !== undefined) return false;
    const loss = this.lastLoss();
    stiffLosses.push(loss);
    stiffGrads.push(this.lastG2);
    stiffTimes.push(t);
    const k = stiffLosses.length;
    const stalled = k > STALL_WINDOW && stiffLosses[k - 1] > 0.5 * stiffLosses[k - 1 - STALL_WINDOW] && stiffGrads[k - 1] <= stiffGrads[k - 1 - STALL_WINDOW];
    if (!stalled) return false;
    const v = tol.abs > 0 ? this.watch.energyViolated(y) : null;
    if (v) {
      if (v.stop || this.stopOn.has('integration-floor')) { this.outcome = 'integration-floor'; this.evidence = v; return true; }
      this.warn('integration-floor', t, loss, warningText(v, tol));
    }
    if (!(loss <= FLOOR_MARGIN * lossFloorEstimate(this.problem, y, s.rtol, s.atol))) return false;
    const a = k - 1 - STALL_WINDOW;
    const fall = stiffLosses[a] - loss;
    const reach = fall > 0 ? t + ((loss - tol.abs) * (t - stiffTimes[a])) / fall : Infinity;
    if (reach <= FUTURE * t && !this.stopOn.has('stiff')) {
      this.warn('stiff', t, loss, `stability-limited steps near the floor and the loss not halving over ${STALL_WINDOW} stiffness detections, but still falling: at that rate it reaches lossTol by t ~ ${e(reach)}`);
      return false;
    }
    return true;
  };

  readonly onSwitch = (_t: number, next: string): void => { this.method = `auto (${next})`; };

  memory(): StopRuleMemory {
    return {
      stiffLosses: this.stiffLosses.slice(), stiffGrads: this.stiffGrads.slice(), stiffTimes: this.stiffTimes.slice(), lastG2: this.lastG2, watch: this.watch.save(),
      method: this.method, tPrev: this.tPrev, replayUntil: this.replayUntil,
      warnings: this.warnings.map((w) => ({ ...w })), nextClassify: this.nextClassify,
      ...(this.convergedAt !== undefined ? { convergedAt: this.convergedAt } : {}),
    };
  }

  /** Fresh (no memory) or as a checkpoint left it. */
  start(m: StopRuleMemory | null): void {
    const s = this.s;
    this.outcome = null;
    this.evidence = null;
    this.minimum = undefined;
    this.warnings = [];
    this.nextClassify = 0;
    this.convergedAt = undefined;
    this.stiffLosses.length = 0;
    this.stiffGrads.length = 0;
    this.stiffTimes.length = 0;
    this.lastG2 = 0;
    // "auto" may end the run on a floor only once it runs RKC: its own switch gets below Dormand–Prince's floor.
    this.method = s.method === 'auto' ? 'auto (dopri5)' : s.method;
    this.watch = new PlateauWatch(this.tol.abs, s.tMax, this.probes, () => this.method !== 'auto (dopri5)');
    this.tPrev = 0;
    if (!m) return;
    this.stiffLosses.push(...m.stiffLosses);
    this.stiffGrads.push(...m.stiffGrads);
    this.stiffTimes.push(...(m.stiffTimes ?? []));
    this.warnings = (m.warnings ?? []).map((w) => ({ ...w }));
    this.nextClassify = m.nextClassify ?? 0;
    this.convergedAt = m.convergedAt;
    this.lastG2 = m.lastG2;
    this.watch.restore(m.watch);
    this.method = m.method;
    this.tPrev = m.tPrev;
    this.replayUntil = m.replayUntil;
  }

  /** The loss's power-law trend over its last decade of t (for the message of budget-ended runs). */
  trend(): PlateauVerdict | null { return this.watch.trend(); }

  /** An integration as it ended under these rules. */
  passResult(sol: SolveResult): PassResult {
    return {
      sol, outcome: this.outcome, evidence: this.evidence, trend: this.trend(),
      ...(this.minimum ? { minimum: this.minimum } : {}), warnings: this.warnings.map((w) => ({ ...w })),
      ...(this.convergedAt !== undefined ? { convergedAt: this.convergedAt } : {}),
    };
  }
}

const e = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

/** A plateau verdict that did not end the run, in words. */
function warningText(v: PlateauVerdict, tol: LossTolerance): string {
  switch (v.kind) {
    case 'slow-decay':
      return `the loss fell like t^-${v.rate.toPrecision(2)} over t in [${e(v.tFrom)}, ${e(v.t)}] (two decades; at that rate lossTol ${e(tol.abs)} at t ~ ${e(v.tProjected)}); ` +
        'the flow\'s own power laws near a limit fall at least 10x per decade, so this is a transient: the run went on';
    case 'floor':
      return `the loss stalled at ${e(v.loss)} over t in [${e(v.tFrom)}, ${e(v.t)}]` +
        (v.dissipation > 2 * v.lossFrom ? ` while the dissipation counted there is ${e(v.dissipation)}` : ' with the gradient at the noise level') +
        (v.lossFloor !== undefined && v.loss > FLOOR_MARGIN * v.lossFloor
          ? `, but it lies ${e(v.loss / v.lossFloor)}x above the estimated floor ${e(v.lossFloor)}: the stall is the flow's own, the dissipation the integration's noise`
          : ', but it still falls at a rate that reaches lossTol soon') + '; the run went on';
    case 'saddle':
      return `flat loss ${e(v.loss)} over t in [${e(v.tFrom)}, ${e(v.t)}] with the gradient at the noise level, but still falling at a rate that reaches lossTol within ${FUTURE}x that time; the run went on`;
  }
}

/**
 * The factor entry above which a run counts as diverged: divergeAt, times the
 * size of the factors a balanced fit of the target needs (the L-th root of its
 * largest observed entry, when above 1): a target of entries 1e100 is fitted by
 * depth-2 factors of entries about 1e50, which is no divergence.
 */
export function divergeLimit(problem: Pick<Problem, 'spec' | 'depth' | 'n' | 'target' | 'obsRows' | 'obsCols'>): number {
  let big = 0;
  for (let p = 0; p < problem.obsRows.length; p++) big = Math.max(big, Math.abs(problem.target[problem.obsRows[p] * problem.n + problem.obsCols[p]]));
  return problem.spec.solver.divergeAt * Math.max(1, big ** (1 / problem.depth));
}

/** A run's loss tolerance, and its initial loss (for progress). */
export function runTolerance(problem: Problem): LossTolerance & { loss0: number } {
  const loss0 = lossOf(problem, endToEnd(problem, problem.y0));
  return { ...lossTolerance(problem.spec.solver, targetEnergy(problem), loss0), loss0 };
}

/** The save times of a run: spec.save.times and options.saveTimes, merged and checked. */
export function runSaveTimes(problem: Problem, options: Pick<RunOptions, 'saveTimes'>): number[] {
  const s = problem.spec.solver;
  const times = [...new Set([...(problem.spec.save.times ?? []), ...(options.saveTimes ?? [])])].sort((a, b) => a - b);
  times.forEach((t, i) => {
    if (!(t >= 0 && t <= s.tMax)) throw new InputError('save.times', `expected times in [0, tMax = ${s.tMax}], got ${t} at ${i}`);
  });
  return times;
}

export function runProblem(problem: Problem, options: RunOptions = {}): RunResult {
  const s = problem.spec.solver;
  const field = gradientField(problem, options.fieldImpl);
  const times = runSaveTimes(problem, options);
  const tol = runTolerance(problem);
  const maxWallTime = options.maxWallTime ?? s.maxWallTime;
  const rule = new RunStopRule(problem, tol, field, () => field.lastLoss, options, maxWallTime, Date.now());
  rule.saveUntil = times.length > 0 ? times[times.length - 1] : 0;

  const nSamples = options.samples ?? problem.spec.save.samples;
  const ck = options.checkpoint;
  if (ck && (s.method === 'gd' || s.method === 'odex')) {
    throw new InputError('--checkpoint', `expected solver.method dopri5, rkc or auto (a stepper whose state can be saved), got ${s.method}`);
  }
  // The hash keeps the key "kernel" for the code path, so that checkpoints written before its rename resume.
  const hash = ck ? runHash(problem, { times, nSamples, kernel: options.fieldImpl ?? 'auto' }) : '';
  const record: RunRecord = (ck && readCheckpoint<RunRecord>(ck.path, hash)) || { finished: [], current: null };
  // A path that cannot be written is refused now, not at the first checkpoint.
  if (ck && record.finished.length === 0 && !record.current) writeCheckpoint<RunRecord>(ck.path, hash, record);

  /** Integration number `pass` (0: the run, 1: the samples), from the checkpoint when it finished there. */
  const integrate = (tEval: number[], pass: number): PassResult => {
    const done = record.finished[pass];
    if (done) return done;
    // Only the pass next in the record writes to it: the samples pass of a run the
    // clock stopped serves this command's output and leaves the first pass's state alone.
    const writes = ck !== undefined && record.finished.length === pass;
    const resume = writes ? record.current : null;
    rule.start(resume?.stopRule ?? null);
    let lastState: SolveState | null = null;
    let lastWrite = Date.now();
    const checkpoint: CheckpointHook | undefined = writes ? {
      due: () => Date.now() - lastWrite >= ck.everyMs,
      save: (state, final) => {
        if (final) { lastState = state; return; }
        writeCheckpoint<RunRecord>(ck.path, hash, { finished: record.finished, current: { state, stopRule: rule.memory() } });
        lastWrite = Date.now();
      },
    } : undefined;
    // ensembleRun.ts's laneJob maps the spec with the same hooks (solveOptions.ts).
    const sol = solveIvp(field.rhs, [0, s.tMax], problem.y0, solveOptionsFromSpec(s, {
      tEval, stop: rule.stop, onStiff: rule.onStiff, onSwitch: rule.onSwitch, jvp: field.jvp, resume: resume?.state, checkpoint,
    }));
    const result: PassResult = rule.passResult(sol);
    if (writes) {
      if (resumableStop(rule.outcome, pass > 0) && lastState) record.current = { state: lastState, stopRule: rule.memory() };
      else { record.finished.push(result); record.current = null; }
      writeCheckpoint<RunRecord>(ck.path, hash, record);
    }
    return result;
  };
  const first = integrate(times, 0);
  const sol = first.sol;
  const runOutcome = first.outcome;
  // Samples need the end time first: a second, identical pass serves them by dense output.
  const sampleTimes = logTimes(sol.t, nSamples);
  rule.replayUntil = sol.t;
  const sampled = sampleTimes.length > 0 ? integrate(sampleTimes, 1).sol : null;
  const stoppedByClock = ck !== undefined && resumableStop(runOutcome, false);
  const result = runResult(problem, field, tol, first, sampled, times, options, maxWallTime, stoppedByClock ? ck!.path : null);
  if (options.verify && s.method === 'gd') result.verification = GD_SKIPPED;
  else if (options.verify) {
    // The repeat gets the run's clock budget (afresh) and no checkpoint or samples: it only supplies an end state.
    const again = runProblem(repeatProblem(problem, tol.abs), { fieldImpl: options.fieldImpl, maxWallTime });
    const v = verification(result, again, s, tol.scale);
    // The verdict next to the status it qualifies; the evidence at the end.
    const { status, message, ...rest } = result;
    return { status, message: v.sensitive ? `${message}; but the end state is sensitive (see verification.message)` : message, sensitive: v.sensitive, ...rest, verification: v };
  }
  return result;
}

/**
 * A run's result from its integrations: the first pass (and the samples pass,
 * if any) as they ended, analysed. The ensemble lanes (ensembleRun.ts) end
 * here too, with the SolveResult a lane produced.
 */
export function runResult(
  problem: Problem, field: GradientField, tol: LossTolerance, first: PassResult, sampled: SolveResult | null, times: number[],
  options: Pick<RunOptions, 'saveLayers'>, maxWallTime: number | undefined, checkpointPath: string | null,
): RunResult {
  const s = problem.spec.solver;
  const sol = first.sol;
  // A run that converged and integrated on towards its last save time has converged, whatever ended that stretch.
  const status = first.convergedAt !== undefined ? 'converged' : runStatus(sol.status, first.outcome);
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
    message: (minimum ? minimumMessage(minimum, loss, tol, plateau) : runMessage(status, sol.message, { ...s, divergeAt: divergeLimit(problem) }, tol, plateau, maxWallTime, checkpointPath)) +
      trendText(status, first.trend, tol) + stiffText(status, sol.stiffDetections, s.method) + savedOnText(first.convergedAt, sol, times),
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
  if (options.saveLayers || problem.spec.save.layers) {
    result.layers = problem.dims.slice(1).map((r, k) => toRows(sol.y, r, problem.dims[k], problem.offsets[k]));
  }
  return result;
}

/** The message's note on a run that converged before its last save time and integrated on to it. */
function savedOnText(convergedAt: number | undefined, sol: SolveResult, times: number[]): string {
  if (convergedAt === undefined) return '';
  const last = times[times.length - 1];
  const reached = sol.tEval.length > 0 && sol.tEval[sol.tEval.length - 1] === last;
  return `; converged at t = ${e(convergedAt)}, then integrated on to the last save time ${last}` +
    (reached ? '' : ` but ended at t = ${e(sol.t)} (${sol.status}): the save times after it are not in the trajectory`);
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

function runMessage(status: RunStatus, solverMessage: string, s: Problem['spec']['solver'], tol: LossTolerance, v: PlateauEvidence | undefined, maxWallTime: number | undefined, checkpoint: string | null): string {
  switch (status) {
    case 'converged':
      return s.gradTol !== undefined ? `loss <= ${tolText(tol)} or gradient norm <= gradTol (${s.gradTol})` : `loss <= ${tolText(tol)}`;
    case 't-max': return `reached tMax = ${s.tMax} before the loss fell to ${tolText(tol)}`;
    case 'max-steps': return `${solverMessage}; raise solver.maxSteps or tMax, or loosen lossTol`;
    case 'max-evals': return `${solverMessage}; raise solver.maxEvals or tMax, or loosen lossTol`;
    // s.divergeAt here is the limit the rule applied (divergeLimit).
    case 'diverged': return `the factors blew up (non-finite values or an entry above divergeAt = ${s.divergeAt}): ${solverMessage}`;
    case 'stiff':
      return `${solverMessage}; the loss fell by less than half over the last stiffness detections while the step stayed stability-limited. ` +
        'Use solver.method "auto" or "rkc" (stabilized for this phase), or stop earlier with a larger lossTol or a gradTol.';
    case 'step-too-small': return `${solverMessage}; the solution may be singular here, or the tolerances too tight for double precision`;
    case 'time-limit':
      return `the wall-clock budget of ${maxWallTime} s ran out; the state reached is reported` +
        (checkpoint !== null ? ` and saved in the checkpoint ${checkpoint}: the same command goes on from there` : '');
    case 'integration-floor': {
      const w = v!;
      const how = w.dissipation > 2 * w.lossFrom
        ? `while the flow's dissipation there is ${e(w.dissipation)} (an exact flow loses all of it)`
        : `with the gradient at the integration's noise level (||grad||^2 at most ${e(w.gradNorm2Max!)}, noise ${e(w.gradNoise2!)}) and the loss within 100x of the estimated floor ${e(w.lossFloor!)}`;
      const fix = w.suggestedRtol! < 1e-14
        ? 'that lossTol is below what double precision resolves here; loosen lossTol'
        : `solver.rtol ${w.suggestedRtol} with atol ${w.suggestedAtol} should reach it (the floor fell about in proportion to the error scale atol + rtol |y| in our measurements)`;
      return `integration floor: the loss stays at ${e(w.loss)} over t in [${e(w.tFrom)}, ${e(w.t)}] ${how}: ` +
        `the integration at rtol ${s.rtol}, atol ${s.atol} no longer resolves the flow, and ${tolText(tol)} lies below its floor. ` +
        `Use solver.method "auto" (stabilized near minima, gets below this floor), or ${fix}.`;
    }
    case 'saddle': {
      const w = v!;
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
        `stayed at the integration's noise level (||grad||^2 at most ${e(w.gradNorm2Max!)}, noise ${e(w.gradNoise2!)}), far above ${tolText(tol)}. ` +
        what + stays +
        'Use the result as the saddle it is, perturb the initialization, or set solver.plateauStop false to integrate on to tMax.';
    }
    case 'slow-decay': {
      const w = v!;
      return `slow decay: the loss falls like t^-${w.rate.toPrecision(2)} with the same exponent over two decades (from ${e(w.lossFrom)} at t = ${e(w.tFrom)} to ${e(w.loss)} at t = ${e(w.t)}); ` +
        `at that rate it reaches ${tolText(tol)} at t ~ ${e(w.tProjected)}, beyond tMax = ${s.tMax}. ` +
        'A projection only: solver.stopOn "slow-decay" asked for this stop, and such slow power laws are transients of this flow. ' +
        'Loosen lossTol (or lossRelTol), raise tMax, or leave "slow-decay" out of solver.stopOn to integrate on.';
    }
  }
}
