// solveIvp: the public entry to the integrators, chosen by name, each with
// its own options (types.ts); an option of another method is refused.

import { autoSwitch } from './auto.js';
import { dopri5 } from './dopri5.js';
import { SolverOptionError } from './errors.js';
import { odex } from './extrapolation.js';
import { gradientDescent } from './gd.js';
import { rkc } from './rkc.js';
import type { AutoOptions, Dopri5Options, GdOptions, Integrator, OdexOptions, Rhs, RkcOptions, SolveResult } from './types.js';

export const integrators = {
  dopri5,
  odex,
  gd: gradientDescent,
  rkc,
  auto: autoSwitch,
} satisfies { dopri5: Integrator<Dopri5Options>; odex: Integrator<OdexOptions>; gd: Integrator<GdOptions>; rkc: Integrator<RkcOptions>; auto: Integrator<AutoOptions> };

export type IntegratorName = keyof typeof integrators;

/** solveIvp's options: the method's name (default "dopri5") with that method's options. */
export type SolveIvpOptions =
  | ({ method?: 'dopri5' } & Dopri5Options)
  | ({ method: 'rkc' } & RkcOptions)
  | ({ method: 'auto' } & AutoOptions)
  | ({ method: 'odex' } & OdexOptions)
  | ({ method: 'gd' } & GdOptions);

/**
 * Integrate y' = f(t, y), y(t0) = y0 over [t0, t1]. f writes f(t, y) into its
 * third argument (Float64Array) and must not allocate. Throws
 * SolverOptionError, in one line, for an option out of range or of another
 * method.
 */
export function solveIvp(
  f: Rhs,
  span: readonly [number, number],
  y0: ArrayLike<number>,
  options: SolveIvpOptions = {},
): SolveResult {
  const { method = 'dopri5', ...rest } = options;
  const integrate = Object.hasOwn(integrators, method) ? (integrators as Record<string, Integrator<object>>)[method] : undefined;
  if (!integrate) throw new SolverOptionError('method', `solveIvp: unknown method "${method}", expected one of ${Object.keys(integrators).join(', ')}`);
  return integrate(f, span, y0, rest);
}
