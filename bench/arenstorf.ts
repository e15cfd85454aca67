// The Arenstorf orbit (Hairer I, II.0) over one period: return error and cost.

import { arenstorf, solveIvp } from '../src/index.js';

export function benchArenstorf(tol = 1e-10): { tol: number; nfev: number; steps: number; rejected: number; returnError: number; ms: number } {
  const { f, y0, period: T } = arenstorf();
  const start = performance.now();
  const r = solveIvp(f, [0, T], y0, { rtol: tol, atol: tol });
  const ms = performance.now() - start;
  const returnError = Math.max(...y0.map((v, i) => Math.abs(r.y[i] - v)));
  return { tol, nfev: r.nfev, steps: r.naccept, rejected: r.nreject, returnError, ms };
}
