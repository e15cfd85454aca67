// The integrations of a run: the first pass, then, when samples are asked
// for, a second identical pass that serves them by dense output once the end
// time is known. With a checkpoint file the passes save their state as they
// go (the integrator's state and the stop rule's memory), and a run started
// again with the same file resumes from it bit for bit.

import { logTimes } from '../analysis/snapshot.js';
import type { FieldImpl, GradientField } from '../model/field/types.js';
import { InputError } from '../model/errors.js';
import type { Problem } from '../model/problem.js';
import { solveIvp } from '../ode/solve.js';
import type { CheckpointHook, SolveResult, SolveState } from '../ode/types.js';
import { readCheckpoint, runHash, writeCheckpoint } from './checkpoint.js';
import type { PassResult, RunStatus } from './runResult.js';
import type { RunStopRule, StopRuleMemory } from './runStopRule.js';
import { solveOptionsFromSpec } from './solveOptions.js';

/** A run's checkpoint: its integrations finished so far, and the one under way. */
interface RunRecord {
  /** The first pass, then the samples pass. */
  finished: PassResult[];
  /** The integration under way: its state after an accepted step and its stop rule's memory. */
  current: { state: SolveState; stopRule: StopRuleMemory } | null;
}


/**
 * Stops after which the run may go on from where it stopped when the same
 * command runs again: the wall-clock budget of the first pass. Other stops
 * are final, and so is the samples pass's end where the first pass ended (it
 * never reads the clock): a resumed run reuses their result.
 */
function resumableStop(outcome: RunStatus | null, replaying: boolean): boolean {
  return outcome === 'time-limit' && !replaying;
}

/** What the passes of a run need. */
export interface PassesOptions {
  problem: Problem;
  field: GradientField;
  /** The run's stop rule, started afresh (or from the checkpoint) for each pass. */
  rule: RunStopRule;
  /** The save times (the first pass's output times). */
  times: number[];
  /** Log-spaced analysis samples: a second pass when positive. */
  samples: number;
  /** The field's code path the run asked for (part of the checkpoint's identity). */
  fieldImpl?: FieldImpl;
  /** Save the run's state to this file every `everyMs` milliseconds; resume from it when it exists. */
  checkpoint?: { path: string; everyMs: number };
}

/** How the passes ended: the first as the stop rule saw it, the samples pass's solution, and whether the clock stopped a checkpointed run. */
export interface PassesResult {
  first: PassResult;
  sampled: SolveResult | null;
  /** The wall clock stopped the first pass of a run with a checkpoint: running it again goes on from there. */
  stoppedByClock: boolean;
}

export function runPasses(o: PassesOptions): PassesResult {
  const { problem, field, rule, times } = o;
  const s = problem.spec.solver;
  const nSamples = o.samples;
  const ck = o.checkpoint;
  if (ck && (s.method === 'gd' || s.method === 'odex')) {
    throw new InputError('--checkpoint', `expected solver.method dopri5, rkc or auto (a stepper whose state can be saved), got ${s.method}`);
  }
  // The hash keeps the key "kernel" for the code path, so that checkpoints written before its rename resume.
  const hash = ck ? runHash(problem, { times, nSamples, kernel: o.fieldImpl ?? 'auto' }) : '';
  const record: RunRecord = (ck && readCheckpoint<RunRecord>(ck.path, hash)) || { finished: [], current: null };
  // A path that cannot be written is refused now, not at the first checkpoint.
  if (ck && record.finished.length === 0 && !record.current) writeCheckpoint<RunRecord>(ck.path, hash, record);

  /** Integration number `pass` (0: the run, 1: the samples), from the checkpoint when it finished there. */
  const integrate = (tEval: number[], pass: number): PassResult => {
    const done = record.finished[pass];
    if (done) return done;
    // Only the pass next in the record writes to it: the samples pass of a run the
    // clock stopped serves this command's output and leaves the first pass's state alone.
    const writes = ck !== undefined && record.finished.length === pass;
    const resume = writes ? record.current : null;
    rule.start(resume?.stopRule ?? null);
    let lastState: SolveState | null = null;
    let lastWrite = Date.now();
    const checkpoint: CheckpointHook | undefined = writes ? {
      due: () => Date.now() - lastWrite >= ck.everyMs,
      save: (state, final) => {
        if (final) { lastState = state; return; }
        writeCheckpoint<RunRecord>(ck.path, hash, { finished: record.finished, current: { state, stopRule: rule.memory() } });
        lastWrite = Date.now();
      },
    } : undefined;
    // ensembleRun.ts's laneJob maps the spec with the same hooks (solveOptions.ts).
    const sol = solveIvp(field.rhs, [0, s.tMax], problem.y0, solveOptionsFromSpec(s, {
      tEval, stop: rule.stop, onStiff: rule.onStiff, onSwitch: rule.onSwitch, jvp: field.jvp, resume: resume?.state, checkpoint,
    }));
    const result: PassResult = rule.passResult(sol);
    if (writes) {
      if (resumableStop(rule.outcome, pass > 0) && lastState) record.current = { state: lastState, stopRule: rule.memory() };
      else { record.finished.push(result); record.current = null; }
      writeCheckpoint<RunRecord>(ck.path, hash, record);
    }
    return result;
  };
  const first = integrate(times, 0);
  const sol = first.sol;
  const runOutcome = first.outcome;
  // Samples need the end time first: a second, identical pass serves them by dense output.
  const sampleTimes = logTimes(sol.t, nSamples);
  rule.replayUntil = sol.t;
  const sampled = sampleTimes.length > 0 ? integrate(sampleTimes, 1).sol : null;
  const stoppedByClock = ck !== undefined && resumableStop(runOutcome, false);
  return { first, sampled, stoppedByClock };
}
