// What each command's exit code says (docs/exit-codes.md). 2 is always a
// refused input (main.ts); these decide between 0 and 1 for a result printed.

/** The solver keys of the spec as the user wrote them (before defaults). */
interface AskedSolver {
  tMax?: unknown;
  lossTol?: unknown;
}

function askedSolver(spec: unknown): AskedSolver {
  if (spec === null || typeof spec !== 'object') return {};
  const solver = (spec as { solver?: unknown }).solver;
  return solver !== null && typeof solver === 'object' ? (solver as AskedSolver) : {};
}

/**
 * dmflow run: 0 when the run reached what was asked — it converged (at
 * lossTol, gradTol, or a minimum of the constrained model), or it ran to the
 * user's own end: a tMax the spec sets, lossTol 0 (integrate to tMax), or the
 * wall-clock budget (--max-time, solver.maxWallTime, which have no default).
 * 1 for every other status (a budget at its default, a plateau, divergence)
 * and for an end state the verification repeat moved (sensitive).
 */
export function runExitCode(result: { status: string; sensitive?: boolean }, spec: unknown): 0 | 1 {
  if (result.sensitive === true) return 1;
  switch (result.status) {
    case 'converged':
    case 'time-limit':
      return 0;
    case 't-max': {
      const asked = askedSolver(spec);
      return asked.tMax !== undefined || asked.lossTol === 0 ? 0 : 1;
    }
    default:
      return 1;
  }
}

/**
 * dmflow glrl: 0 when GLRL ended at a solution (converged, or psd-optimal), or
 * at the largest rank the user set; 1 when a stage failed or was unbounded, or
 * the default largest rank ended it short of lossTol.
 */
export function glrlExitCode(result: { status: string }, maxRankAsked: boolean): 0 | 1 {
  switch (result.status) {
    case 'converged':
    case 'psd-optimal':
      return 0;
    case 'max-rank':
      return maxRankAsked ? 0 : 1;
    default:
      return 1;
  }
}
