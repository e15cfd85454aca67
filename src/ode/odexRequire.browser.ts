// In a browser bundle odex is bundled, so extrapolation.ts never falls back here.

import type * as NodeSide from './odexRequire.js';

export const requireOdexSolver: typeof NodeSide.requireOdexSolver = () => {
  throw new Error('odex: the bundle holds no odex Solver');
};
