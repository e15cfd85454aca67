// The Arenstorf orbit (Hairer I, II.0) over one period: return error and cost.

import { solveIvp, type Rhs } from '../src/index.js';

export function benchArenstorf(tol = 1e-10): { tol: number; nfev: number; steps: number; rejected: number; returnError: number; ms: number } {
  const mu = 0.012277471, mp = 1 - mu;
  const f: Rhs = (_t, y, dy) => {
    const d1 = ((y[0] + mu) ** 2 + y[1] ** 2) ** 1.5;
    const d2 = ((y[0] - mp) ** 2 + y[1] ** 2) ** 1.5;
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = y[0] + 2 * y[3] - (mp * (y[0] + mu)) / d1 - (mu * (y[0] - mp)) / d2;
    dy[3] = y[1] - 2 * y[2] - (mp * y[1]) / d1 - (mu * y[1]) / d2;
  };
  const y0 = [0.994, 0, 0, -2.00158510637908252240537862224];
  const T = 17.0652165601579625588917206249;
  const start = performance.now();
  const r = solveIvp(f, [0, T], y0, { rtol: tol, atol: tol });
  const ms = performance.now() - start;
  const returnError = Math.max(...y0.map((v, i) => Math.abs(r.y[i] - v)));
  return { tol, nfev: r.nfev, steps: r.naccept, rejected: r.nreject, returnError, ms };
}
