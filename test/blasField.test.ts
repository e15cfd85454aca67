// The native BLAS field (native/, OpenBLAS dgemm) against the TypeScript
// field: the same vector field to rounding, and the same integrations.
// CI sets DMFLOW_REQUIRE_NATIVE=1 so that a failed build fails here instead of
// skipping.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blasField, buildProblem, nativeBlas, run, typescriptField } from '../src/index.js';

const required = process.env.DMFLOW_REQUIRE_NATIVE === '1';

describe('native BLAS field', () => {
  it('is built where CI requires it', () => {
    if (required) expect(nativeBlas, 'native/build/Release/dmflow_native.node did not load (npm run build:native)').not.toBeNull();
  });

  it.skipIf(!nativeBlas)('equals the TypeScript field to rounding (any shape, depth, width, mask)', () => {
    const shape = fc.record({
      m: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 12 }), depth: fc.integer({ min: 1, max: 5 }),
      width: fc.integer({ min: 1, max: 12 }), frac: fc.double({ min: 0.05, max: 1, noNaN: true }), seed: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(fc.property(shape, ({ m, n, depth, width, frac, seed }) => {
      const p = buildProblem({
        target: { kind: 'low-rank', size: [m, n], rank: 1, seed }, observed: { kind: 'random', count: Math.max(1, Math.floor(frac * m * n)), seed },
        depth, width, init: { kind: 'gaussian', std: 0.7, seed },
      });
      const a = new Float64Array(p.y0.length), b = new Float64Array(p.y0.length);
      const ts = typescriptField(p), bl = blasField(p, nativeBlas!);
      ts.rhs(0, p.y0, a);
      bl.rhs(0, p.y0, b);
      let num = 0, den = 0;
      for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += a[i] ** 2; }
      expect(Math.sqrt(num)).toBeLessThanOrEqual(1e-13 * Math.sqrt(den) + 1e-300);
      expect(Math.abs(ts.lastLoss - bl.lastLoss)).toBeLessThanOrEqual(1e-13 * ts.lastLoss + 1e-300);
    }), { numRuns: 200, seed: 21 });
  });

  it.skipIf(!nativeBlas)('gives the same integration as the TypeScript kernel (20x20, depth 3)', () => {
    const spec = {
      target: { kind: 'low-rank', size: [20, 20], rank: 2, seed: 1 }, observed: { kind: 'random', count: 160, seed: 2 },
      depth: 3, init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { method: 'auto', rtol: 1e-9, atol: 1e-12, lossTol: 1e-12 },
    };
    const a = run(spec, { kernel: 'typescript' });
    const b = run(spec, { kernel: 'blas' });
    expect(a.status).toBe('converged');
    expect(b.status).toBe('converged');
    let d = 0;
    a.matrix.flat().forEach((x, i) => { d = Math.max(d, Math.abs(x - b.matrix.flat()[i])); });
    expect(d).toBeLessThan(1e-6);
    expect(Math.abs(a.effectiveRank - b.effectiveRank)).toBeLessThan(1e-6);
  });
});
