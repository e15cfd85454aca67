// odex ships its TypeScript source; this declaration keeps our strict
// type-check out of it (STACK.md). Only what dmflow uses is declared.
declare module 'odex' {
  export class Solver {
    constructor(n: number);
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
      solOut?: (nr: number, xOld: number, x: number, y: number[], dense?: (c: number, x: number) => number) => boolean | void,
    ): { x: number; y: number[]; outcome: number; nStep: number; xOld: number; nAccept: number; nReject: number; nEval: number };
  }
}
