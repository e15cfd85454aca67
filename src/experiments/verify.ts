// Verification of a run's end state: the same run repeated at a 100x tighter
// integration tolerance (rtol/100, atol/100, the same absolute loss tolerance
// and every other setting). An ordinary flow ends in the same place both
// times, up to the integration error and the residual the runs stop at; a
// flow whose end is chosen by rounding (a symmetric start on an invariant
// manifold whose unstable direction is picked by the last bits, a saddle
// passage amplifying them) ends elsewhere. docs/runs.md, "Verification", has
// the measurement behind the threshold.

import { normRatio, scaledNorm } from '../analysis/norms.js';
import type { Problem } from '../model/problem.js';
import type { SolverSpec } from '../model/spec.js';

/** The repeat's tolerances are this much tighter than the run's. */
export const VERIFY_FACTOR = 100;

/**
 * The threshold is this many times the scale of an ordinary distance,
 * rtol + sqrt(loss / lossScale) (verificationThreshold). Measured on 400
 * random specs (npx tsx bench/verification.ts --runs 400 --seed 25;
 * docs/runs.md, "Verification"): distance / scale had median 0.11 and 90th
 * percentile 0.44 among the 340 runs converged at both tolerances; the
 * largest ratios of runs that are not sensitive were 65 and 59 (a wall-clock
 * stop, a width-limited run drifting on a flat set of minima until t = 1e6),
 * the smallest of the six sensitive ones 1.3e4. 1000 leaves 15x on one side,
 * 13x on the other.
 */
export const VERIFY_MARGIN = 1000;

export interface Verification {
  /** The repeat's tolerances (the run's divided by VERIFY_FACTOR) and its loss tolerance (the run's, absolute). */
  rtol: number;
  atol: number;
  lossTol: number;
  /** ||W - W'||_F / max(||W||_F, ||W'||_F): W the run's end-to-end matrix, W' the repeat's (0 when both are 0). */
  distance: number;
  /** A distance above it marks the result sensitive: VERIFY_MARGIN (rtol + sqrt(max loss / loss scale)), without the second term when both runs ended at the same time. */
  threshold: number;
  sensitive: boolean;
  /** How the repeat ended, and what it cost (vector-field evaluations). */
  repeat: { status: string; t: number; loss: number; nfev: number };
  /** Why the result is sensitive, and what to do. */
  message?: string;
}

/** What a run reports for verification under method "gd", which has no integration tolerance. */
export interface VerificationSkipped {
  skipped: string;
}

export const GD_SKIPPED: VerificationSkipped = { skipped: 'method gd has no integration tolerance to tighten (its bias is O(lr))' };

/** The fields of a run's result that verification reads. */
interface EndState {
  matrix: number[][];
  loss: number;
  lossTol: number;
  t: number;
  status: string;
  nfev: number;
}

/** The solver of the repeat: 100x tighter, the same absolute loss tolerance, everything else as it was. */
export function repeatSolver<S extends Pick<SolverSpec, 'rtol' | 'atol' | 'lossTol' | 'lossRelTol'>>(s: S, lossTol: number): S {
  return { ...s, rtol: s.rtol / VERIFY_FACTOR, atol: s.atol / VERIFY_FACTOR, lossTol, lossRelTol: undefined };
}

/** The problem to repeat: the repeat's solver, and no saved times or samples (only its end state is read). */
export function repeatProblem(problem: Problem, lossTol: number): Problem {
  const spec = problem.spec;
  return { ...problem, spec: { ...spec, solver: repeatSolver(spec.solver, lossTol), save: { ...spec.save, times: [], samples: 0, layers: false } } };
}

/**
 * The distance above which two end states differ by more than the run's
 * tolerances explain. Two integrations of an ordinary flow differ by their
 * global error, about rtol relative; when they stop at different times (each
 * where the loss first fell below lossTol, or on a plateau) their stopping
 * points also differ, by at most about the residual they stopped at,
 * sqrt(loss / lossScale) relative to the target. The threshold is
 * VERIFY_MARGIN times that scale.
 */
export function verificationThreshold(rtol: number, loss: number, lossScale: number, sameTime: boolean): number {
  const residual = sameTime || !(lossScale > 0) ? 0 : Math.sqrt(Math.max(loss, 0) / lossScale);
  return VERIFY_MARGIN * (rtol + residual);
}

/** Relative Frobenius distance ||A - B||_F / max(||A||_F, ||B||_F); 0 when both are 0 (norms scaled: finite for every finite input). */
export function relativeDistance(A: number[][], B: number[][]): number {
  const a = A.flat(), b = B.flat();
  const na = scaledNorm(a.length, (i) => a[i]), nb = scaledNorm(b.length, (i) => b[i]);
  if (na === 0 && nb === 0) return 0;
  const big = na >= nb ? a : b;
  return normRatio(a.length, (i) => a[i] - b[i], (i) => big[i]);
}

/**
 * Compare a run with its repeat. lossScale is the run's loss scale (the
 * observed target energy, RunResult.lossTol's reference); rtol is the run's.
 */
export function verification(run: EndState, repeat: EndState, s: Pick<SolverSpec, 'rtol' | 'atol'>, lossScale: number): Verification {
  const distance = relativeDistance(run.matrix, repeat.matrix);
  const threshold = verificationThreshold(s.rtol, Math.max(run.loss, repeat.loss), lossScale, run.t === repeat.t);
  // NaN (a diverged run) is not a verified end state either.
  const sensitive = !(distance <= threshold);
  const v: Verification = {
    rtol: s.rtol / VERIFY_FACTOR,
    atol: s.atol / VERIFY_FACTOR,
    lossTol: run.lossTol,
    distance,
    threshold,
    sensitive,
    repeat: { status: repeat.status, t: repeat.t, loss: repeat.loss, nfev: repeat.nfev },
  };
  if (sensitive) v.message = sensitiveMessage(v, s);
  return v;
}

function sensitiveMessage(v: Verification, s: Pick<SolverSpec, 'rtol' | 'atol'>): string {
  const e = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));
  return `sensitive: the end state moved by ${e(v.distance)} (relative Frobenius distance of the end-to-end matrices; ordinary runs stay below ${e(v.threshold)}) ` +
    `when the run was repeated at rtol ${e(v.rtol)}, atol ${e(v.atol)} (the run: rtol ${e(s.rtol)}, atol ${e(s.atol)}; repeat ended ${v.repeat.status} at t = ${e(v.repeat.t)}). ` +
    'The limit printed is one of several, picked by rounding: most likely the init is a symmetric start on an invariant manifold whose unstable direction ' +
    'the last bits choose, or the flow passed close to a saddle. Perturb the init slightly (e.g. add small Gaussian noise to the layers) and compare the ends of a few perturbed runs.';
}
