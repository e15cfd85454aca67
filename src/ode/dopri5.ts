// Dormand–Prince 5(4) with FSAL, PI step control, automatic initial step,
// 4th-order dense output and stiffness detection.
// Coefficients, error norm, step control and stiffness test follow Hairer,
// Nørsett & Wanner, "Solving Ordinary Differential Equations I", 2nd ed.,
// section II.5 and II.4, and Hairer's Fortran code DOPRI5 (Dormand & Prince 1980).

import { integrate } from './integrate.js';
import type { CheckedOptions } from './options.js';
import { allFinite, restoreFields, saveFields, type StepLimits, type StepOutcome, type Stepper } from './stepper.js';
import { countStiffnessTest, STIFF_CHECK_EVERY, STIFF_PATIENCE, stiffnessEstimate, stiffnessTestDue } from './stiffness.js';
import type { Rhs, SolveOptions, SolveResult } from './types.js';

export const c2 = 0.2, c3 = 0.3, c4 = 0.8, c5 = 8 / 9;
export const a21 = 0.2;
export const a31 = 3 / 40, a32 = 9 / 40;
export const a41 = 44 / 45, a42 = -56 / 15, a43 = 32 / 9;
export const a51 = 19372 / 6561, a52 = -25360 / 2187, a53 = 64448 / 6561, a54 = -212 / 729;
export const a61 = 9017 / 3168, a62 = -355 / 33, a63 = 46732 / 5247, a64 = 49 / 176, a65 = -5103 / 18656;
export const a71 = 35 / 384, a73 = 500 / 1113, a74 = 125 / 192, a75 = -2187 / 6784, a76 = 11 / 84;
// Error coefficients: 5th-order minus embedded 4th-order weights.
export const e1 = 71 / 57600, e3 = -71 / 16695, e4 = 71 / 1920, e5 = -17253 / 339200, e6 = 22 / 525, e7 = -1 / 40;
// Dense output (Shampine's 4th-order interpolant as coded in DOPRI5's CONTD5).
export const d1 = -12715105075 / 11282082432, d3 = 87487479700 / 32700410799, d4 = -10690763975 / 1880347072;
export const d5 = 701980252875 / 199316789632, d6 = -1453857185 / 822651844, d7 = 69997945 / 29380423;

export const UROUND = 2.3e-16;
export const SAFE = 0.9;
export const FAC1 = 0.2; // smallest step ratio hnew/h
export const FAC2 = 10; // largest step ratio hnew/h
export const BETA = 0.04; // PI (Lund) stabilization
export const EXPO1 = 0.2 - BETA * 0.75;
/** Evaluations of one step: six stages, the seventh is the next step's first (FSAL). */
export const EVALS_PER_STEP = 6;

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
  facold = 1e-4;
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
    private readonly options: SolveOptions,
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
    const cost = this.options.h0 !== undefined ? 1 : 2;
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
    this.h = Math.min(Math.max(h, this.hMin), this.hMax) * this.dir;
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
    if (this.pending) {
      // What the previous accepted step proposed, limited as DOPRI5 does once it goes on.
      let hnew = this.hNew;
      if (Math.abs(hnew) > hMax) hnew = dir * hMax;
      if (this.reject) hnew = dir * Math.min(Math.abs(hnew), Math.abs(this.h));
      this.reject = false;
      this.h = hnew;
      this.pending = false;
    }
    const ysti = this.ysti, k3 = this.k3, k4 = this.k4, k5 = this.k5, k6 = this.k6;
    for (;;) {
      const t = this.t, y = this.y, y1 = this.y1, k1 = this.k1, k2 = this.k2;
      let h = this.h;
      if (this.nsteps >= this.limits.maxSteps) {
        this.message = `stopped after ${this.limits.maxSteps} steps at t = ${t}`;
        return 'max-steps';
      }
      if (this.nfev + EVALS_PER_STEP > this.limits.maxEvals) {
        this.message = `stopped after ${this.nfev} evaluations at t = ${t}: the next step would pass maxEvals = ${this.limits.maxEvals}`;
        return 'max-evals';
      }
      if (Math.abs(h) < hMin || 0.1 * Math.abs(h) <= Math.abs(t) * UROUND) {
        this.message = `step size ${Math.abs(h)} too small at t = ${t}`;
        return 'step-too-small';
      }
      let last = false;
      if ((t + 1.01 * h - t1) * dir > 0) { h = t1 - t; last = true; this.h = h; }
      this.nsteps++;

      for (let i = 0; i < n; i++) y1[i] = y[i] + h * a21 * k1[i];
      f(t + c2 * h, y1, k2);
      for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
      f(t + c3 * h, y1, k3);
      for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
      f(t + c4 * h, y1, k4);
      for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
      f(t + c5 * h, y1, k5);
      for (let i = 0; i < n; i++) ysti[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
      const tph = t + h;
      f(tph, ysti, k6);
      for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
      f(tph, y1, k2); // k7, first stage of the next step (FSAL)
      this.nfev += 6;

      // Scaled RMS norm of the embedded error estimate (Hairer's II.4 (4.11)).
      let err = 0;
      for (let i = 0; i < n; i++) {
        const e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k2[i]);
        const sk = atol[i] + rtol * Math.max(Math.abs(y[i]), Math.abs(y1[i]));
        err += (e / sk) ** 2;
      }
      err = Math.sqrt(err / n);

      if (!Number.isFinite(err)) {
        // A stage blew up: retreat hard, as for a large error.
        this.h = h * FAC1; this.reject = true; this.nreject++;
        continue;
      }

      // PI controller (Gustafsson; Hairer II.4 (4.13) with beta = 0.04).
      const fac11 = Math.pow(err, EXPO1);
      let fac = fac11 / Math.pow(this.facold, BETA);
      fac = Math.max(1 / FAC2, Math.min(1 / FAC1, fac / SAFE));
      const hnew = h / fac;

      if (err > 1) {
        this.h = h / Math.min(1 / FAC1, fac11 / SAFE);
        this.reject = true;
        if (this.naccept >= 1) this.nreject++;
        continue;
      }
      this.facold = Math.max(err, 1e-4);
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
      this.hNew = hnew;
      this.pending = true;
      return stiff ? 'stiff' : last ? 'end' : 'accepted';
    }
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
 * Hairer's HINIT: make h * f of unit size relative to the tolerance scale,
 * then correct with an estimate of the second derivative (one evaluation of
 * f, at y1 = y + h0 k1, into k2; y1 and k2 are scratch). Returns the
 * unsigned initial step. Shared by the stepper and the ensemble lanes.
 */
export function dopri5InitialStep(
  f: Rhs, t: number, y: Float64Array, k1: Float64Array, y1: Float64Array, k2: Float64Array,
  atol: Float64Array, rtol: number, hMax: number, dir: number,
): number {
  const n = y.length;
  let dnf = 0, dny = 0;
  for (let i = 0; i < n; i++) {
    const sk = atol[i] + rtol * Math.abs(y[i]);
    dnf += (k1[i] / sk) ** 2; dny += (y[i] / sk) ** 2;
  }
  let h0 = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : Math.sqrt(dny / dnf) * 0.01;
  h0 = Math.min(h0, hMax);
  for (let i = 0; i < n; i++) y1[i] = y[i] + dir * h0 * k1[i];
  f(t + dir * h0, y1, k2);
  let der2 = 0;
  for (let i = 0; i < n; i++) {
    const sk = atol[i] + rtol * Math.abs(y[i]);
    der2 += ((k2[i] - k1[i]) / sk) ** 2;
  }
  der2 = Math.sqrt(der2) / h0;
  const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf));
  const h1 = der12 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / der12, 1 / 5);
  const h = Math.min(100 * h0, h1, hMax);
  return Number.isFinite(h) && h > 0 ? h : 1e-6;
}

/**
 * Integrate y' = f(t, y) from span[0] to span[1] (forwards or backwards).
 * The right-hand side writes into its third argument and must not allocate.
 */
export function dopri5(f: Rhs, span: readonly [number, number], y0: ArrayLike<number>, options: SolveOptions = {}): SolveResult {
  return integrate('dopri5', (checked, limits) => new Dopri5Stepper(f, span, y0, options, checked, limits), span, y0, options);
}
