// The Dormand–Prince 5(4) core, as pure functions of numbers: the tableau's
// stage combinations and error estimate per component, the PI step-size
// controller and the checks at the entry of a step (Hairer, Nørsett & Wanner,
// "Solving Ordinary Differential Equations I", 2nd ed., II.4 and II.5, and
// Hairer's Fortran DOPRI5; Dormand & Prince 1980). The single stepper
// (dopri5.ts) and the ensemble lanes (ensemble.ts, and the same operations in
// wasm/dmflow_kernels.c) call these in the same order, so a lane computes
// exactly what a run alone does; they differ only in where the numbers are
// stored (contiguous, or component i of lane l at i * L + l).

import { portablePow } from '../numeric/portableMath.js';
import { scaledSquare, UROUND } from './norm.js';
import type { Rhs } from './types.js';

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

export { UROUND };
export const SAFE = 0.9;
export const FAC1 = 0.2; // smallest step ratio hnew/h
export const FAC2 = 10; // largest step ratio hnew/h
export const BETA = 0.04; // PI (Lund) stabilization
export const EXPO1 = 0.2 - BETA * 0.75;
/** Evaluations of one step: six stages, the seventh is the next step's first (FSAL). */
export const EVALS_PER_STEP = 6;
/** The controller's memory of the last accepted error before any step (DOPRI5's FACOLD). */
export const FACOLD0 = 1e-4;

// Stage states y + h sum_j a_sj k_j, per component (Hairer II.5, Table 5.2).
// stage7 is the 5th-order solution; the last two stages are both at t + h.
export const stage2 = (y: number, h: number, k1: number): number => y + h * a21 * k1;
export const stage3 = (y: number, h: number, k1: number, k2: number): number => y + h * (a31 * k1 + a32 * k2);
export const stage4 = (y: number, h: number, k1: number, k2: number, k3: number): number => y + h * (a41 * k1 + a42 * k2 + a43 * k3);
export const stage5 = (y: number, h: number, k1: number, k2: number, k3: number, k4: number): number =>
  y + h * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4);
export const stage6 = (y: number, h: number, k1: number, k2: number, k3: number, k4: number, k5: number): number =>
  y + h * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5);
export const stage7 = (y: number, h: number, k1: number, k3: number, k4: number, k5: number, k6: number): number =>
  y + h * (a71 * k1 + a73 * k3 + a74 * k4 + a75 * k5 + a76 * k6);

/**
 * One term of the error norm's sum (norm.ts): the embedded estimate
 * h sum_j e_j k_j of a component, scaled by the step's ends y and y1 = stage7.
 */
export function errorTerm(
  h: number, k1: number, k3: number, k4: number, k5: number, k6: number, k7: number, atol: number, rtol: number, y: number, y1: number,
): number {
  return scaledSquare(h * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7), atol, rtol, y, y1);
}

/**
 * The PI controller (Gustafsson; Hairer II.4 (4.13) with beta = 0.04) after a
 * step of signed size h whose error norm is err: accepted (err <= 1), the
 * step it proposes next; rejected, the step to retry with (a non-finite err,
 * a stage that blew up, retreats by FAC1). facold is the error of the last
 * accepted step (FACOLD0 before any).
 */
export function piControl(h: number, err: number, facold: number): number {
  if (!Number.isFinite(err)) return h * FAC1;
  const fac11 = portablePow(err, EXPO1);
  if (err > 1) return h / Math.min(1 / FAC1, fac11 / SAFE);
  const fac = Math.max(1 / FAC2, Math.min(1 / FAC1, fac11 / portablePow(facold, BETA) / SAFE));
  return h / fac;
}

/** Is a step with error norm err accepted? (false for NaN.) */
export const accepted = (err: number): boolean => err <= 1;

/** Does a rejection count in nreject? A non-finite error always; a large one after the first accepted step (DOPRI5's NREJCT). */
export const countsAsRejection = (err: number, naccept: number): boolean => !Number.isFinite(err) || naccept >= 1;

/** The controller's memory after an accepted step of error err. */
export const nextFacold = (err: number): number => Math.max(err, FACOLD0);

/**
 * The step an integration goes on with after an accepted step that proposed
 * hNew (signed, direction dir), as DOPRI5 limits it: to hMax, and, right
 * after a rejection, to no more than the step h just taken.
 */
export function nextStep(hNew: number, h: number, hMax: number, dir: number, afterReject: boolean): number {
  let hn = hNew;
  if (Math.abs(hn) > hMax) hn = dir * hMax;
  if (afterReject) hn = dir * Math.min(Math.abs(hn), Math.abs(h));
  return hn;
}

/** Why a step cannot start (0: it can). */
export const STEP_OK = 0, STEP_MAX_STEPS = 1, STEP_MAX_EVALS = 2, STEP_TOO_SMALL = 3;

/** The checks at the head of a step: the step and evaluation budgets, then a step below hMin or the rounding of t. */
export function stepCheck(nsteps: number, maxSteps: number, nfev: number, maxEvals: number, h: number, t: number, hMin: number): number {
  if (nsteps >= maxSteps) return STEP_MAX_STEPS;
  if (nfev + EVALS_PER_STEP > maxEvals) return STEP_MAX_EVALS;
  if (Math.abs(h) < hMin || 0.1 * Math.abs(h) <= Math.abs(t) * UROUND) return STEP_TOO_SMALL;
  return STEP_OK;
}

/** Does a step h from t reach, or nearly reach, t1? Then it is cut to t1 - t (the last step). */
export const reachesEnd = (t: number, h: number, t1: number, dir: number): boolean => (t + 1.01 * h - t1) * dir > 0;

/** Evaluations before the first step: f(t0), and one more for the initial step when h0 is not given. */
export const startCost = (h0: number | undefined): number => (h0 !== undefined ? 1 : 2);

/** The first step from an unsigned proposal: within [hMin, hMax], signed by dir. */
export const firstStep = (h: number, hMin: number, hMax: number, dir: number): number => Math.min(Math.max(h, hMin), hMax) * dir;

/**
 * Hairer's HINIT: make h * f of unit size relative to the tolerance scale,
 * then correct with an estimate of the second derivative (one evaluation of
 * f, at y1 = y + h0 k1, into k2; y1 and k2 are scratch). Returns the
 * unsigned initial step.
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
  const h1 = der12 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : portablePow(0.01 / der12, 1 / 5);
  const h = Math.min(100 * h0, h1, hMax);
  return Number.isFinite(h) && h > 0 ? h : 1e-6;
}
