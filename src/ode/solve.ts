// solveIvp: the public entry to the integrators, chosen by name.

import { dopri5 } from './dopri5.js';
import { gradientDescent } from './gd.js';
import { odex } from './extrapolation.js';
import { autoSwitch } from './auto.js';
import { rkc } from './rkc.js';
import type { Integrator, Rhs, SolveOptions, SolveResult } from './types.js';

export const integrators = {
  dopri5,
  odex,
  gd: gradientDescent,
  rkc,
  auto: autoSwitch,
} satisfies Record<string, Integrator>;

export type IntegratorName = keyof typeof integrators;

export interface SolveIvpOptions extends SolveOptions {
  /** Which integrator (default "dopri5"). */
  method?: IntegratorName;
  /** Learning rate, for method "gd". */
  lr?: number;
}

/**
 * Integrate y' = f(t, y), y(t0) = y0 over [t0, t1]. f writes f(t, y) into its
 * third argument (Float64Array) and must not allocate.
 */
export function solveIvp(
  f: Rhs,
  span: readonly [number, number],
  y0: ArrayLike<number>,
  options: SolveIvpOptions = {},
): SolveResult {
  const { method = 'dopri5', ...rest } = options;
  const integrate: Integrator | undefined = integrators[method];
  if (!integrate) throw new RangeError(`solveIvp: unknown method "${method}", expected one of ${Object.keys(integrators).join(', ')}`);
  return integrate(f, span, y0, rest);
}
