// Dormand–Prince 5(4) with FSAL, PI step control, automatic initial step,
// 4th-order dense output and stiffness detection: the stepper over one
// contiguous state. The arithmetic (tableau, error norm, controller, step
// checks) is the core in dormandPrince.ts, shared with the ensemble lanes;
// the stiffness test is stiffness.ts. Hairer, Nørsett & Wanner, "Solving
// Ordinary Differential Equations I", 2nd ed., II.4, II.5 and II.10, and
// Hairer's Fortran code DOPRI5 (Dormand & Prince 1980).

import {
  accepted, c2, c3, c4, c5, countsAsRejection, d1, d3, d4, d5, d6, d7, dopri5InitialStep, errorTerm, FACOLD0, firstStep, nextFacold, nextStep,
  piControl, reachesEnd, stage2, stage3, stage4, stage5, stage6, stage7, startCost, STEP_MAX_EVALS, STEP_MAX_STEPS, STEP_OK, stepCheck,
} from './dormandPrince.js';
import { integrate } from './integrate.js';
import { rmsNorm } from './norm.js';
import { checkMethodOptions, type CheckedOptions } from './options.js';
import { allFinite, restoreFields, saveFields, type StepLimits, type StepOutcome, type Stepper } from './stepper.js';
import { countStiffnessTest, STIFF_CHECK_EVERY, STIFF_PATIENCE, stiffnessEstimate, stiffnessTestDue } from './stiffness.js';
import type { Dopri5Options, Rhs, SolveResult } from './types.js';

/** The fields save() writes and restore() reads: everything step() depends on. */
const STATE = ['t', 'h', 'hNew', 'pending', 'y', 'k1', 'facold', 'reject', 'iasti', 'nonsti', 'nfev', 'naccept', 'nreject', 'nsteps', 'stiffDetections'] as const;

export class Dopri5Stepper implements Stepper {
  readonly method = 'dopri5';
  t: number;
  tPrev: number;
  hStep = 0;
  h = 0;
  /** The step proposed after an accepted step, taken up by the next step(). */
  hNew = 0;
  pending = false;
  y: Float64Array;
  /** f(t, y): the first stage of the next step (FSAL). */
  k1: Float64Array;
  nfev = 0; naccept = 0; nreject = 0; nsteps = 0;
  stiffDetections = 0;
  message = '';
  // PI controller memory and the stiffness test's counters (DOPRI5's FACOLD, IASTI, NONSTI).
  facold = FACOLD0;
  reject = false;
  iasti = 0; nonsti = 0;
  /** The previous state and first stage after a step (swapped, not copied, with y and k1). */
  private y1: Float64Array;
  private k2: Float64Array;
  private readonly ysti: Float64Array;
  private readonly k3: Float64Array; private readonly k4: Float64Array;
  private readonly k5: Float64Array; private readonly k6: Float64Array;
  private readonly r1: Float64Array; private readonly r2: Float64Array; private readonly r3: Float64Array;
  private readonly r4: Float64Array; private readonly r5: Float64Array;
  private denseReady = false;
  private readonly n: number;
  private readonly t1: number;
  private readonly dir: number;
  private readonly hMin: number;
  private readonly hMax: number;
  private readonly nstiff: number;
  private readonly stiffPatience: number;

  constructor(
    private readonly f: Rhs,
    span: readonly [number, number],
    y0: ArrayLike<number>,
    private readonly options: Dopri5Options,
    private readonly checked: CheckedOptions,
    private readonly limits: StepLimits,
  ) {
    const n = (this.n = y0.length);
    this.t = this.tPrev = span[0];
    this.t1 = span[1];
    this.dir = checked.dir;
    this.hMin = options.hMin ?? 0;
    this.nstiff = options.stiffCheckEvery ?? STIFF_CHECK_EVERY;
    this.stiffPatience = options.stiffPatience ?? STIFF_PATIENCE;
    this.hMax = Math.abs(options.hMax ?? (span[1] - span[0] || 1));
    this.y = Float64Array.from(y0);
    this.y1 = new Float64Array(n); this.ysti = new Float64Array(n);
    this.k1 = new Float64Array(n); this.k2 = new Float64Array(n); this.k3 = new Float64Array(n);
    this.k4 = new Float64Array(n); this.k5 = new Float64Array(n); this.k6 = new Float64Array(n);
    this.r1 = new Float64Array(n); this.r2 = new Float64Array(n); this.r3 = new Float64Array(n);
    this.r4 = new Float64Array(n); this.r5 = new Float64Array(n);
  }

  get dy(): Float64Array { return this.k1; }

  /** Evaluate f at the start and choose the first step (one more evaluation without h0). */
  start(): 'ok' | 'non-finite' | 'max-evals' {
    const cost = startCost(this.options.h0);
    if (this.nfev + cost > this.limits.maxEvals) {
      this.message = `stopped before the first step: it needs ${cost} evaluations, more than maxEvals = ${this.limits.maxEvals}`;
      return 'max-evals';
    }
    this.f(this.t, this.y, this.k1); this.nfev++;
    if (!allFinite(this.k1)) {
      this.message = `right-hand side is not finite at t = ${this.t}`;
      return 'non-finite';
    }
    const h = this.options.h0 !== undefined ? Math.abs(this.options.h0) : this.initialStep();
    this.h = firstStep(h, this.hMin, this.hMax, this.dir);
    return 'ok';
  }

  private initialStep(): number {
    const h = dopri5InitialStep(this.f, this.t, this.y, this.k1, this.y1, this.k2, this.checked.atol, this.checked.rtol, this.hMax, this.dir);
    this.nfev++;
    return h;
  }

  step(): StepOutcome {
    const { n, f, dir, t1, hMin, hMax } = this;
    const { atol, rtol } = this.checked;
    const { maxSteps, maxEvals } = this.limits;
    if (this.pending) {
      // What the previous accepted step proposed, limited as DOPRI5 does once it goes on.
      this.h = nextStep(this.hNew, this.h, hMax, dir, this.reject);
      this.reject = false;
      this.pending = false;
    }
    const ysti = this.ysti, k3 = this.k3, k4 = this.k4, k5 = this.k5, k6 = this.k6;
    for (;;) {
      const t = this.t, y = this.y, y1 = this.y1, k1 = this.k1, k2 = this.k2;
      let h = this.h;
      const why = stepCheck(this.nsteps, maxSteps, this.nfev, maxEvals, h, t, hMin);
      if (why !== STEP_OK) return this.cannotStep(why, t, h);
      let last = false;
      if (reachesEnd(t, h, t1, dir)) { h = t1 - t; last = true; this.h = h; }
      this.nsteps++;

      for (let i = 0; i < n; i++) y1[i] = stage2(y[i], h, k1[i]);
      f(t + c2 * h, y1, k2);
      for (let i = 0; i < n; i++) y1[i] = stage3(y[i], h, k1[i], k2[i]);
      f(t + c3 * h, y1, k3);
      for (let i = 0; i < n; i++) y1[i] = stage4(y[i], h, k1[i], k2[i], k3[i]);
      f(t + c4 * h, y1, k4);
      for (let i = 0; i < n; i++) y1[i] = stage5(y[i], h, k1[i], k2[i], k3[i], k4[i]);
      f(t + c5 * h, y1, k5);
      for (let i = 0; i < n; i++) ysti[i] = stage6(y[i], h, k1[i], k2[i], k3[i], k4[i], k5[i]);
      const tph = t + h;
      f(tph, ysti, k6);
      for (let i = 0; i < n; i++) y1[i] = stage7(y[i], h, k1[i], k3[i], k4[i], k5[i], k6[i]);
      f(tph, y1, k2); // k7, first stage of the next step (FSAL)
      this.nfev += 6;

      let sum = 0;
      for (let i = 0; i < n; i++) sum += errorTerm(h, k1[i], k3[i], k4[i], k5[i], k6[i], k2[i], atol[i], rtol, y[i], y1[i]);
      const err = rmsNorm(sum, n);
      const hn = piControl(h, err, this.facold);
      if (!accepted(err)) {
        this.h = hn;
        this.reject = true;
        if (countsAsRejection(err, this.naccept)) this.nreject++;
        continue;
      }
      this.facold = nextFacold(err);
      this.naccept++;

      // Stiffness test (Hairer II.10 / DOPRI5): estimate h*|lambda| from the
      // last two stages, both evaluated at t + h.
      let stiff = false;
      if (stiffnessTestDue(this.naccept, this.nstiff, this)) {
        if (countStiffnessTest(this, stiffnessEstimate(h, k2, k6, y1, ysti, n), this.stiffPatience)) {
          this.stiffDetections++;
          stiff = this.options.onStiff ? this.options.onStiff(tph, y1) : true;
          if (stiff) this.message = `problem seems stiff at t = ${tph}: the step is limited by stability, not accuracy`;
        }
      }

      // Accept: the new state and FSAL stage become current; the old ones stay for dense output.
      this.y = y1; this.y1 = y;
      this.k1 = k2; this.k2 = k1;
      this.tPrev = t;
      this.hStep = h;
      this.t = last ? t1 : t + h; // the exact end point
      this.denseReady = false;
      this.hNew = hn;
      this.pending = true;
      return stiff ? 'stiff' : last ? 'end' : 'accepted';
    }
  }

  /** The outcome and message of a step that cannot start (stepCheck's verdict why). */
  private cannotStep(why: number, t: number, h: number): StepOutcome {
    if (why === STEP_MAX_STEPS) {
      this.message = `stopped after ${this.limits.maxSteps} steps at t = ${t}`;
      return 'max-steps';
    }
    if (why === STEP_MAX_EVALS) {
      this.message = `stopped after ${this.nfev} evaluations at t = ${t}: the next step would pass maxEvals = ${this.limits.maxEvals}`;
      return 'max-evals';
    }
    this.message = `step size ${Math.abs(h)} too small at t = ${t}`;
    return 'step-too-small';
  }

  interpolate(tOut: number, out: Float64Array): void {
    const { n, r1, r2, r3, r4, r5 } = this;
    const hh = this.hStep;
    if (!this.denseReady) {
      // After the swap in step(): y1 holds the old state, k2 the old first stage, k1 = k7.
      const yOld = this.y1, yNew = this.y, k1 = this.k2, k7 = this.k1;
      const k3 = this.k3, k4 = this.k4, k5 = this.k5, k6 = this.k6;
      for (let i = 0; i < n; i++) {
        const ydiff = yNew[i] - yOld[i];
        const bspl = hh * k1[i] - ydiff;
        r1[i] = yOld[i];
        r2[i] = ydiff;
        r3[i] = bspl;
        r4[i] = ydiff - hh * k7[i] - bspl;
        r5[i] = hh * (d1 * k1[i] + d3 * k3[i] + d4 * k4[i] + d5 * k5[i] + d6 * k6[i] + d7 * k7[i]);
      }
      this.denseReady = true;
    }
    const s = (tOut - this.tPrev) / hh;
    const s1 = 1 - s;
    for (let i = 0; i < n; i++) out[i] = r1[i] + s * (r2[i] + s1 * (r3[i] + s * (r4[i] + s1 * r5[i])));
  }

  save(): Record<string, unknown> { return saveFields(this, STATE); }

  /** After a restore there is no last step to interpolate on. */
  restore(state: Record<string, unknown>): void {
    restoreFields(this, state, STATE);
    this.tPrev = this.t;
    this.hStep = 0;
  }
}

/**
 * Integrate y' = f(t, y) from span[0] to span[1] (forwards or backwards).
 * The right-hand side writes into its third argument and must not allocate.
 */
export function dopri5(f: Rhs, span: readonly [number, number], y0: ArrayLike<number>, options: Dopri5Options = {}): SolveResult {
  checkMethodOptions('dopri5', options);
  return integrate('dopri5', (checked, limits) => new Dopri5Stepper(f, span, y0, options, checked, limits), span, y0, options);
}
