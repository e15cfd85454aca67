// require() of odex's own file, resolved from the working directory: the
// fallback of extrapolation.ts under a tsx loader (see there). A browser
// build substitutes odexRequire.browser.ts: a bundler resolves odex itself.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { OdexSolverClass } from './odexApi.js';

export function requireOdexSolver(): OdexSolverClass {
  return (createRequire(join(process.cwd(), 'package.json'))('odex/src/odex.js') as { Solver: OdexSolverClass }).Solver;
}
