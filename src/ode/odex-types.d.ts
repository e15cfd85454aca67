// odex ships its TypeScript source; tsconfig's paths sends the type-check
// here instead, so that a strict tsc stays out of it (STACK.md). Only the
// type-check reads this file: at run time Node loads the real package.
import type { OdexSolverClass } from './odexApi.js';

export declare const Solver: OdexSolverClass;
