// Hold a careful integration against the theorem's prediction.

import { buildProblem, type BuildOptions } from '../src/model/problem.js';
import type { Spec } from '../src/model/spec.js';
import { runProblem, type RunResult } from '../src/experiments/run.js';
import { requireTheorem, THEOREMS_DEEP_ONLY } from './index.js';
import { requireDeepModel } from '../src/model/udv/spec.js';

export interface CheckReport {
  theorem: string;
  /** max |W_run - W_theorem| over entries. */
  maxEntryDiff: number;
  /** max_i |sigma_run_i - sigma_theorem_i| / sigma_theorem_1. */
  relSingularValueDiff: number;
  /** For families with W(t): max entry difference at the run's final time. */
  maxEntryDiffAtT?: number;
  /** For families with a partial trajectory: the eigenspace comparison at the run's final time. */
  eigenspaces?: { diff: number; details: Record<string, unknown> };
  tol: number;
  pass: boolean;
  run: Pick<RunResult, 'status' | 'message' | 't' | 'loss' | 'gradNorm' | 'nfev' | 'invariantDrift' | 'singularValues'>;
  theoremSingularValues: number[];
  zeroLoss: boolean;
  /** The theorem's own self-check ('inexact': its value is not exact to 1e-12; the comparison is then only as good as that). */
  theoremStatus: 'exact' | 'inexact';
}

export function checkSpec(spec: Spec, tol = 1e-6, options: BuildOptions = {}): CheckReport {
  requireDeepModel(spec, `dmflow check: ${THEOREMS_DEEP_ONLY}`);
  const problem = buildProblem(spec, options);
  const c = requireTheorem(problem);
  const limit = c.family.limit(c.params);
  const r = runProblem(problem);
  const W = r.matrix.flat(), T = limit.matrix.flat();
  const maxEntryDiff = W.reduce((mx, v, i) => Math.max(mx, Math.abs(v - T[i])), 0);
  const s1 = Math.max(limit.singularValues[0], Number.MIN_VALUE);
  const relSingularValueDiff = r.singularValues.reduce((mx, v, i) => Math.max(mx, Math.abs(v - limit.singularValues[i]) / s1), 0);
  const report: CheckReport = {
    theorem: limit.theorem,
    maxEntryDiff,
    relSingularValueDiff,
    tol,
    pass: false,
    run: { status: r.status, message: r.message, t: r.t, loss: r.loss, gradNorm: r.gradNorm, nfev: r.nfev, invariantDrift: r.invariantDrift, singularValues: r.singularValues },
    theoremSingularValues: limit.singularValues,
    zeroLoss: limit.zeroLoss,
    theoremStatus: limit.status,
  };
  let worst = Math.max(maxEntryDiff, relSingularValueDiff);
  if (c.family.at) {
    const at = c.family.at(c.params, r.t);
    if (at.status !== 'exact') report.theoremStatus = 'inexact';
    const At = at.matrix.flat();
    report.maxEntryDiffAtT = W.reduce((mx, v, i) => Math.max(mx, Math.abs(v - At[i])), 0);
    worst = Math.min(worst, report.maxEntryDiffAtT);
  }
  if (c.family.compareAt) {
    report.eigenspaces = c.family.compareAt(c.params, W, r.t);
    worst = Math.min(worst, report.eigenspaces.diff);
  }
  report.pass = worst <= tol;
  return report;
}
