// One integration of the gradient flow: spec -> problem -> vector field ->
// stop rule (runStopRule.ts) -> passes (runPasses.ts) -> result and its
// analysis (runResult.ts), and with verify a repeat at tighter tolerances.

import { gradientField } from '../model/field/dispatch.js';
import type { FieldImpl } from '../model/field/types.js';
import { InputError } from '../model/errors.js';
import { buildProblem, type BuildOptions, type Problem } from '../model/problem.js';
import type { Spec } from '../model/spec.js';
import { runPasses } from './runPasses.js';
import { runResult, type RunResult } from './runResult.js';
import { RunStopRule, type RunProgress } from './runStopRule.js';
import { runTolerance } from './stopRules.js';
import { GD_SKIPPED, repeatProblem, verification } from './verify.js';

export interface RunOptions extends BuildOptions {
  /** Times for the trajectory (merged with spec.save.times). */
  saveTimes?: number[];
  /** Include the factors W_1..W_L in the result. */
  saveLayers?: boolean;
  /** Log-spaced analysis samples (overrides spec.save.samples when given). */
  samples?: number;
  /** Called after accepted steps of the first pass. */
  onProgress?: (progress: RunProgress) => void;
  /**
   * Wall-clock budget in seconds (overrides solver.maxWallTime). With a
   * checkpoint, a run it ends goes on from where it stopped when run again.
   */
  maxWallTime?: number;
  /** The vector field's code path: "auto" (DMFLOW_KERNEL, else native BLAS / wasm for large sides), "typescript", "unrolled", "blas" or "wasm". */
  fieldImpl?: FieldImpl;
  /**
   * Write the run's whole state to this file every `everyMs` milliseconds and
   * when an integration ends; when the file exists, resume from it (refused
   * when it belongs to another spec or other options).
   */
  checkpoint?: { path: string; everyMs: number };
  /**
   * Repeat the run at rtol/100, atol/100 (same absolute lossTol, every other
   * setting the same) and report the distance between the two end states
   * (result.verification, result.sensitive). Method "gd", which has no
   * integration tolerance, reports verification: {skipped: reason}.
   */
  verify?: boolean;
}

/** Run a spec to completion (validated here: a spec read from JSON may be passed after a cast to Spec). */
export function run(spec: Spec, options: RunOptions = {}): RunResult {
  return runProblem(buildProblem(spec, options), options);
}

/** The save times of a run: spec.save.times and options.saveTimes, merged and checked. */
export function runSaveTimes(problem: Problem, options: Pick<RunOptions, 'saveTimes'>): number[] {
  const s = problem.spec.solver;
  const times = [...new Set([...(problem.spec.save.times ?? []), ...(options.saveTimes ?? [])])].sort((a, b) => a - b);
  times.forEach((t, i) => {
    if (!(t >= 0 && t <= s.tMax)) throw new InputError('save.times', `expected times in [0, tMax = ${s.tMax}], got ${t} at ${i}`);
  });
  return times;
}

export function runProblem(problem: Problem, options: RunOptions = {}): RunResult {
  const s = problem.spec.solver;
  const field = gradientField(problem, options.fieldImpl);
  const times = runSaveTimes(problem, options);
  const tol = runTolerance(problem);
  const maxWallTime = options.maxWallTime ?? s.maxWallTime;
  const rule = new RunStopRule({ problem, tol, field, lastLoss: () => field.lastLoss, onProgress: options.onProgress, maxWallTime, started: Date.now() });
  rule.saveUntil = times.length > 0 ? times[times.length - 1] : 0;

  const { first, sampled, stoppedByClock } = runPasses({
    problem, field, rule, times, samples: options.samples ?? problem.spec.save.samples, fieldImpl: options.fieldImpl, checkpoint: options.checkpoint,
  });
  const result = runResult({
    problem, field, tol, first, sampled, times, saveLayers: options.saveLayers, maxWallTime, checkpointPath: stoppedByClock ? options.checkpoint!.path : null,
  });
  if (options.verify && s.method === 'gd') result.verification = GD_SKIPPED;
  else if (options.verify) {
    // The repeat gets the run's clock budget (afresh) and no checkpoint or samples: it only supplies an end state.
    const again = runProblem(repeatProblem(problem, tol.abs), { fieldImpl: options.fieldImpl, maxWallTime });
    const v = verification(result, again, s, tol.scale);
    // The verdict next to the status it qualifies; the evidence at the end.
    const { status, message, ...rest } = result;
    return { status, message: v.sensitive ? `${message}; but the end state is sensitive (see verification.message)` : message, sensitive: v.sensitive, ...rest, verification: v };
  }
  return result;
}
