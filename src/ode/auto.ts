// "auto": Dormand–Prince while the problem is not stiff, Runge–Kutta–Chebyshev
// once Hairer's stiffness test fires (the step is capped by stability, not
// accuracy: for a gradient flow, the convergence phase near a minimum).

import { dopri5 } from './dopri5.js';
import { rkc } from './rkc.js';
import type { Rhs, SolveOptions, SolveResult } from './types.js';

export function autoSwitch(f: Rhs, span: readonly [number, number], y0: ArrayLike<number>, options: SolveOptions = {}): SolveResult {
  const first = dopri5(f, span, y0, { ...options, onStiff: () => true });
  if (first.status !== 'stiff') return first;
  options.onSwitch?.(first.t, 'rkc');
  const remaining = (options.tEval ? Array.from(options.tEval) : []).filter((t) => (t - first.t) * (span[1] - span[0]) > 0);
  const second = rkc(f, [first.t, span[1]], first.y, {
    ...options,
    tEval: remaining,
    h0: Math.abs(first.h),
    maxSteps: (options.maxSteps ?? 1_000_000) - first.naccept - first.nreject,
  });
  return {
    ...second,
    nfev: first.nfev + second.nfev,
    naccept: first.naccept + second.naccept,
    nreject: first.nreject + second.nreject,
    tEval: [...first.tEval, ...second.tEval],
    yEval: [...first.yEval, ...second.yEval],
    stiffDetections: first.stiffDetections,
    message: `${second.message} (Dormand–Prince to t = ${first.t}, then Runge–Kutta–Chebyshev)`,
  };
}
