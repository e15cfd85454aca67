// The integration state as a value: a stepper advances one accepted step at a
// time over preallocated arrays and interpolates on the step it just took.
// solveIvp's loop (integrate.ts) drives it: output times, events, the stop
// predicate, checkpoints. Modelled on scipy's OdeSolver (step + dense_output)
// and DifferentialEquations.jl's integrator (init + step!).

import { SolverOptionError } from './errors.js';

/** What one call of step() did. */
export type StepOutcome =
  | 'accepted' // one step accepted; go on
  | 'end' // one step accepted, and it reached the end of the interval
  | 'stiff' // one step accepted, then the stiffness test asked to stop
  | 'switched' // one step accepted, and the next one changes method (auto)
  | 'max-steps' // no step taken: the step budget ran out
  | 'max-evals' // no step taken: the evaluation budget would run out
  | 'step-too-small'; // no step taken: the step fell below hMin or the rounding of t

export interface Stepper {
  readonly method: string;
  /** Time reached, and the start of the last accepted step. */
  t: number;
  tPrev: number;
  /** Signed size of the last accepted step: tPrev + hStep is its end as the method computed it. */
  hStep: number;
  /** The state at t and f(t, y). Either may be a different array after each step: read them anew. */
  y: Float64Array;
  dy: Float64Array;
  /**
   * The step size of the last step taken or tried, or of the next one to try,
   * signed as in Hairer's codes: t grows by h (negative backwards).
   */
  h: number;
  nfev: number;
  naccept: number;
  nreject: number;
  stiffDetections: number;
  /** Why the last failing outcome happened. */
  message: string;
  step(): StepOutcome;
  /** Dense output on [tPrev, tPrev + hStep], valid until the next step(). */
  interpolate(t: number, out: Float64Array): void;
  /** Everything step() depends on, as plain data; restore() takes it back. */
  save(): Record<string, unknown>;
  restore(state: Record<string, unknown>): void;
}

/** Limits every stepper honours. */
export interface StepLimits {
  maxSteps: number;
  maxEvals: number;
}

export const DEFAULT_MAX_STEPS = 1_000_000;
// Above what dopri5 can spend within the default maxSteps (6 per step), so the
// default only binds on rkc, whose steps cost up to ~2000 evaluations each.
export const DEFAULT_MAX_EVALS = 10_000_000;

export function stepLimits(options: { maxSteps?: number; maxEvals?: number }): StepLimits {
  const maxEvals = options.maxEvals ?? DEFAULT_MAX_EVALS;
  if (!(maxEvals >= 1)) throw new SolverOptionError('maxEvals', `solveIvp: maxEvals must be >= 1, got ${maxEvals}`);
  return { maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS, maxEvals };
}

export function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/** The named fields of a stepper as plain data (arrays copied). */
export function saveFields(source: object, names: readonly string[]): Record<string, unknown> {
  const s = source as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of names) { const v = s[k]; out[k] = v instanceof Float64Array ? Float64Array.from(v) : v; }
  return out;
}

/** Copy the named fields of state into target, refusing a state that lacks one. */
export function restoreFields(target: object, state: Record<string, unknown>, names: readonly string[]): void {
  const t = target as Record<string, unknown>;
  for (const k of names) {
    const v = state[k];
    if (v === undefined) throw new SolverOptionError('resume', `solveIvp: resume state lacks "${k}"`);
    const cur = t[k];
    if (cur instanceof Float64Array) {
      if (!(v instanceof Float64Array) || v.length !== cur.length) throw new SolverOptionError('resume', `solveIvp: resume state "${k}" has the wrong shape`);
      cur.set(v);
    } else t[k] = v;
  }
}
