// The part of the odex package's API that dmflow uses, as plain interfaces.
// Both the type-check's stand-in for the package (odex-types.d.ts, through
// tsconfig paths) and the wrapper (extrapolation.ts) use these, so that the
// emitted .d.ts files never name 'odex': a consumer's strict tsc would
// otherwise resolve it to odex's shipped TypeScript source and report errors
// there.

export type OdexOutput = (nr: number, xOld: number, x: number, y: number[], dense?: (c: number, x: number) => number) => boolean | void;

export interface OdexSolver {
  absoluteTolerance: number | number[];
  relativeTolerance: number | number[];
  maxSteps: number;
  initialStepSize: number;
  maxStepSize: number;
  denseOutput: boolean;
  solve(
    f: (x: number, y: number[]) => number[],
    x0: number,
    y0: number[],
    xEnd: number,
    solOut?: OdexOutput,
  ): { x: number; y: number[]; outcome: number; nStep: number; xOld: number; nAccept: number; nReject: number; nEval: number };
}

export interface OdexSolverClass {
  new (n: number): OdexSolver;
}
