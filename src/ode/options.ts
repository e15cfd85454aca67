// Checks shared by every integrator: the span, the tolerances and the output
// times, so that each method refuses the same bad options in the same words.

import type { SolveOptions } from './types.js';

function check(cond: boolean, msg: string): void {
  if (!cond) throw new RangeError(msg);
}

export interface CheckedOptions {
  rtol: number;
  /** Per-component absolute tolerance. */
  atol: Float64Array;
  /** Output times, validated: finite, inside the span, in the direction of integration. */
  tEval: number[];
  /** +1 forwards, -1 backwards. */
  dir: number;
}

export function checkOptions(span: readonly [number, number], n: number, options: SolveOptions): CheckedOptions {
  const [t0, t1] = span;
  check(Number.isFinite(t0) && Number.isFinite(t1), 'solveIvp: span must be finite numbers');
  const rtol = options.rtol ?? 1e-6;
  check(rtol > 0 && Number.isFinite(rtol), 'solveIvp: rtol must be a positive number');
  const atolIn = options.atol ?? 1e-9;
  const atol = new Float64Array(n);
  if (typeof atolIn === 'number') atol.fill(atolIn);
  else {
    check(atolIn.length === n, `solveIvp: atol has ${atolIn.length} components, expected ${n}`);
    for (let i = 0; i < n; i++) atol[i] = atolIn[i];
  }
  for (let i = 0; i < n; i++) check(atol[i] >= 0 && Number.isFinite(atol[i]), 'solveIvp: atol must be >= 0');
  const dir = t1 >= t0 ? 1 : -1;
  const tEval = options.tEval ? Array.from(options.tEval) : [];
  for (let i = 0; i < tEval.length; i++) {
    check(Number.isFinite(tEval[i]), 'solveIvp: tEval must hold finite numbers');
    check((tEval[i] - t0) * dir >= 0 && (t1 - tEval[i]) * dir >= 0, `solveIvp: tEval[${i}] = ${tEval[i]} lies outside [${t0}, ${t1}]`);
    if (i > 0) check((tEval[i] - tEval[i - 1]) * dir >= 0, 'solveIvp: tEval must be sorted in the direction of integration');
  }
  return { rtol, atol, tEval, dir };
}

/**
 * Events, checkpoints and resuming need a stepper with dense output (dopri5,
 * rkc, auto); gradient descent has no interpolant and odex runs as a closed box.
 */
export function refuseSteppingOnly(method: string, options: SolveOptions): void {
  if (options.events && options.events.length > 0) throw new RangeError(`solveIvp: events need dense output: use method dopri5, rkc or auto, not ${method}`);
  if (options.checkpoint || options.resume) throw new RangeError(`solveIvp: checkpoints need a stepper: use method dopri5, rkc or auto, not ${method}`);
}
