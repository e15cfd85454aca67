// The loop every stepping method shares (scipy's solve_ivp, Hairer's SOLOUT
// seam): take a step, look for events on its dense output, report the output
// times it passed, ask the stop predicate, write checkpoints.

import { brent } from '../numeric/roots.js';
import { SolverOptionError } from './errors.js';
import { checkOptions, type CheckedOptions } from './options.js';
import { allFinite, stepLimits, type StepLimits, type Stepper } from './stepper.js';
import type { SolveOptions, SolveResult, SolveState, SolveStatus } from './types.js';

/** A stepper before its first step: start() evaluates f at t0 and chooses the first step. */
export interface StartableStepper extends Stepper {
  /** 'ok', or why not: f not finite at t0, or its evaluations would pass maxEvals. */
  start(): 'ok' | 'non-finite' | 'max-evals';
  /** Appended to the result's message (auto: where it changed method). */
  readonly note?: string;
}

/** The messages of the two ordinary ends (the ensemble lanes, ensemble.ts, end with them too). */
export const END_MESSAGE = 'reached the end of the interval';
export const stoppedMessage = (t: number): string => `stopped by the predicate at t = ${t}`;

export function integrate(
  method: string,
  make: (checked: CheckedOptions, limits: StepLimits) => StartableStepper,
  span: readonly [number, number],
  y0: ArrayLike<number>,
  options: SolveOptions,
): SolveResult {
  const [t0, t1] = span;
  const n = y0.length;
  const checked = checkOptions(span, n, options);
  const { tEval, dir } = checked;
  const stepper = make(checked, stepLimits(options));
  const events = options.events ?? [];
  const nev = events.length;
  const gPrev = new Float64Array(nev), gNew = new Float64Array(nev);
  const scratch = new Float64Array(n);
  let outT: number[] = [];
  let outY: Float64Array[] = [];
  let tEvents: number[][] = events.map(() => []);
  let yEvents: Float64Array[][] = events.map(() => []);
  let nextEval = 0;
  let status: SolveStatus = 'done';
  let message = END_MESSAGE;
  // Where the integration ended when a terminal event cut the last step short.
  let tEnd = NaN;
  let yEnd: Float64Array | null = null;

  const finish = (h: number): SolveResult => {
    const note = stepper.note;
    return {
      status, t: yEnd ? tEnd : stepper.t, y: yEnd ?? Float64Array.from(stepper.y),
      nfev: stepper.nfev, naccept: stepper.naccept, nreject: stepper.nreject,
      message: note ? `${message} ${note}` : message,
      tEval: outT, yEval: outY, stiffDetections: stepper.stiffDetections, h,
      ...(nev > 0 ? { tEvents, yEvents } : {}),
    };
  };
  const snapshot = (): SolveState => ({
    method, stepper: stepper.save(), nextEval, tEval: outT.slice(), yEval: outY.slice(),
    gPrev: Array.from(gPrev), tEvents: tEvents.map((l) => l.slice()), yEvents: yEvents.map((l) => l.slice()),
  });

  const resume = options.resume;
  if (resume) {
    if (resume.method !== method) throw new SolverOptionError('resume', `solveIvp: cannot resume a "${resume.method}" state with method "${method}"`);
    if (resume.gPrev.length !== nev) throw new SolverOptionError('resume', `solveIvp: the resume state has ${resume.gPrev.length} events, the options ${nev}`);
    stepper.restore(resume.stepper);
    nextEval = resume.nextEval;
    outT = resume.tEval.slice(); outY = resume.yEval.slice();
    gPrev.set(resume.gPrev);
    tEvents = resume.tEvents.map((l) => l.slice()); yEvents = resume.yEvents.map((l) => l.slice());
  } else {
    while (nextEval < tEval.length && tEval[nextEval] === t0) {
      outT.push(t0); outY.push(Float64Array.from(stepper.y)); nextEval++;
    }
    if (t0 === t1) return finish(0);
    const started = stepper.start();
    if (started !== 'ok') {
      status = started; message = stepper.message;
      return finish(0);
    }
    for (let k = 0; k < nev; k++) gPrev[k] = events[k].g(t0, stepper.y);
  }

  for (;;) {
    const outcome = stepper.step();
    if (outcome === 'max-steps' || outcome === 'max-evals' || outcome === 'step-too-small') {
      status = outcome; message = stepper.message;
      break;
    }
    // One step accepted, on [tPrev, t] with its dense output.
    let emitTo = stepper.tPrev + stepper.hStep;
    if (nev > 0) {
      const te = locateEvents();
      if (te !== null) emitTo = te;
    }
    while (nextEval < tEval.length && (tEval[nextEval] - emitTo) * dir <= 0) {
      const out = new Float64Array(n);
      stepper.interpolate(tEval[nextEval], out);
      outT.push(tEval[nextEval]); outY.push(out); nextEval++;
    }
    if (yEnd) {
      status = 'event'; message = `terminal event at t = ${tEnd}`;
      break;
    }
    if (outcome === 'stiff') { status = 'stiff'; message = stepper.message; break; }
    // auto changes method here; as its first method stopped on the stiffness test, no stop test.
    if (outcome === 'switched') continue;
    if (!allFinite(stepper.dy)) {
      status = 'non-finite'; message = `right-hand side is not finite at t = ${stepper.t}`;
      break;
    }
    if (options.stop && options.stop(stepper.t, stepper.y, stepper.dy)) {
      status = 'stopped'; message = stoppedMessage(stepper.t);
      break;
    }
    if (outcome === 'end') break;
    if (options.checkpoint?.due(stepper.t)) options.checkpoint.save(snapshot(), false);
  }
  options.checkpoint?.save(snapshot(), true);
  return finish(stepper.h);

  /**
   * Zeros of the event functions on the step just taken, located by Brent's
   * method on the dense output and recorded in time order; the time of the
   * first terminal one (which cuts off the events after it), else null.
   */
  function locateEvents(): number | null {
    const ta = stepper.tPrev, tb = stepper.t;
    let found = 0;
    for (let k = 0; k < nev; k++) {
      gNew[k] = events[k].g(tb, stepper.y);
      if (crosses(gPrev[k], gNew[k], events[k].direction ?? 0)) found++;
    }
    let result: number | null = null;
    if (found > 0) {
      const hits: { k: number; t: number }[] = [];
      for (let k = 0; k < nev; k++) {
        if (!crosses(gPrev[k], gNew[k], events[k].direction ?? 0)) continue;
        const g = events[k].g, ga = gPrev[k], gb = gNew[k];
        // At the step's ends use the values that showed the crossing, so the bracket holds.
        const phi = (s: number): number => {
          if (s === ta) return ga;
          if (s === tb) return gb;
          stepper.interpolate(s, scratch);
          return g(s, scratch);
        };
        hits.push({ k, t: brent(phi, ta, tb) });
      }
      hits.sort((a, b) => (a.t - b.t) * dir);
      for (const { k, t } of hits) {
        const y = new Float64Array(n);
        if (t === tb) y.set(stepper.y); else stepper.interpolate(t, y);
        tEvents[k].push(t); yEvents[k].push(y);
        if (events[k].terminal) { result = t; tEnd = t; yEnd = Float64Array.from(y); break; }
      }
    }
    gPrev.set(gNew);
    return result;
  }
}

/** A sign change of g over a step (an exact zero at its end included; one at its start not). */
function crosses(before: number, after: number, direction: number): boolean {
  const up = before < 0 && after >= 0;
  const down = before > 0 && after <= 0;
  return direction > 0 ? up : direction < 0 ? down : up || down;
}
