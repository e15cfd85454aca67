// Many runs at once: the runs of a sweep that share a shape integrate together
// in the lanes of the ensemble integrator (src/ode/ensemble.ts) with the batch
// kernel (src/model/field/ensembleField.ts), each under its own stop rules
// (RunStopRule) and analysed by the same runResult() as a run alone, so each
// result equals runProblem's bit for bit. What the lanes do not mirror runs
// one at a time: runs with save times, samples, checkpoints, a wall-clock
// budget, another method than "dopri5" or "auto", a kernel other than the
// generated one, and every lane that hands its run back (a positive stiffness
// test, a budget, a non-finite field), which is then rerun from the start.

import { runEnsemble, type EnsembleJob } from '../ode/ensemble.js';
import type { SolveResult } from '../ode/types.js';
import { fieldKernelOf, gradientField } from '../model/field/dispatch.js';
import { ensembleField } from '../model/field/ensembleField.js';
import { unrolledKey } from '../model/field/unrolledField.js';
import type { Problem } from '../model/problem.js';
import { runProblem, runResult, RunStopRule, runTolerance, type RunOptions, type RunResult } from './run.js';

/** Lanes integrated together (bench/ensemble.ts: 16 to 64 lanes are within noise of each other on 2x2 problems). */
export const ENSEMBLE_LANES = 32;

/** DMFLOW_ENSEMBLE=0 (or "off") runs every cell one at a time: the same results, for comparison. */
export function ensembleEnabled(env: string | undefined = process.env.DMFLOW_ENSEMBLE): boolean {
  return !(env === '0' || env === 'off' || env === 'false');
}

/** Whether a run can take an ensemble lane (its result is then bit-identical to runProblem's). */
export function ensembleEligible(problem: Problem, options: RunOptions): boolean {
  const s = problem.spec.solver;
  const save = problem.spec.save;
  return (s.method === 'auto' || s.method === 'dopri5') &&
    (save.times ?? []).length === 0 && (options.saveTimes ?? []).length === 0 &&
    !(options.samples ?? save.samples) && !options.checkpoint && !options.onProgress &&
    options.maxWallTime === undefined && s.maxWallTime === undefined &&
    fieldKernelOf(problem, options.kernel) === 'unrolled';
}

/** Run every problem (as runProblem would); results in the order of the problems. */
export function runProblems(problems: readonly Problem[], options: RunOptions = {}, lanes = ENSEMBLE_LANES): RunResult[] {
  const results: (RunResult | undefined)[] = new Array(problems.length);
  const groups = new Map<string, number[]>();
  if (ensembleEnabled()) {
    problems.forEach((p, i) => {
      if (!ensembleEligible(p, options)) return;
      const key = unrolledKey(p);
      const g = groups.get(key);
      if (g) g.push(i); else groups.set(key, [i]);
    });
  }
  for (const members of groups.values()) {
    if (members.length < 2) continue; // one run alone gains nothing from lanes
    runGroup(problems, members, options, Math.min(lanes, members.length), results);
  }
  for (let i = 0; i < problems.length; i++) results[i] ??= runProblem(problems[i], options);
  return results as RunResult[];
}

/** Runs of one shape in lanes; fallbacks stay undefined in results (runProblems runs them alone). */
function runGroup(problems: readonly Problem[], members: number[], options: RunOptions, lanes: number, results: (RunResult | undefined)[]): void {
  const ef = ensembleField(problems[members[0]], lanes);
  // Where each job's result goes, and how its run ends: the analysis of a run alone.
  const finishers = new Map<EnsembleJob, { index: number; finish: (sol: SolveResult) => RunResult }>();
  let next = 0;
  runEnsemble({
    n: ef.n,
    lanes,
    rhs: ef.rhs,
    next: () => {
      if (next >= members.length) return null;
      const index = members[next++];
      const problem = problems[index];
      const s = problem.spec.solver;
      const field = gradientField(problem, options.kernel);
      const tol = runTolerance(problem);
      let lane = -1;
      const rule = new RunStopRule(problem, tol, field.rhs, () => ef.loss[lane], options, undefined, 0);
      const job: EnsembleJob = {
        y0: problem.y0, t1: s.tMax, rtol: s.rtol, atol: s.atol, maxSteps: s.maxSteps, maxEvals: s.maxEvals, h0: s.h0, hMax: s.hMax,
        rhs: field.rhs, stop: rule.stop,
      };
      const finish = (sol: SolveResult): RunResult =>
        runResult(problem, field, tol, { sol, outcome: rule.outcome, evidence: rule.evidence, trend: rule.trend() }, null, [], options, undefined, null);
      finishers.set(job, { index, finish });
      return { job, load: (l: number) => { lane = l; ef.setProblem(l, problem); } };
    },
    done: (job, end) => {
      const f = finishers.get(job)!;
      finishers.delete(job);
      if ('result' in end) results[f.index] = f.finish(end.result);
    },
  });
}
