// The odex package (Hairer & Wanner's ODEX: Gragg–Bulirsch–Stoer
// extrapolation, a method independent of Dormand–Prince) behind dmflow's
// integrator interface. odex works on plain arrays, so this wrapper copies at
// its boundary; it is the cross-check, not the fast path.

import * as odexModule from 'odex';
import type { OdexSolverClass } from './odexApi.js';
import { requireOdexSolver } from './odexRequire.js';
import { checkMethodOptions, checkOptions } from './options.js';
import { stepLimits } from './stepper.js';
import type { OdexOptions, Rhs, SolveResult, SolveStatus } from './types.js';

// odex is CommonJS: Node's ESM loader exposes it as the default export, the
// bundlers and CommonJS interop as a named one. Under a tsx loader the
// namespace comes out empty: tsx applies tsconfig's paths, which send 'odex'
// to the type-only stand-in odex-types.d.ts, in require() too. Then fall back
// to require() of the package's file, resolved from the working directory
// (tsx runs the sources from the repository; the built package and tslab
// never get here). No import.meta: tslab compiles these sources as CommonJS
// and rejects it. Typed with dmflow's own interface (odexApi.ts) so that the
// emitted .d.ts does not name 'odex'.
const ns = odexModule as unknown as { Solver?: OdexSolverClass; default?: { Solver?: OdexSolverClass } };
export const OdexSolver: OdexSolverClass = ns.Solver ?? ns.default?.Solver ?? requireOdexSolver();

export function odex(f: Rhs, span: readonly [number, number], y0In: ArrayLike<number>, options: OdexOptions = {}): SolveResult {
  checkMethodOptions('odex', options);
  const [t0, t1] = span;
  const n = y0In.length;
  const { rtol, atol, tEval, dir } = checkOptions(span, n, options);
  const { maxSteps, maxEvals } = stepLimits(options);
  const solver = new OdexSolver(n);
  solver.relativeTolerance = rtol;
  // A scalar stays a scalar for odex (its ITOL = 0 path); per-component goes as an array.
  const atolOpt = options.atol;
  solver.absoluteTolerance = typeof atolOpt === 'number' ? atolOpt : atolOpt === undefined ? 1e-9 : Array.from(atol);
  solver.maxSteps = maxSteps;
  if (options.h0 !== undefined) solver.initialStepSize = options.h0;
  if (options.hMax !== undefined) solver.maxStepSize = options.hMax;
  solver.denseOutput = tEval.length > 0;

  const yBuf = new Float64Array(n);
  const dyBuf = new Float64Array(n);
  let nfev = 0;
  // odex cannot be told to stop from inside a step: running out of evaluations
  // throws this, and the result is the state after the last completed step.
  const outOfEvals = new Error('maxEvals');
  const rhs = (t: number, y: number[]): number[] => {
    if (nfev >= maxEvals) throw outOfEvals;
    for (let i = 0; i < n; i++) yBuf[i] = y[i];
    f(t, yBuf, dyBuf);
    nfev++;
    return Array.from(dyBuf);
  };

  const outT: number[] = [];
  const outY: Float64Array[] = [];
  let next = 0;
  while (next < tEval.length && tEval[next] === t0) { outT.push(t0); outY.push(Float64Array.from(y0In)); next++; }
  let stopped = false;
  let nonFinite = false;
  let tNow = t0;
  const yNow = Float64Array.from(y0In);
  let solOutCalls = 0;
  const solOut = (_nr: number, _xOld: number, x: number, y: number[], dense?: (c: number, x: number) => number): boolean => {
    if (dense) {
      while (next < tEval.length && (tEval[next] - x) * dir <= 0) {
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) v[i] = dense(i, tEval[next]);
        outT.push(tEval[next]); outY.push(v); next++;
      }
    }
    tNow = x;
    solOutCalls++;
    for (let i = 0; i < n; i++) yNow[i] = y[i];
    if (!y.every(Number.isFinite)) { nonFinite = true; return false; }
    if (options.stop && x !== t0) {
      // The stop contract: dy = f(t, y) evaluated last.
      if (nfev >= maxEvals) throw outOfEvals;
      f(x, yNow, dyBuf);
      nfev++;
      if (options.stop(x, yNow, dyBuf)) { stopped = true; return false; }
    }
    return true;
  };
  let r: ReturnType<typeof solver.solve> | null = null;
  try {
    r = solver.solve(rhs, t0, Array.from(y0In), t1, solOut);
  } catch (e) {
    if (e !== outOfEvals) throw e;
  }
  let status: SolveStatus;
  let message: string;
  if (!r) { status = 'max-evals'; message = `stopped after ${nfev} evaluations at t = ${tNow}: odex needed more than maxEvals = ${maxEvals}`; }
  else if (nonFinite) { status = 'non-finite'; message = `solution is not finite at t = ${tNow}`; }
  else if (stopped) { status = 'stopped'; message = `stopped by the predicate at t = ${tNow}`; }
  else if (r.outcome === 1) { status = 'max-steps'; message = `odex stopped after ${solver.maxSteps} steps at t = ${tNow}`; }
  else { status = 'done'; message = 'reached the end of the interval'; tNow = t1; yNow.set(r.y); }
  return {
    status, t: tNow, y: yNow, nfev, // Cut short by maxEvals, odex reports no counts: its solOut ran once at t0 and once per accepted step (rejections unknown, 0).
    naccept: r ? r.nAccept : Math.max(0, solOutCalls - 1), nreject: r ? r.nReject : 0, message,
    tEval: outT, yEval: outY, stiffDetections: 0, h: NaN,
  };
}
