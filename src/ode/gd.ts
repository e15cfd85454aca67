// Plain gradient descent as a discrete baseline: explicit Euler with a fixed
// step, y_{k+1} = y_k + lr f(y_k), reported at time t = k lr so that its
// results line up with the flow it approximates (error O(lr)). With a
// projection Pi it is projected gradient descent, y_{k+1} = Pi(y_k + lr f(y_k)).

import { SolverOptionError } from './errors.js';
import { checkMethodOptions, checkOptions } from './options.js';
import { stepLimits } from './stepper.js';
import type { GdOptions, Rhs, SolveResult, SolveStatus } from './types.js';

export function gradientDescent(f: Rhs, span: readonly [number, number], y0In: ArrayLike<number>, options: GdOptions = {}): SolveResult {
  checkMethodOptions('gd', options);
  const [t0, t1] = span;
  const lr = options.lr;
  if (lr === undefined || !(lr > 0) || !Number.isFinite(lr)) throw new SolverOptionError('lr', 'solveIvp: method "gd" needs a learning rate lr > 0');
  if (t1 < t0) throw new SolverOptionError('span', 'solveIvp: method "gd" integrates forwards only');
  const n = y0In.length;
  const y = Float64Array.from(y0In);
  const dy = new Float64Array(n);
  const { maxSteps, maxEvals } = stepLimits(options);
  const { tEval } = checkOptions(span, n, options);
  const outT: number[] = [];
  const outY: Float64Array[] = [];
  let next = 0;
  // Iterate k is reported for the tEval times nearest to k lr.
  const emit = (k: number) => {
    while (next < tEval.length && tEval[next] <= t0 + (k + 0.5) * lr) {
      outT.push(t0 + k * lr); outY.push(Float64Array.from(y)); next++;
    }
  };
  const steps = Math.round((t1 - t0) / lr);
  let k = 0;
  let status: SolveStatus = 'done';
  let message = 'reached the end of the interval';
  f(t0, y, dy);
  let nfev = 1;
  emit(0);
  while (k < steps) {
    if (k >= maxSteps) { status = 'max-steps'; message = `stopped after ${maxSteps} steps at t = ${t0 + k * lr}`; break; }
    if (nfev + 1 > maxEvals) { status = 'max-evals'; message = `stopped after ${nfev} evaluations at t = ${t0 + k * lr}: the next step would pass maxEvals = ${maxEvals}`; break; }
    for (let i = 0; i < n; i++) y[i] += lr * dy[i];
    options.project?.(y);
    k++;
    const t = t0 + k * lr;
    f(t, y, dy);
    nfev++;
    emit(k);
    let finite = true;
    for (let i = 0; i < n; i++) if (!Number.isFinite(dy[i]) || !Number.isFinite(y[i])) { finite = false; break; }
    if (!finite) { status = 'non-finite'; message = `gradient descent blew up at t = ${t} (lr too large?)`; break; }
    if (options.stop && options.stop(t, y, dy)) { status = 'stopped'; message = `stopped by the predicate at t = ${t}`; break; }
  }
  return { status, t: t0 + k * lr, y, nfev, naccept: k, nreject: 0, message, tEval: outT, yEval: outY, stiffDetections: 0, h: lr };
}
