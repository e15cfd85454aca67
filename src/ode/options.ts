// Checks shared by every integrator: which options a method takes (as scipy's
// warn_extraneous, but refused), the span, the tolerances and the output
// times, so that each method refuses the same bad options in the same words.

import { SolverOptionError } from './errors.js';
import type { AutoOptions, Dopri5Options, GdOptions, OdexOptions, RkcOptions, SolveOptions } from './types.js';

function check(cond: boolean, option: string, msg: string): void {
  if (!cond) throw new SolverOptionError(option, msg);
}

/** The options every method takes (SolveOptions). */
const SHARED = ['rtol', 'atol', 'maxSteps', 'maxEvals', 'h0', 'hMax', 'hMin', 'tEval', 'stop', 'events', 'checkpoint', 'resume'] as const satisfies readonly (keyof SolveOptions)[];

/** A method's own options: exactly the keys its options type adds to SolveOptions (checked by the compiler). */
type Own<O> = readonly Exclude<keyof O, keyof SolveOptions>[];
type Exact<O, L extends Own<O>> = Exclude<keyof O, keyof SolveOptions> extends L[number] ? L : never;
const own = <O>() => <const L extends Own<O>>(list: Exact<O, L>): L => list;

/** Each method's own options, beyond the shared ones. */
export const METHOD_OPTIONS = {
  dopri5: own<Dopri5Options>()(['stiffCheckEvery', 'stiffPatience', 'onStiff']),
  rkc: own<RkcOptions>()(['jvp', 'arithmetic']),
  auto: own<AutoOptions>()(['stiffCheckEvery', 'stiffPatience', 'jvp', 'onSwitch']),
  odex: own<OdexOptions>()([] as const),
  gd: own<GdOptions>()(['lr', 'project']),
};

export type MethodWithOptions = keyof typeof METHOD_OPTIONS;

/**
 * Refuse, in one line, an option the method does not use (an option set to
 * undefined counts as not given). gd and odex refuse events and checkpoints
 * first, with the methods that have them.
 */
export function checkMethodOptions(method: MethodWithOptions, options: object): void {
  refuseSteppingOnly(method, options as SolveOptions);
  const mine: readonly string[] = METHOD_OPTIONS[method];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || (SHARED as readonly string[]).includes(key) || mine.includes(key)) continue;
    const owners = Object.entries(METHOD_OPTIONS).filter(([, keys]) => (keys as readonly string[]).includes(key)).map(([m]) => m);
    throw new SolverOptionError(key, owners.length > 0
      ? `solveIvp: option "${key}" is not used by method "${method}": it is an option of ${owners.join(', ')}`
      : `solveIvp: unknown option "${key}" for method "${method}", expected one of ${[...SHARED, ...mine].join(', ')}`);
  }
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
  check(Number.isFinite(t0) && Number.isFinite(t1), 'span', 'solveIvp: span must be finite numbers');
  const rtol = options.rtol ?? 1e-6;
  check(rtol > 0 && Number.isFinite(rtol), 'rtol', 'solveIvp: rtol must be a positive number');
  const atolIn = options.atol ?? 1e-9;
  const atol = new Float64Array(n);
  if (typeof atolIn === 'number') atol.fill(atolIn);
  else {
    check(atolIn.length === n, 'atol', `solveIvp: atol has ${atolIn.length} components, expected ${n}`);
    for (let i = 0; i < n; i++) atol[i] = atolIn[i];
  }
  for (let i = 0; i < n; i++) check(atol[i] >= 0 && Number.isFinite(atol[i]), 'atol', 'solveIvp: atol must be >= 0');
  const dir = t1 >= t0 ? 1 : -1;
  const tEval = options.tEval ? Array.from(options.tEval) : [];
  for (let i = 0; i < tEval.length; i++) {
    check(Number.isFinite(tEval[i]), 'tEval', 'solveIvp: tEval must hold finite numbers');
    check((tEval[i] - t0) * dir >= 0 && (t1 - tEval[i]) * dir >= 0, 'tEval', `solveIvp: tEval[${i}] = ${tEval[i]} lies outside [${t0}, ${t1}]`);
    if (i > 0) check((tEval[i] - tEval[i - 1]) * dir >= 0, 'tEval', 'solveIvp: tEval must be sorted in the direction of integration');
  }
  return { rtol, atol, tEval, dir };
}

/**
 * Events, checkpoints and resuming need a stepper with dense output (dopri5,
 * rkc, auto); gradient descent has no interpolant and odex runs as a closed box.
 */
function refuseSteppingOnly(method: string, options: SolveOptions): void {
  if (method !== 'gd' && method !== 'odex') return;
  if (options.events && options.events.length > 0) throw new SolverOptionError('events', `solveIvp: events need dense output: use method dopri5, rkc or auto, not ${method}`);
  if (options.checkpoint || options.resume) throw new SolverOptionError(options.checkpoint ? 'checkpoint' : 'resume', `solveIvp: checkpoints need a stepper: use method dopri5, rkc or auto, not ${method}`);
}
