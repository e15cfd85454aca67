// Runge–Kutta–Chebyshev, second order, damped (Sommeijer, Shampine & Verwer
// 1997, "RKC: an explicit solver for parabolic PDEs"; Verwer, Sommeijer &
// Hundsdorfer 2004). An explicit method whose stability interval grows like
// 0.65 s^2 with the number of stages s, for problems whose Jacobian has a real
// (or nearly real) spectrum. A gradient flow's Jacobian is minus the Hessian
// of the loss: symmetric, so its spectrum is real, and near a minimum the flow
// is stiff. The spectral radius comes from a power iteration on finite-
// difference Jacobian-vector products, warm-started from the last estimate;
// or, when the caller gives the exact product (options.jvp), from a few
// Lanczos steps on it (lanczos.ts), with a 10% margin instead of the power
// iteration's 20% when they converge.

import { integrate } from './integrate.js';
import { LanczosRadius } from './lanczos.js';
import { portablePow } from '../numeric/portableMath.js';
import { rmsNorm, UROUND } from './norm.js';
import { rkcArithmetic, type RkcArithmetic } from './rkcArithmetic.js';
import { checkMethodOptions, type CheckedOptions } from './options.js';
import { restoreFields, saveFields, type StepLimits, type StepOutcome, type Stepper } from './stepper.js';
import type { Rhs, RkcOptions, SolveResult } from './types.js';

const DAMPING = 2 / 13;
const MAX_STAGES = 2000;

interface Coefficients {
  s: number;
  mu: Float64Array; nu: Float64Array; muT: Float64Array; gammaT: Float64Array; c: Float64Array;
}

const cache = new Map<number, Coefficients>();

/** Stage coefficients of the damped s-stage RKC2 method (Verwer et al. 2004, (2.7)–(2.9)). */
function coefficients(s: number): Coefficients {
  const hit = cache.get(s);
  if (hit) return hit;
  const w0 = 1 + DAMPING / (s * s);
  const T = new Float64Array(s + 1), dT = new Float64Array(s + 1), ddT = new Float64Array(s + 1);
  T[0] = 1; T[1] = w0; dT[1] = 1;
  for (let j = 2; j <= s; j++) {
    T[j] = 2 * w0 * T[j - 1] - T[j - 2];
    dT[j] = 2 * T[j - 1] + 2 * w0 * dT[j - 1] - dT[j - 2];
    ddT[j] = 4 * dT[j - 1] + 2 * w0 * ddT[j - 1] - ddT[j - 2];
  }
  const w1 = dT[s] / ddT[s];
  const b = new Float64Array(s + 1);
  for (let j = 2; j <= s; j++) b[j] = ddT[j] / (dT[j] * dT[j]);
  b[0] = b[1] = b[2];
  const mu = new Float64Array(s + 1), nu = new Float64Array(s + 1), muT = new Float64Array(s + 1), gammaT = new Float64Array(s + 1), c = new Float64Array(s + 1);
  muT[1] = b[1] * w1;
  c[1] = muT[1];
  for (let j = 2; j <= s; j++) {
    mu[j] = (2 * b[j] * w0) / b[j - 1];
    nu[j] = -b[j] / b[j - 2];
    muT[j] = (2 * b[j] * w1) / b[j - 1];
    gammaT[j] = -(1 - b[j - 1] * T[j - 1]) * muT[j];
    c[j] = mu[j] * c[j - 1] + nu[j] * c[j - 2] + muT[j] + gammaT[j];
  }
  const out = { s, mu, nu, muT, gammaT, c };
  cache.set(s, out);
  return out;
}

/** Stages needed for stability at h * rho (damped RKC2: h rho <= 0.653 s^2 about). */
export function stagesFor(hRho: number): number {
  return Math.max(2, Math.ceil(1 + Math.sqrt(1 + 1.54 * hRho)));
}

/** Most iterations of the power iteration for the spectral radius (each one evaluation). */
const POWER_ITERATIONS = 50;
/** Safety factors on the spectral radius: the power iteration's (rkc.f's), and a converged Lanczos estimate's. */
const POWER_MARGIN = 1.2;
const LANCZOS_MARGIN = 1.1;
/** Most Lanczos steps for the spectral radius from exact Jacobian-vector products. */
const LANCZOS_STEPS = 12;
/**
 * What a Jacobian-vector product costs in evaluations of f: the derivative
 * pass of a Hessian-vector product is about two evaluations (the field
 * kernels' hessianVector.ts). nfev counts each product so, and one evaluation
 * more for each point the products linearize at.
 */
export const JVP_COST = 2;
/** The most a spectral-radius estimate may cost, in evaluations (budget checks). */
function radiusCost(exact: boolean): number { return exact ? 1 + JVP_COST * LANCZOS_STEPS : POWER_ITERATIONS; }

/** The fields save() writes and restore() reads: everything step() depends on. */
const STATE = ['t', 'h', 'y', 'F0', 'v', 'haveVector', 'rho', 'sinceRho', 'reject', 'fac', 'pending', 'nfev', 'naccept', 'nreject', 'steps'] as const;

export class RkcStepper implements Stepper {
  readonly method = 'rkc';
  /** Start of the interval this stepper integrates. */
  readonly t0: number;
  t: number;
  tPrev: number;
  hStep = 0;
  /** Step size, signed (t grows by h); step() works with its magnitude and the direction dir. */
  h = 0;
  y: Float64Array;
  /** f(t, y). */
  F0: Float64Array;
  nfev = 0; naccept = 0; nreject = 0; steps = 0;
  readonly stiffDetections = 0;
  message = '';
  /** Power-iteration vector, warm-started from step to step, and the radius it gave. */
  v: Float64Array;
  haveVector = false;
  rho = 0;
  sinceRho = 0;
  reject = false;
  /** The step-size factor of the last accepted step, taken up by the next step(). */
  fac = 1;
  /** h rho (rho with its margin) of the last step tried: what its stage count was chosen for (auto reads it). */
  hRho = 0;
  pending = false;
  /** After a step: the previous state and f there (swapped, not copied, with y and F0). */
  private yNew: Float64Array;
  private F1: Float64Array;
  /** Scratch vectors of the stage recurrence. */
  private readonly Yjm2: Float64Array; private readonly Yjm1: Float64Array; private readonly Yj: Float64Array;
  private readonly Fj: Float64Array;
  private readonly fv: Float64Array;
  /** The per-component absolute tolerances, where the arithmetic reads them. */
  private readonly atol: Float64Array;
  private readonly arith: RkcArithmetic;
  private readonly lanczos: LanczosRadius | null;
  private readonly n: number;
  private readonly t1: number;
  private readonly dir: number;
  private readonly hMax: number;

  constructor(
    private readonly f: Rhs,
    span: readonly [number, number],
    y0: ArrayLike<number>,
    private readonly options: RkcOptions,
    private readonly checked: CheckedOptions,
    private readonly limits: StepLimits,
  ) {
    const n = (this.n = y0.length);
    this.t = this.tPrev = this.t0 = span[0];
    this.t1 = span[1];
    this.dir = checked.dir;
    this.hMax = Math.abs(options.hMax ?? (span[1] - span[0] || 1));
    // Every vector the arithmetic touches is one of its own (in wasm memory for the wasm kind).
    const a = (this.arith = rkcArithmetic(n, options.arithmetic));
    this.y = a.vector(); this.y.set(y0);
    this.yNew = a.vector();
    this.F0 = a.vector(); this.F1 = a.vector();
    this.Yjm2 = a.vector(); this.Yjm1 = a.vector(); this.Yj = a.vector();
    this.Fj = a.vector();
    this.v = a.vector(); this.fv = a.vector();
    this.atol = a.vector(); this.atol.set(checked.atol);
    this.lanczos = options.jvp ? new LanczosRadius(n, LANCZOS_STEPS) : null;
  }

  get dy(): Float64Array { return this.F0; }

  /** Evaluate f at the start, estimate the spectral radius and choose the first step. */
  start(): 'ok' | 'max-evals' {
    const { n, y, F0, hMax, t1, t } = this;
    const { atol, rtol } = this.checked;
    const need = 1 + radiusCost(this.lanczos !== null);
    if (this.nfev + need > this.limits.maxEvals) {
      this.message = `stopped before the first step: f and the spectral radius may need ${need} evaluations, more than maxEvals = ${this.limits.maxEvals}`;
      return 'max-evals';
    }
    this.f(t, y, F0); this.nfev++;
    this.rho = this.spectralRadius();
    const h0 = this.options.h0;
    let h = h0 !== undefined ? Math.abs(h0) : Math.min(hMax, Math.abs(t1 - t), 1 / Math.max(this.rho, 1e-300));
    // A first step from the tolerance scale, as for Dormand–Prince.
    if (h0 === undefined) {
      let dnf = 0;
      for (let i = 0; i < n; i++) dnf += (F0[i] / (atol[i] + rtol * Math.abs(y[i]))) ** 2;
      dnf = Math.sqrt(dnf / n);
      if (dnf === Infinity) {
        // The squares overflowed (tolerances near 1e-300): the same norm, scaled by its largest term.
        let big = 0, sum = 0;
        for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(F0[i] / (atol[i] + rtol * Math.abs(y[i]))));
        for (let i = 0; i < n; i++) sum += (F0[i] / (atol[i] + rtol * Math.abs(y[i])) / big) ** 2;
        dnf = big * Math.sqrt(sum / n);
      }
      if (dnf > 0) h = Math.min(h * 100, 0.1 / dnf, hMax);
    }
    this.h = this.dir * h;
    return 'ok';
  }

  /** The spectral radius of the Jacobian at (t, y), with a safety margin. */
  private spectralRadius(): number {
    const jvp = this.options.jvp;
    if (this.lanczos && jvp) {
      if (!this.haveVector) { this.v.set(this.F0); this.haveVector = true; }
      const r = this.lanczos.radius(jvp, this.t, this.y, this.v);
      this.nfev += 1 + JVP_COST * r.products;
      // A Krylov estimate comes from inside the spectrum; a dense top of the spectrum
      // can leave it ~7% short even when its stopping test passes (test/lanczos.test.ts).
      return (r.converged ? LANCZOS_MARGIN : POWER_MARGIN) * r.radius;
    }
    return this.powerIteration();
  }

  /** Power iteration for the spectral radius of the Jacobian at (t, y). */
  private powerIteration(): number {
    const { n, y, F0, v, fv, f, t } = this;
    const yNew = this.yNew;
    const ynorm = Math.sqrt(this.arith.sumSquares(y));
    if (!this.haveVector) {
      // Start along f itself, with a little of every component, as rkc.f does.
      for (let i = 0; i < n; i++) v[i] = F0[i] + 1e-3 * (1 + (i % 7)) * (ynorm > 0 ? ynorm / Math.sqrt(n) : 1);
      this.haveVector = true;
    }
    let vnorm = Math.sqrt(this.arith.sumSquares(v)) || 1;
    const delta = Math.sqrt(UROUND) * Math.max(ynorm, 1);
    let rho = 0;
    for (let iter = 0; iter < POWER_ITERATIONS; iter++) {
      this.arith.axpy(yNew, y, delta / vnorm, v);
      f(t, yNew, fv); this.nfev++;
      const s2 = this.arith.diff(v, fv, F0);
      const est = Math.sqrt(s2) / delta;
      vnorm = Math.sqrt(s2) || 1;
      const converged = iter > 0 && Math.abs(est - rho) <= 0.01 * est;
      rho = est;
      if (converged) break;
    }
    return POWER_MARGIN * rho;
  }

  step(): StepOutcome {
    const { n, f, dir, t1, hMax } = this;
    const { rtol } = this.checked;
    const { maxSteps, maxEvals } = this.limits;
    const { Fj, atol, arith } = this;
    if (this.pending) {
      this.h = dir * Math.min(hMax, Math.abs(this.h) * (this.reject ? Math.min(1, this.fac) : this.fac));
      this.reject = false;
      this.pending = false;
    }
    for (;;) {
      const t = this.t, y = this.y, F0 = this.F0;
      let h = Math.abs(this.h);
      if (this.steps >= maxSteps) { this.message = `stopped after ${maxSteps} steps at t = ${t}`; return 'max-steps'; }
      if (0.1 * h <= Math.abs(t) * UROUND) { this.message = `step size ${h} too small at t = ${t}`; return 'step-too-small'; }
      let last = false;
      if ((t + dir * 1.01 * h - t1) * dir > 0) { h = Math.abs(t1 - t); last = true; }
      if (this.sinceRho >= 25 || this.reject) {
        // The estimate may take all its evaluations: refuse it if they would pass the budget.
        if (this.nfev + radiusCost(this.lanczos !== null) > maxEvals) return this.outOfEvals(t, maxEvals);
        this.rho = this.spectralRadius(); this.sinceRho = 0;
      }
      const rho = this.rho;
      let s = stagesFor(h * rho);
      if (s > MAX_STAGES) { s = MAX_STAGES; h = Math.min(h, (0.653 * s * s) / rho); last = false; }
      this.hRho = h * rho;
      // s - 1 stage evaluations and f at the new point.
      if (this.nfev + s > maxEvals) return this.outOfEvals(t, maxEvals);
      this.h = dir * h;
      const co = coefficients(s);
      const hs = dir * h;
      this.steps++;
      // Y_0 = y, Y_1 = y + muT_1 h F0, Y_j = (1 - mu_j - nu_j) y + mu_j Y_{j-1} + nu_j Y_{j-2} + muT_j h F(Y_{j-1}) + gammaT_j h F0.
      // Y_0 is y itself (no copy); the three scratch vectors take turns, and Y_s goes straight into yNew.
      const yNew = this.yNew, F1 = this.F1;
      let Yjm2 = y, Yjm1 = this.Yjm1, Yj = this.Yj;
      const spare = this.Yjm2;
      arith.axpy(Yjm1, y, co.muT[1] * hs, F0);
      for (let j = 2; j <= s; j++) {
        f(t + co.c[j - 1] * hs, Yjm1, Fj); this.nfev++;
        const a = 1 - co.mu[j] - co.nu[j], mu = co.mu[j], nu = co.nu[j], mt = co.muT[j] * hs, gt = co.gammaT[j] * hs;
        const out = j === s ? yNew : Yj;
        arith.stage(out, y, Yjm1, Yjm2, Fj, F0, a, mu, nu, mt, gt);
        const free = Yjm2 === y ? spare : Yjm2;
        Yjm2 = Yjm1; Yjm1 = out; Yj = free;
      }
      f(t + hs, yNew, F1); this.nfev++;
      // Local error estimate of rkc.f, 0.8 (y_n - y_{n+1}) + 0.4 h (F_n + F_{n+1}), in the weighted RMS norm.
      const sum = arith.errorSum(y, yNew, F0, F1, atol, rtol, 0.4 * hs);
      const err = rmsNorm(sum, n);
      const fac = !Number.isFinite(err) ? 0.1 : err === 0 ? 10 : Math.min(10, Math.max(0.1, 0.8 * portablePow(err, -1 / 3)));
      if (err <= 1) {
        this.naccept++; this.sinceRho++;
        // The new state and f there become current; the old ones stay for dense output.
        this.y = yNew; this.yNew = y;
        this.F0 = F1; this.F1 = F0;
        this.tPrev = t;
        this.hStep = hs;
        this.t = last ? t1 : t + hs;
        // h stays the step taken until the next step() takes up the factor for the next one.
        this.h = hs;
        this.fac = fac;
        this.pending = true;
        return last ? 'end' : 'accepted';
      }
      this.nreject++;
      this.reject = true;
      this.h = dir * (h * fac);
    }
  }

  private outOfEvals(t: number, maxEvals: number): StepOutcome {
    this.message = `stopped after ${this.nfev} evaluations at t = ${t}: the next step would pass maxEvals = ${maxEvals}`;
    return 'max-evals';
  }

  interpolate(tOut: number, out: Float64Array): void {
    // Cubic Hermite on (y, F0) and (yNew, F1); after the swap in step() the old pair sits in yNew, F1.
    const { n } = this;
    const yOld = this.yNew, yNew = this.y, F0 = this.F1, F1 = this.F0;
    const hs = this.hStep;
    const th = (tOut - this.tPrev) / hs, th1 = 1 - th;
    for (let i = 0; i < n; i++) {
      out[i] = th1 * th1 * (1 + 2 * th) * yOld[i] + th * th * (3 - 2 * th) * yNew[i] + hs * th * th1 * (th1 * F0[i] - th * F1[i]);
    }
  }

  save(): Record<string, unknown> { return saveFields(this, STATE); }

  /** After a restore there is no last step to interpolate on. */
  restore(state: Record<string, unknown>): void {
    restoreFields(this, state, STATE);
    this.tPrev = this.t;
    this.hStep = 0;
  }
}

export function rkc(f: Rhs, span: readonly [number, number], y0: ArrayLike<number>, options: RkcOptions = {}): SolveResult {
  checkMethodOptions('rkc', options);
  return integrate('rkc', (checked, limits) => new RkcStepper(f, span, y0, options, checked, limits), span, y0, options);
}
