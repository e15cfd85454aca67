// The stop rule of a run: after each accepted step it decides whether the
// run has converged, diverged, run out of its wall-clock budget, or sits on a
// plateau it cannot leave (stopRules.ts watches the loss, plateauClass.ts
// classifies a flat stretch), and notes as warnings the patterns that held
// without the evidence to end the run. Its memory goes into checkpoints.

import { bestRankLimitedLoss } from '../analysis/criticalPoint.js';
import { norm2 } from '../linalg/dense.js';
import type { GradientField } from '../model/field/types.js';
import type { Problem } from '../model/problem.js';
import type { Rhs, SolveResult } from '../ode/types.js';
import { classifyPlateau, type MinimumEvidence } from './plateauClass.js';
import type { PassResult, PlateauEvidence, RunStatus, RunWarning, WarningRule } from './runResult.js';
import {
  divergeLimit, FLOOR_MARGIN, FUTURE, gradientNoiseProbe, lossFloorEstimate, PlateauWatch,
  type LossTolerance, type PlateauVerdict, type PlateauWatchState,
} from './stopRules.js';

/** What a run reports after each accepted step of its first pass (RunOptions.onProgress). */
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

/**
 * What the stop rule remembers across steps: a checkpoint saves it, a resumed
 * run starts from it, and then decides every later step as the uninterrupted
 * run does. (The verdict and its evidence are set only by the step that ends
 * an integration; a resumable stop, the clock's, has none.)
 */
export interface StopRuleMemory {
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
  /** The method taking the steps, as methodLabel() names it ("auto (rkc)" once auto switched), and the last accepted time. */
  method: string;
  tPrev: number;
  /** Where the samples pass ends (NaN in the first pass). */
  replayUntil: number;
}

/** The method of "auto" taking the steps. */
export type AutoPhase = 'dopri5' | 'rkc';

/** The phase a checkpoint's method label names (the label methodLabel() wrote). */
function autoPhaseOf(label: string): AutoPhase {
  return label === 'auto (rkc)' ? 'rkc' : 'dopri5';
}

/** What a stop rule is made from. */
export interface StopRuleOptions {
  problem: Problem;
  /** The run's loss tolerance and initial loss (runTolerance). */
  tol: LossTolerance & { loss0: number };
  /** The field: its rhs for the gradient-noise probe, its jvp for the Hessian test. */
  field: { rhs: Rhs; jvp: GradientField['jvp'] };
  /** The loss at the integrator's last evaluation of the field. */
  lastLoss: () => number;
  onProgress?: (progress: RunProgress) => void;
  /** Wall-clock budget in seconds, counted from `started` (Date.now() milliseconds). */
  maxWallTime?: number;
  started: number;
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
  /** For method "auto", the method taking the steps: Dormand–Prince until it hands over to RKC (null for the other methods). */
  phase: AutoPhase | null = null;
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

  private readonly problem: Problem;
  private readonly tol: LossTolerance & { loss0: number };
  private readonly lastLoss: () => number;
  private readonly onProgress: ((progress: RunProgress) => void) | undefined;
  private readonly maxWallTime: number | undefined;
  private readonly started: number;

  constructor(o: StopRuleOptions) {
    const { problem, field } = o;
    this.problem = problem;
    this.tol = o.tol;
    this.lastLoss = o.lastLoss;
    this.onProgress = o.onProgress;
    this.maxWallTime = o.maxWallTime;
    this.started = o.started;
    const s = (this.s = problem.spec.solver);
    this.divergeLimit = divergeLimit(problem);
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
    if (Number.isNaN(this.replayUntil)) this.onProgress?.({ t, loss, loss0: tol.loss0, lossTol: tol.abs, tMax: s.tMax, h, method: this.methodLabel(), y });
    // Converged: only the last save time is left to reach.
    if (this.convergedAt !== undefined) {
      // A step that reaches the last save time ends the run, whatever the clock says (else a piece cut
      // there would resume and step past it); before that the wall clock ends this stretch as any other.
      if (t >= this.saveUntil || t >= this.replayUntil) return true;
      if (this.pastWallTime()) { this.outcome = 'time-limit'; return true; }
      return false;
    }
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

  /** Auto hands over from Dormand–Prince to RKC, and back when RKC's steps are no longer stability-limited. */
  readonly onSwitch = (_t: number, next: string): void => { this.phase = next === 'rkc' ? 'rkc' : 'dopri5'; };

  /** The method taking the steps, as progress and checkpoints name it: "auto (dopri5)", "auto (rkc)", or the method. */
  methodLabel(): string {
    return this.phase === null ? this.s.method : `auto (${this.phase})`;
  }

  memory(): StopRuleMemory {
    return {
      stiffLosses: this.stiffLosses.slice(), stiffGrads: this.stiffGrads.slice(), stiffTimes: this.stiffTimes.slice(), lastG2: this.lastG2, watch: this.watch.save(),
      method: this.methodLabel(), tPrev: this.tPrev, replayUntil: this.replayUntil,
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
    this.phase = s.method === 'auto' ? 'dopri5' : null;
    this.watch = new PlateauWatch(this.tol.abs, s.tMax, this.probes, () => this.phase !== 'dopri5');
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
    this.phase = s.method === 'auto' ? autoPhaseOf(m.method) : null;
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
