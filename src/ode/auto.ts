// "auto": Dormand–Prince while the problem is not stiff, Runge–Kutta–Chebyshev
// while it is. Hairer's stiffness test, run on every accepted Dormand–Prince
// step, switches to RKC (the step is capped by stability, not accuracy: for a
// gradient flow, a phase near a minimum or a saddle); RKC's own stage choice
// switches back once its steps are sized by accuracy well inside Dormand–
// Prince's stability region (docs/methods.md), and the test may switch again.

import { Dopri5Stepper } from './dopri5.js';
import { integrate, type StartableStepper } from './integrate.js';
import { checkMethodOptions, type CheckedOptions } from './options.js';
import { RkcStepper } from './rkc.js';
import { stiffCheckEvery } from './stiffness.js';
import type { StepLimits, StepOutcome } from './stepper.js';
import type { AutoOptions, Dopri5Options, Rhs, RkcOptions, SolveResult } from './types.js';

/** When auto's RKC phase hands back to Dormand–Prince. */
export interface AutoTuning {
  /** An accepted RKC step counts as calm when h rho (rho with RKC's margin) is at most this. */
  backBound: number;
  /** This many calm RKC steps in a row switch back (Infinity: never, auto's behaviour before switching back). */
  backPatience: number;
}

/**
 * Dormand–Prince is stable for h |lambda| up to ~3.3 on the negative real
 * axis; an RKC step at h rho <= 1 (3 stages) is sized by accuracy at a third
 * of that. Ten such steps in a row against the stiffness test's fifteen
 * positive ones (stiffness.ts) keep the two tests from chattering.
 */
export const AUTO_TUNING: AutoTuning = { backBound: 1, backPatience: 10 };

/** Counts of the phases before the current one. */
interface Done { nfev: number; naccept: number; nreject: number; stiffDetections: number }

const METHOD_NAMES: Record<string, string> = { dopri5: 'Dormand–Prince', rkc: 'Runge–Kutta–Chebyshev' };

/** Dormand–Prince and Runge–Kutta–Chebyshev in turn, each phase a fresh integration from where the last one stopped. */
class AutoStepper implements StartableStepper {
  readonly method = 'auto';
  /** The Dormand–Prince phase, current when rk is null. */
  private dp: Dopri5Stepper;
  /** Where the Dormand–Prince phase started. */
  private dpT0: number;
  private rk: RkcStepper | null = null;
  /** The switch happens at the start of the step after the one that asked for it. */
  private switchDue = false;
  /** Calm RKC steps in a row (AutoTuning). */
  private calm = 0;
  private done: Done = { nfev: 0, naccept: 0, nreject: 0, stiffDetections: 0 };
  /** Each switch: where, and to which method. */
  private switches: { t: number; method: string }[] = [];
  /** Why switching failed. */
  private failure: string | null = null;
  private readonly n: number;

  constructor(
    private readonly f: Rhs,
    private readonly span: readonly [number, number],
    y0: ArrayLike<number>,
    private readonly options: AutoOptions,
    private readonly checked: CheckedOptions,
    private readonly limits: StepLimits,
    private readonly tuning: AutoTuning,
  ) {
    this.n = y0.length;
    this.dpT0 = span[0];
    this.dp = new Dopri5Stepper(f, span, y0, this.dopri5Options(options.h0), checked, limits);
  }

  private get cur(): Dopri5Stepper | RkcStepper { return this.rk ?? this.dp; }
  get t(): number { return this.cur.t; }
  get tPrev(): number { return this.cur.tPrev; }
  get hStep(): number { return this.cur.hStep; }
  get y(): Float64Array { return this.cur.y; }
  get dy(): Float64Array { return this.cur.dy; }
  get h(): number { return this.cur.h; }
  get nfev(): number { return this.done.nfev + this.cur.nfev; }
  get naccept(): number { return this.done.naccept + this.cur.naccept; }
  get nreject(): number { return this.done.nreject + this.cur.nreject; }
  get stiffDetections(): number { return this.done.stiffDetections + this.cur.stiffDetections; }
  get message(): string { return this.failure ?? this.cur.message; }
  get note(): string | undefined {
    const sw = this.switches;
    if (sw.length === 0) return undefined;
    const parts = [`Dormand–Prince to t = ${sw[0].t}`];
    for (let i = 1; i < sw.length; i++) parts.push(`${METHOD_NAMES[sw[i - 1].method]} to t = ${sw[i].t}`);
    return `(${parts.join(', ')}, then ${METHOD_NAMES[sw[sw.length - 1].method]})`;
  }

  start(): 'ok' | 'non-finite' | 'max-evals' { return this.dp.start(); }

  step(): StepOutcome {
    if (this.switchDue) {
      if (!(this.rk ? this.switchToDopri5() : this.switchToRkc())) return 'max-evals';
      this.switchDue = false;
    }
    const rk = this.rk;
    if (rk) {
      const outcome = rk.step();
      if (outcome !== 'accepted') return outcome;
      // Steps sized by accuracy well inside Dormand–Prince's stability region, several in a row: hand back.
      this.calm = rk.hRho <= this.tuning.backBound ? this.calm + 1 : 0;
      if (this.calm >= this.tuning.backPatience) { this.calm = 0; this.switchDue = true; }
      return outcome;
    }
    // Without onStiff Dormand–Prince stops at the first stiffness detection: that is the switch.
    const outcome = this.dp.step();
    if (outcome !== 'stiff') return outcome;
    // Stiffness found on the last step of the interval: nothing is left to switch for.
    if (this.dp.t === this.span[1]) return 'end';
    this.switchDue = true;
    return 'switched';
  }

  /** The options of a Dormand–Prince phase: auto's, its stiffness test, and the first step h0. */
  private dopri5Options(h0: number | undefined): Dopri5Options {
    const { onSwitch: _switch, jvp: _jvp, ...shared } = this.options;
    // It tests for stiffness on every accepted step unless told otherwise (stiffness.ts: AUTO_STIFF_CHECK_EVERY).
    return { ...shared, stiffCheckEvery: stiffCheckEvery('auto', this.options.stiffCheckEvery), h0 };
  }

  /** What the RKC phase takes of auto's options (RkcStepper reads hMax and jvp; h0 is set at the switch). */
  private rkcOptions(h0: number): RkcOptions {
    const { onSwitch: _switch, stiffCheckEvery: _every, stiffPatience: _patience, ...rest } = this.options;
    return { ...rest, h0 };
  }

  /** A phase's budgets: what the phases before it (and `ending`, the phase it follows) left. */
  private phaseLimits(ending?: Dopri5Stepper | RkcStepper): StepLimits {
    const d = this.done;
    const steps = d.naccept + d.nreject + (ending ? ending.naccept + ending.nreject : 0);
    return { maxSteps: this.limits.maxSteps - steps, maxEvals: this.limits.maxEvals - d.nfev - (ending?.nfev ?? 0) };
  }

  private fold(from: Dopri5Stepper | RkcStepper): void {
    const d = this.done;
    d.nfev += from.nfev; d.naccept += from.naccept; d.nreject += from.nreject; d.stiffDetections += from.stiffDetections;
  }

  /** False, and no switch yet, when starting RKC would pass maxEvals. */
  private switchToRkc(): boolean {
    const dp = this.dp;
    const tSwitch = dp.t;
    // RKC on [tSwitch, t1] as a fresh integration: its default hMax is what remains of
    // the interval, its first step the last Dormand–Prince step, its budgets what is left.
    const rk = new RkcStepper(this.f, [tSwitch, this.span[1]], dp.y, this.rkcOptions(Math.abs(dp.h)), { ...this.checked }, this.phaseLimits(dp));
    if (rk.start() !== 'ok') { this.failure = rk.message; return false; }
    this.fold(dp);
    this.rk = rk;
    this.calm = 0;
    this.switches.push({ t: tSwitch, method: 'rkc' });
    this.options.onSwitch?.(tSwitch, 'rkc');
    return true;
  }

  /** False, and no switch yet, when starting Dormand–Prince would pass maxEvals. */
  private switchToDopri5(): boolean {
    const rk = this.rk!;
    const tSwitch = rk.t;
    // A fresh Dormand–Prince run (controller and stiffness counters new) from RKC's next step.
    const dp = new Dopri5Stepper(this.f, [tSwitch, this.span[1]], rk.y, this.dopri5Options(Math.abs(rk.h) * rk.fac), { ...this.checked }, this.phaseLimits(rk));
    if (dp.start() !== 'ok') { this.failure = dp.message; return false; }
    this.fold(rk);
    this.dp = dp;
    this.dpT0 = tSwitch;
    this.rk = null;
    this.switches.push({ t: tSwitch, method: 'dopri5' });
    this.options.onSwitch?.(tSwitch, 'dopri5');
    return true;
  }

  interpolate(t: number, out: Float64Array): void { this.cur.interpolate(t, out); }

  save(): Record<string, unknown> {
    // nfev: the evaluations so far, all phases (for the reader; restore() counts from the phases).
    return {
      nfev: this.nfev, dp: this.rk ? null : this.dp.save(), dpT0: this.dpT0, rk: this.rk ? { t0: this.rk.t0, state: this.rk.save() } : null,
      switchDue: this.switchDue, calm: this.calm, done: { ...this.done }, switches: this.switches.map((s) => ({ ...s })),
    };
  }

  restore(state: Record<string, unknown>): void {
    const s = state as {
      dp: Record<string, unknown> | null; dpT0?: number; rk: { t0: number; state: Record<string, unknown> } | null; switchDue: boolean;
      calm?: number; done?: Done; switches?: { t: number; method: string }[];
    };
    const zeros = new Float64Array(this.n);
    this.switchDue = s.switchDue;
    this.failure = null;
    this.rk = null;
    if (s.done === undefined) {
      // A state written before auto switched back: the first Dormand–Prince phase, then perhaps RKC for good.
      this.dpT0 = this.span[0];
      this.dp = new Dopri5Stepper(this.f, this.span, zeros, this.dopri5Options(undefined), this.checked, this.limits);
      this.dp.restore(s.dp!);
      this.done = { nfev: 0, naccept: 0, nreject: 0, stiffDetections: 0 };
      this.calm = 0;
      this.switches = s.rk ? [{ t: s.rk.t0, method: 'rkc' }] : [];
      if (s.rk) this.fold(this.dp);
    } else {
      this.done = { ...s.done };
      this.calm = s.calm!;
      this.switches = s.switches!.map((w) => ({ ...w }));
      this.dpT0 = s.dpT0!;
      if (s.dp) {
        // (h0 is read by start() only.)
        this.dp = new Dopri5Stepper(this.f, [this.dpT0, this.span[1]], zeros, this.dopri5Options(undefined), { ...this.checked }, this.phaseLimits());
        this.dp.restore(s.dp);
      }
    }
    if (s.rk) {
      this.rk = new RkcStepper(this.f, [s.rk.t0, this.span[1]], zeros, this.rkcOptions(1), { ...this.checked }, this.phaseLimits());
      this.rk.restore(s.rk.state);
    }
  }
}

export function autoSwitch(f: Rhs, span: readonly [number, number], y0: ArrayLike<number>, options: AutoOptions = {}, tuning: AutoTuning = AUTO_TUNING): SolveResult {
  checkMethodOptions('auto', options);
  return integrate('auto', (checked, limits) => new AutoStepper(f, span, y0, options, checked, limits, tuning), span, y0, options);
}
