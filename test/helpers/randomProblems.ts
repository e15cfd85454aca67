// Random deep-factorization problems for the kernel property tests: a shape
// (target size, depth, hidden width, observed fraction, seed) drawn by
// fast-check, the problem built from it, and the comparison of a kernel's
// field with the TypeScript loops at one point.

import fc from 'fast-check';
import { expect } from 'vitest';
import { buildProblem, typescriptField, type GradientField, type Problem } from '../../src/index.js';

export interface ProblemShape { m: number; n: number; depth: number; width: number; frac: number; seed: number }

/** Sides and width in 1..maxSide, depth in 1..maxDepth, observed fraction in [minFrac, 1]. */
export function problemShape(maxSide: number, maxDepth: number, minFrac: number): fc.Arbitrary<ProblemShape> {
  return fc.record({
    m: fc.integer({ min: 1, max: maxSide }), n: fc.integer({ min: 1, max: maxSide }), depth: fc.integer({ min: 1, max: maxDepth }),
    width: fc.integer({ min: 1, max: maxSide }), frac: fc.double({ min: minFrac, max: 1, noNaN: true }), seed: fc.integer({ min: 0, max: 1e6 }),
  });
}

/** A rank-1 target, that fraction of entries observed at random, Gaussian layers of std 0.7. */
export function problemOf({ m, n, depth, width, frac, seed }: ProblemShape): Problem {
  return buildProblem({
    target: { kind: 'low-rank', size: [m, n], rank: 1, seed }, observed: { kind: 'random', count: Math.max(1, Math.floor(frac * m * n)), seed },
    depth, width, init: { kind: 'gaussian', std: 0.7, seed },
  });
}

/** The field equals the TypeScript field at the problem's initial point to rounding (1e-13 relative, in norm); returns the TypeScript field. */
export function expectEqualsTypescriptField(p: Problem, field: GradientField): GradientField {
  const a = new Float64Array(p.y0.length), b = new Float64Array(p.y0.length);
  const ts = typescriptField(p);
  ts.rhs(0, p.y0, a);
  field.rhs(0, p.y0, b);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += a[i] ** 2; }
  expect(Math.sqrt(num)).toBeLessThanOrEqual(1e-13 * Math.sqrt(den) + 1e-300);
  return ts;
}
