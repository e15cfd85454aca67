// odex ships its TypeScript source, which a strict tsc would type-check
// (skipLibCheck covers only .d.ts files); tsconfig's paths sends the
// type-check here instead. Only the
// type-check reads this file: at run time Node loads the real package.
import type { OdexSolverClass } from './odexApi.js';

export declare const Solver: OdexSolverClass;
