// Accuracy constants and contracts, defined once for the numerics in
// src/numeric/ and the theorem module (theorems/).

/** The smallest positive normal double, 2^-1022: below it a double carries fewer than 53 significant bits. */
export const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * The theorem module's contract: a value reported 'exact' satisfies its
 * defining equations (or is fixed by its exact double inputs) to this
 * relative accuracy (theorems/types.ts, `TheoremLimit.status`).
 */
export const EXACT_REL_TOL = 1e-12;

/**
 * A tenth of EXACT_REL_TOL: a double-precision solution whose error estimate
 * stays below it is kept as it is; above it the solution is solved again
 * (another route, or extended precision), and an extended-precision answer is
 * accepted only below it.
 */
export const EXACT_MARGIN = EXACT_REL_TOL / 10;

/**
 * How far an init may be from the form a theorem's hypothesis asks for
 * (a multiple of I, balanced layers, parallel columns), relative to the
 * init's own scale.
 */
export const HYPOTHESIS_REL_TOL = 1e-12;

/** |x - y| relative to the larger of |x|, |y|; 0 when they are equal. */
export function relDiff(x: number, y: number): number {
  return x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y));
}
