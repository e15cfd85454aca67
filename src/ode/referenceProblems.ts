// Classical test problems with known answers, for checking integrators.

import type { Rhs } from './types.js';

/**
 * The Arenstorf orbit of the restricted three-body problem (Hairer, Nørsett &
 * Wanner, Solving ODEs I, II.0): periodic, so it returns to y0 after `period`.
 */
export function arenstorf(): { f: Rhs; y0: number[]; period: number } {
  const mu = 0.012277471, mp = 1 - mu;
  const f: Rhs = (_t, y, dy) => {
    const d1 = ((y[0] + mu) ** 2 + y[1] ** 2) ** 1.5;
    const d2 = ((y[0] - mp) ** 2 + y[1] ** 2) ** 1.5;
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = y[0] + 2 * y[3] - (mp * (y[0] + mu)) / d1 - (mu * (y[0] - mp)) / d2;
    dy[3] = y[1] - 2 * y[2] - (mp * y[1]) / d1 - (mu * y[1]) / d2;
  };
  return { f, y0: [0.994, 0, 0, -2.00158510637908252240537862224], period: 17.0652165601579625588917206249 };
}
