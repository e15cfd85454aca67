// The vector-field kernels against the TypeScript loops: the generated
// straight-line field (small problems) and the native BLAS field (native/,
// OpenBLAS dgemm) give the same vector field to rounding, and the same integrations.
// CI sets DMFLOW_REQUIRE_NATIVE=1 so that a failed build fails here instead of
// skipping.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blasField, buildProblem, nativeBlas, run, typescriptField, unrolledField } from '../src/index.js';
import { expectEqualsTypescriptField, problemOf, problemShape } from './helpers/randomProblems.js';

const required = process.env.DMFLOW_REQUIRE_NATIVE === '1';

describe('native BLAS field', () => {
  it('is built where CI requires it', () => {
    if (required) expect(nativeBlas, 'native/build/Release/dmflow_native.node did not load (npm run build:native)').not.toBeNull();
  });

  it.skipIf(!nativeBlas)('equals the TypeScript field to rounding (any shape, depth, width, mask)', () => {
    fc.assert(fc.property(problemShape(12, 5, 0.05), (shape) => {
      const p = problemOf(shape);
      const bl = blasField(p, nativeBlas!);
      const ts = expectEqualsTypescriptField(p, bl);
      expect(Math.abs(ts.lastLoss - bl.lastLoss)).toBeLessThanOrEqual(1e-13 * ts.lastLoss + 1e-300);
    }), { numRuns: 200, seed: 21 });
  });

  it.skipIf(!nativeBlas)('gives the same integration as the TypeScript kernel (20x20, depth 3)', () => {
    const spec = {
      target: { kind: 'low-rank', size: [20, 20], rank: 2, seed: 1 }, observed: { kind: 'random', count: 160, seed: 2 },
      depth: 3, init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { method: 'auto', rtol: 1e-9, atol: 1e-12, lossTol: 1e-12 },
    } as const;
    const a = run(spec, { fieldImpl: 'typescript' });
    const b = run(spec, { fieldImpl: 'blas' });
    expect(a.status).toBe('converged');
    expect(b.status).toBe('converged');
    let d = 0;
    a.matrix.flat().forEach((x, i) => { d = Math.max(d, Math.abs(x - b.matrix.flat()[i])); });
    expect(d).toBeLessThan(1e-6);
    expect(Math.abs(a.effectiveRank - b.effectiveRank)).toBeLessThan(1e-6);
  });
});

describe('generated straight-line field', () => {
  const shape = fc.record({
    m: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 5 }), depth: fc.integer({ min: 1, max: 5 }),
    width: fc.integer({ min: 1, max: 5 }), frac: fc.double({ min: 0.05, max: 1, noNaN: true }), seed: fc.integer({ min: 0, max: 1e6 }),
  });

  it('equals the TypeScript field to rounding (any shape, depth, width, mask)', () => {
    fc.assert(fc.property(shape, ({ m, n, depth, width, frac, seed }) => {
      const p = buildProblem({
        target: { kind: 'low-rank', size: [m, n], rank: 1, seed }, observed: { kind: 'random', count: Math.max(1, Math.floor(frac * m * n)), seed },
        depth, width, init: { kind: 'gaussian', std: 0.7, seed },
      });
      const a = new Float64Array(p.y0.length), b = new Float64Array(p.y0.length);
      const ts = typescriptField(p), un = unrolledField(p);
      ts.rhs(0, p.y0, a);
      un.rhs(0, p.y0, b);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(a[i])));
      expect(Math.abs(ts.lastLoss - un.lastLoss)).toBeLessThanOrEqual(1e-14 * ts.lastLoss + 1e-300);
      expect(un.evaluations).toBe(1);
    }), { numRuns: 300, seed: 22 });
  });

  it('problems sharing a shape and pattern share compiled code but not targets or state', () => {
    const spec = (seed: number) => ({ target: { kind: 'low-rank', size: [3, 3], rank: 1, seed }, observed: { kind: 'random', count: 5, seed: 1 }, depth: 3, init: { kind: 'gaussian', std: 0.5, seed } } as const);
    const [p, q] = [buildProblem(spec(1)), buildProblem(spec(2))];
    const fp = unrolledField(p), fq = unrolledField(q);
    for (const [prob, f] of [[p, fp], [q, fq], [p, fp]] as const) {
      const a = new Float64Array(prob.y0.length), b = new Float64Array(prob.y0.length);
      typescriptField(prob).rhs(0, prob.y0, a);
      f.rhs(0, prob.y0, b);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(a[i])));
    }
    expect(fp.evaluations).toBe(2);
    expect(fq.evaluations).toBe(1);
  });
});
