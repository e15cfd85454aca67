// A spec's "solver" as solveIvp's options: the one mapping that runs
// (run.ts), the ensemble lanes (ensembleRun.ts, through ensembleJob) and GLRL
// stages (glrl.ts) share. Each method gets its own options only: the
// caller's hooks that belong to another method are left out (a run offers
// onStiff, onSwitch and the field's jvp whatever its method), so solveIvp
// never sees an option its method would refuse.

import type { SolverSpec } from '../model/spec.js';
import type { SolveIvpOptions } from '../ode/solve.js';
import type { AutoOptions, Dopri5Options, Jvp, SolveOptions } from '../ode/types.js';

/** The solver fields the mapping reads (a run's spec.solver, a GLRL spec's, which has no spectralEstimate). */
export type SolverFields = Pick<SolverSpec, 'method' | 'rtol' | 'atol' | 'maxSteps' | 'maxEvals' | 'h0' | 'hMax' | 'lr'> & Partial<Pick<SolverSpec, 'spectralEstimate'>>;

/** What the caller adds to the spec's options: output times, hooks, checkpoints, and what its field offers. */
export interface SolveExtras extends Pick<SolveOptions, 'tEval' | 'stop' | 'checkpoint' | 'resume'> {
  /** Given to dopri5 only (auto's first phase stops at the stiffness test to switch). */
  onStiff?: Dopri5Options['onStiff'];
  /** Given to auto only. */
  onSwitch?: AutoOptions['onSwitch'];
  /** The field's exact Jacobian-vector product: given to rkc and auto when spectralEstimate is "lanczos". */
  jvp?: Jvp;
}

export function solveOptionsFromSpec(s: SolverFields, extras: SolveExtras = {}): SolveIvpOptions {
  const { onStiff, onSwitch, jvp, ...hooks } = extras;
  const shared: SolveOptions = { rtol: s.rtol, atol: s.atol, maxSteps: s.maxSteps, maxEvals: s.maxEvals, h0: s.h0, hMax: s.hMax, ...hooks };
  // spec.ts refuses "lanczos" for the other methods (spectralEstimateApplies).
  const spectral = s.spectralEstimate === 'lanczos' ? { jvp } : {};
  switch (s.method) {
    case 'dopri5': return { method: 'dopri5', ...shared, onStiff };
    case 'auto': return { method: 'auto', ...shared, onSwitch, ...spectral };
    case 'rkc': return { method: 'rkc', ...shared, ...spectral };
    // A spec's lr is read by gd only (a sweep over methods may share one).
    case 'gd': return { method: 'gd', ...shared, lr: s.lr };
    case 'odex': return { method: 'odex', ...shared };
  }
}
