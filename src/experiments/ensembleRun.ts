// Many runs at once: the runs of a sweep that share a shape integrate together
// in the lanes of the ensemble integrator (src/ode/ensemble.ts) with the batch
// kernel (src/model/field/ensembleField.ts), each under its own stop rules
// (RunStopRule) and analysed by the same runResult() as a run alone, so each
// result equals runProblem's bit for bit. What the lanes do not mirror runs
// one at a time: runs with save times, samples, checkpoints, a wall-clock
// budget, another method than "dopri5" or "auto", a code path of the field
// other than the generated one, and every lane that hands its run back (the stiffness test
// firing, a budget, a non-finite field), which is then rerun from the start.

import { environment } from '../platform/env.js';
import { ensembleJob, runEnsemble, type EnsembleEnd } from '../ode/ensemble.js';
import { fieldImplOf, gradientField } from '../model/field/dispatch.js';
import { ensembleField, type EnsembleField } from '../model/field/ensembleField.js';
import { unrolledKey } from '../model/field/unrolledField.js';
import type { Problem } from '../model/problem.js';
import { runProblem, type RunOptions } from './run.js';
import { runResult, type RunResult } from './runResult.js';
import { RunStopRule } from './runStopRule.js';
import { runTolerance } from './stopRules.js';
import { solveOptionsFromSpec } from './solveOptions.js';

/** Lanes integrated together (on the Fig. 1 cells, in-process: 8 to 64 lanes within noise, 63-65 us a cell; 4 lanes 68, 128 lanes 73). */
export const ENSEMBLE_LANES = 32;

/**
 * DMFLOW_ENSEMBLE=0 (or "off") runs every cell one at a time, and "js" keeps
 * the lanes but does their arithmetic in TypeScript instead of WebAssembly:
 * the same results either way, for comparison.
 */
export function ensembleEnabled(env: string | undefined = environment().DMFLOW_ENSEMBLE): boolean {
  return !(env === '0' || env === 'off' || env === 'false');
}

function ensembleArithmetic(env: string | undefined = environment().DMFLOW_ENSEMBLE): 'js' | undefined {
  return env === 'js' ? 'js' : undefined;
}

/** Whether a run can take an ensemble lane (its result is then bit-identical to runProblem's). */
export function ensembleEligible(problem: Problem, options: RunOptions): boolean {
  const s = problem.spec.solver;
  const save = problem.spec.save;
  return (s.method === 'auto' || s.method === 'dopri5') &&
    (save.times ?? []).length === 0 && (options.saveTimes ?? []).length === 0 &&
    !(options.samples ?? save.samples) && !options.checkpoint && !options.onProgress &&
    options.maxWallTime === undefined && s.maxWallTime === undefined &&
    fieldImplOf(problem, options.fieldImpl) === 'unrolled';
}

/** What runStream did with its problems: ended in lanes, handed back (by reason), run alone from the start. */
export interface StreamStats {
  inLanes: number;
  handedBack: Record<string, number>;
  alone: number;
}

/**
 * Run problems 0 .. count-1 (as runProblem would), built on demand by
 * build(i), and hand each result to emit(i, result) as it ends (not in
 * order). Consecutive eligible problems of one shape share the lanes; at most
 * `lanes` problems are held at once, so a long stream keeps little alive.
 */
export function runStream(
  count: number, build: (i: number) => Problem, options: RunOptions, emit: (i: number, r: RunResult) => void,
  lanes = ENSEMBLE_LANES, stats?: StreamStats,
): void {
  const enabled = ensembleEnabled();
  let i = 0;
  /** A problem built but not taken: the first of the next group. */
  let held: Problem | null = null;
  const take = (): Problem => { const p = held ?? build(i); held = null; return p; };
  while (i < count) {
    const first = take();
    if (!enabled || i + 1 >= count || !ensembleEligible(first, options)) {
      emit(i, runProblem(first, options));
      i++;
      if (stats) stats.alone++;
      continue;
    }
    const key = unrolledKey(first);
    const ef = ensembleField(first, lanes);
    let pending: Problem | null = first;
    runEnsemble({
      n: ef.n,
      lanes,
      rhs: ef.rhs,
      arithmetic: ensembleArithmetic(),
      next: () => {
        if (!pending) {
          if (i >= count) return null;
          const p = take();
          // Another shape, or a run the lanes do not take, starts the next group.
          if (!ensembleEligible(p, options) || unrolledKey(p) !== key) { held = p; return null; }
          pending = p;
        }
        const problem = pending;
        pending = null;
        return laneJob(problem, i++, ef, options, emit, stats);
      },
    });
  }
}

/** A problem as a lane's job: its own scalar field (first evaluations, probes, analysis) and stop rules. */
function laneJob(problem: Problem, index: number, ef: EnsembleField, options: RunOptions, emit: (i: number, r: RunResult) => void, stats?: StreamStats) {
  const s = problem.spec.solver;
  const field = gradientField(problem, options.fieldImpl);
  const tol = runTolerance(problem);
  let lane = -1;
  const rule = new RunStopRule({ problem, tol, field, lastLoss: () => ef.loss[lane], onProgress: options.onProgress, started: 0 });
  // The options a run's passes give solveIvp (runPasses.ts), as a lane's job.
  const job = ensembleJob(field.rhs, problem.y0, s.tMax, solveOptionsFromSpec(s, { stop: rule.stop, onStiff: rule.onStiff, onSwitch: rule.onSwitch, jvp: field.jvp }));
  if (typeof job === 'string') throw new Error(`ensembleEligible admitted a run the lanes do not mirror: ${job}`);
  // A lane's end is analysed as a run alone; a job handed back runs alone.
  const done = (end: EnsembleEnd): void => {
    if (stats) {
      if ('result' in end) stats.inLanes++;
      else stats.handedBack[end.fallback] = (stats.handedBack[end.fallback] ?? 0) + 1;
    }
    emit(index, 'result' in end
      ? runResult({ problem, field, tol, first: rule.passResult(end.result), saveLayers: options.saveLayers })
      : runProblem(problem, options));
  };
  return { job, load: (l: number) => { lane = l; ef.setProblem(l, problem); }, done };
}

/** Run every problem (as runProblem would); results in the order of the problems. */
export function runProblems(problems: readonly Problem[], options: RunOptions = {}, lanes = ENSEMBLE_LANES, stats?: StreamStats): RunResult[] {
  const results: RunResult[] = new Array(problems.length);
  runStream(problems.length, (i) => problems[i], options, (i, r) => { results[i] = r; }, lanes, stats);
  return results;
}
