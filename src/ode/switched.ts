// A switched ODE y' = f_mode(t, y) integrated segment by segment: each mode
// comes with event functions whose zeros end it; the segment is integrated
// with those as terminal events, so it stops at the located switch, the
// system changes mode (and may adjust y there), and integration restarts.
// No step straddles a switch: stepping across one would leave the smooth
// problem the method's order rests on (Hairer, Nørsett & Wanner I, II.6,
// "discontinuous right-hand sides"). Knows nothing about matrices.
// A zero at the start of a segment is not an event (solveIvp), so switchAt
// should leave the state strictly on the side where the new mode's events
// start nonzero; else a first step that leaves and re-crosses the switching
// surface shows no sign change.

import { solveIvp, type SolveIvpOptions } from './solve.js';
import type { EventSpec, Rhs, SolveResult } from './types.js';

export interface SwitchedSystem {
  /** Right-hand side in the current mode (reads the mode at call time). */
  rhs: Rhs;
  /** The events that end the current mode (made terminal by the driver). */
  events(): EventSpec[];
  /**
   * The event with index `which` (into the last events() list) was located at
   * (t, y): change mode, adjusting y in place if the new mode wants it.
   */
  switchAt(t: number, y: Float64Array, which: number): void;
  /** The reported form of a state in the current mode (default: the state itself), applied to output states. */
  output?(y: Float64Array): Float64Array;
}

/** solveIvp's options (each method's own) without events, which the driver sets. */
export type SwitchedOptions = (SolveIvpOptions extends infer O ? (O extends unknown ? Omit<O, 'events'> : never) : never) & {
  /** Stop after this many switches (status 'max-switches'). */
  maxSwitches?: number;
};

export interface SwitchedResult extends Omit<SolveResult, 'status'> {
  status: SolveResult['status'] | 'max-switches';
  /** Located switches, in order. */
  switches: number;
  switchTimes: number[];
  /** Number of integrated segments (switches + 1). */
  segments: number;
}

export function solveSwitched(
  system: SwitchedSystem,
  span: readonly [number, number],
  y0: ArrayLike<number>,
  options: SwitchedOptions = {},
): SwitchedResult {
  const [t0, t1] = span;
  const { maxSwitches = Infinity, tEval: tEvalIn, maxSteps = 1_000_000, ...rest } = options;
  const tEval = tEvalIn ? Array.from(tEvalIn) : [];
  let y: Float64Array = Float64Array.from(y0);
  let t = t0;
  let nextEval = 0;
  const out: SwitchedResult = {
    status: 'done', t, y, nfev: 0, naccept: 0, nreject: 0, message: '', tEval: [], yEval: [],
    stiffDetections: 0, h: 0, switches: 0, switchTimes: [], segments: 0,
  };
  let h0 = rest.h0;
  for (;;) {
    const events = system.events().map((e) => ({ ...e, terminal: true }));
    // Output times not yet reported; a time equal to the restart point was reported by the segment before.
    while (nextEval < tEval.length && tEval[nextEval] < t) nextEval++;
    const left = maxSteps - out.naccept - out.nreject;
    if (left <= 0) { out.status = 'max-steps'; out.message = `stopped after ${maxSteps} steps at t = ${t}`; break; }
    const sol = solveIvp(system.rhs, [t, t1], y, { ...rest, h0, maxSteps: left, tEval: tEval.slice(nextEval), events } as SolveIvpOptions);
    out.segments++;
    out.nfev += sol.nfev; out.naccept += sol.naccept; out.nreject += sol.nreject;
    out.stiffDetections += sol.stiffDetections;
    out.tEval.push(...sol.tEval);
    out.yEval.push(...(system.output ? sol.yEval.map((v) => system.output!(v)) : sol.yEval));
    nextEval += sol.tEval.length;
    t = sol.t; y = sol.y; out.h = sol.h;
    if (sol.status !== 'event') {
      out.status = sol.status; out.message = sol.message;
      break;
    }
    // The terminal event that stopped the segment: the one located at sol.t.
    const which = (sol.tEvents ?? []).findIndex((ts) => ts.length > 0 && ts[ts.length - 1] === sol.t);
    if (which < 0) throw new Error('solveSwitched: the segment stopped on an event but none was reported at its end');
    if (out.switches >= maxSwitches) {
      out.status = 'max-switches';
      out.message = `stopped at the ${maxSwitches + 1}th switch at t = ${t} (solver.maxSwitches); the flow may chatter between modes here`;
      break;
    }
    system.switchAt(t, y, which);
    out.switches++;
    out.switchTimes.push(t);
    // Restart with the step the last segment reached (its first step need not be re-estimated).
    if (Number.isFinite(sol.h) && sol.h > 0) h0 = sol.h;
    if (t === t1) { out.status = 'done'; out.message = 'reached the end of the interval'; break; }
  }
  out.t = t; out.y = y;
  return out;
}
