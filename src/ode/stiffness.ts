// Hairer's stiffness test for Dormand–Prince (Hairer, Nørsett & Wanner I,
// section II.10 and the Fortran code DOPRI5): the last two stages of a step
// are both evaluated at t + h, so |f(y7) - f(y6)| / |y7 - y6| estimates the
// dominant |lambda| of the Jacobian there; h |lambda| beyond the stability
// boundary of the method (~3.3), many times in a row, means the step is
// limited by stability, not accuracy. One set of constants and functions,
// shared by every Dormand–Prince controller (one-at-a-time and ensemble lanes).

/** h |lambda| beyond which a test counts as positive: DOPRI5's stability boundary ~3.3. */
export const STIFF_BOUND = 3.25;
/** Consecutive positive tests that count as stiff (Hairer's 15). */
export const STIFF_PATIENCE = 15;
/** This many negative tests in a row clear the count of positive ones (Hairer's 6). */
export const NON_STIFF_RESET = 6;
/** Test every this many accepted steps (Hairer's NSTIFF = 1000): dopri5's default. */
export const STIFF_CHECK_EVERY = 1000;
/**
 * "auto" tests every accepted step: it exists to leave Dormand–Prince as soon
 * as the step is capped by stability, and waiting up to 1000 steps for the
 * first test cost the large runs most of their evaluations (6,116 of 8,374 on
 * the 50x50 benchmark). The test is O(n), against six evaluations per step;
 * STIFF_PATIENCE positive tests in a row keep a short stability-capped
 * stretch (a transient) from switching.
 */
export const AUTO_STIFF_CHECK_EVERY = 1;

/** The stiffness test's schedule of a Dormand–Prince run of method "dopri5" or "auto" (its option stiffCheckEvery, else the method's default). */
export function stiffCheckEvery(method: 'dopri5' | 'auto', every: number | undefined): number {
  return every ?? (method === 'auto' ? AUTO_STIFF_CHECK_EVERY : STIFF_CHECK_EVERY);
}

/**
 * h |lambda| from the stages k7 = f(y7) and k6 = f(y6), both at t + h; NaN
 * when y7 = y6 (no estimate).
 */
export function stiffnessEstimate(h: number, k7: Float64Array, k6: Float64Array, y7: Float64Array, y6: Float64Array, n: number = k7.length): number {
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (k7[i] - k6[i]) ** 2;
    den += (y7[i] - y6[i]) ** 2;
  }
  return den > 0 ? Math.abs(h) * Math.sqrt(num / den) : NaN;
}

/** The test's memory (DOPRI5's IASTI and NONSTI). */
export interface StiffnessCounters { iasti: number; nonsti: number }

/**
 * Count one test with estimate hLambda (NaN: no estimate, nothing counted);
 * true when it completes STIFF_PATIENCE (or `patience`) positive tests, which
 * also restarts the count.
 */
export function countStiffnessTest(c: StiffnessCounters, hLambda: number, patience: number = STIFF_PATIENCE): boolean {
  if (Number.isNaN(hLambda)) return false;
  if (hLambda > STIFF_BOUND) {
    c.nonsti = 0; c.iasti++;
    if (c.iasti === patience) { c.iasti = 0; return true; }
  } else {
    c.nonsti++;
    if (c.nonsti === NON_STIFF_RESET) c.iasti = 0;
  }
  return false;
}

/** Is a test due after `naccept` accepted steps (or because the last ones were positive)? */
export function stiffnessTestDue(naccept: number, every: number, c: StiffnessCounters): boolean {
  return naccept % every === 0 || c.iasti > 0;
}
