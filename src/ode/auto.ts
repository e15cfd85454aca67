// "auto": Dormand–Prince while the problem is not stiff, Runge–Kutta–Chebyshev
// once Hairer's stiffness test (run on every accepted step) fires (the step is capped by stability, not
// accuracy: for a gradient flow, the convergence phase near a minimum).

import { Dopri5Stepper } from './dopri5.js';
import { integrate, type StartableStepper } from './integrate.js';
import { checkMethodOptions, type CheckedOptions } from './options.js';
import { RkcStepper } from './rkc.js';
import { stiffCheckEvery } from './stiffness.js';
import type { StepLimits, StepOutcome } from './stepper.js';
import type { AutoOptions, Rhs, RkcOptions, SolveResult } from './types.js';

/** Dormand–Prince, then (once, for good) Runge–Kutta–Chebyshev from where the stiffness test fired. */
class AutoStepper implements StartableStepper {
  readonly method = 'auto';
  private readonly dp: Dopri5Stepper;
  private rk: RkcStepper | null = null;
  /** The switch happens at the start of the step after the one that found stiffness. */
  private switchDue = false;

  constructor(
    private readonly f: Rhs,
    private readonly span: readonly [number, number],
    y0: ArrayLike<number>,
    private readonly options: AutoOptions,
    private readonly checked: CheckedOptions,
    private readonly limits: StepLimits,
  ) {
    // Without onStiff Dormand–Prince stops at the first stiffness detection: that is the switch.
    // It tests for stiffness on every accepted step unless told otherwise (stiffness.ts: AUTO_STIFF_CHECK_EVERY).
    const { onSwitch: _switch, jvp: _jvp, ...shared } = options;
    this.dp = new Dopri5Stepper(f, span, y0, { ...shared, stiffCheckEvery: stiffCheckEvery('auto', options.stiffCheckEvery) }, checked, limits);
  }

  private get cur(): Dopri5Stepper | RkcStepper { return this.rk ?? this.dp; }
  get t(): number { return this.cur.t; }
  get tPrev(): number { return this.cur.tPrev; }
  get hStep(): number { return this.cur.hStep; }
  get y(): Float64Array { return this.cur.y; }
  get dy(): Float64Array { return this.cur.dy; }
  get h(): number { return this.cur.h; }
  get nfev(): number { return this.dp.nfev + (this.rk?.nfev ?? 0); }
  get naccept(): number { return this.dp.naccept + (this.rk?.naccept ?? 0); }
  get nreject(): number { return this.dp.nreject + (this.rk?.nreject ?? 0); }
  get stiffDetections(): number { return this.dp.stiffDetections; }
  get message(): string { return this.failure ?? this.cur.message; }
  /** Why switching failed. */
  private failure: string | null = null;
  get note(): string | undefined {
    return this.rk ? `(Dormand–Prince to t = ${this.rk.t0}, then Runge–Kutta–Chebyshev)` : undefined;
  }

  start(): 'ok' | 'non-finite' | 'max-evals' { return this.dp.start(); }

  step(): StepOutcome {
    if (this.switchDue) {
      if (!this.switchToRkc()) return 'max-evals';
      this.switchDue = false;
    }
    if (this.rk) return this.rk.step();
    const outcome = this.dp.step();
    if (outcome !== 'stiff') return outcome;
    // Stiffness found on the last step of the interval: nothing is left to switch for.
    if (this.dp.t === this.span[1]) return 'end';
    this.switchDue = true;
    return 'switched';
  }

  /** False, and no switch yet, when starting RKC would pass maxEvals. */
  private switchToRkc(): boolean {
    const dp = this.dp;
    const tSwitch = dp.t;
    // RKC on [tSwitch, t1] as a fresh integration: its default hMax is what remains of
    // the interval, its first step the last Dormand–Prince step, its budgets what is left.
    const span: [number, number] = [tSwitch, this.span[1]];
    const options: RkcOptions = { ...this.rkcOptions(), h0: Math.abs(dp.h) };
    const limits: StepLimits = {
      maxSteps: this.limits.maxSteps - dp.naccept - dp.nreject,
      maxEvals: this.limits.maxEvals - dp.nfev,
    };
    const rk = new RkcStepper(this.f, span, dp.y, options, { ...this.checked }, limits);
    if (rk.start() !== 'ok') { this.failure = rk.message; return false; }
    this.rk = rk;
    this.options.onSwitch?.(tSwitch, 'rkc');
    return true;
  }

  /** What the RKC phase takes of auto's options (RkcStepper reads hMax and jvp; h0 is set at the switch). */
  private rkcOptions(): RkcOptions {
    const { onSwitch: _switch, stiffCheckEvery: _every, stiffPatience: _patience, ...rest } = this.options;
    return rest;
  }

  interpolate(t: number, out: Float64Array): void { this.cur.interpolate(t, out); }

  save(): Record<string, unknown> {
    return { dp: this.dp.save(), rk: this.rk ? { t0: this.rk.t0, state: this.rk.save() } : null, switchDue: this.switchDue };
  }

  restore(state: Record<string, unknown>): void {
    const s = state as { dp: Record<string, unknown>; rk: { t0: number; state: Record<string, unknown> } | null; switchDue: boolean };
    this.dp.restore(s.dp);
    this.switchDue = s.switchDue;
    this.rk = null;
    if (s.rk) {
      this.rk = new RkcStepper(this.f, [s.rk.t0, this.span[1]], this.dp.y, { ...this.rkcOptions(), h0: 1 }, { ...this.checked }, {
        maxSteps: this.limits.maxSteps - this.dp.naccept - this.dp.nreject,
        maxEvals: this.limits.maxEvals - this.dp.nfev,
      });
      this.rk.restore(s.rk.state);
    }
  }
}

export function autoSwitch(f: Rhs, span: readonly [number, number], y0: ArrayLike<number>, options: AutoOptions = {}): SolveResult {
  checkMethodOptions('auto', options);
  return integrate('auto', (checked, limits) => new AutoStepper(f, span, y0, options, checked, limits), span, y0, options);
}
