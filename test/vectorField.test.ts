import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceInvariants, buildProblem, endToEnd, gradientField, invariantDrift, loss, run, solveIvp } from '../src/index.js';
import { naiveRhs, referenceFlow } from './helpers/reference.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

/** Random small problems: shapes, depth, width, mask, gaussian init. */
const randomSpec = fc
  .record({
    m: fc.integer({ min: 1, max: 5 }),
    n: fc.integer({ min: 1, max: 5 }),
    depth: fc.integer({ min: 1, max: 5 }),
    width: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    std: fc.double({ min: 0.2, max: 1, noNaN: true }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    maskSeed: fc.integer({ min: 0, max: 1_000_000 }),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ m, n, depth, width, std, seed, maskSeed, frac }) => ({
    target: { kind: 'low-rank' as const, size: [m, n] as [number, number], rank: 1, seed },
    observed: { kind: 'random' as const, count: Math.max(1, Math.round(frac * m * n)), seed: maskSeed },
    depth,
    width,
    init: { kind: 'gaussian' as const, std, seed: seed + 1 },
  }));

describe('gradient vector field', () => {
  it('equals minus the gradient of the loss (central finite differences)', () => {
    fc.assert(
      fc.property(randomSpec, (spec) => {
        const p = buildProblem(spec);
        const field = gradientField(p);
        const dy = new Float64Array(p.y0.length);
        field.rhs(0, p.y0, dy);
        expect(field.lastLoss).toBeCloseTo(loss(p, p.y0), 12);
        const y = Float64Array.from(p.y0);
        const h = 1e-6;
        let worst = 0, scale = 1e-12;
        for (let i = 0; i < y.length; i++) {
          const yi = y[i];
          y[i] = yi + h; const fp = loss(p, y);
          y[i] = yi - h; const fm = loss(p, y);
          y[i] = yi;
          const fd = -(fp - fm) / (2 * h);
          worst = Math.max(worst, Math.abs(fd - dy[i]));
          scale = Math.max(scale, Math.abs(dy[i]));
        }
        // Central differences are O(h^2) ~ 1e-12 plus rounding ~ 1e-16/h ~ 1e-10.
        expect(worst / Math.max(1, scale)).toBeLessThan(1e-7);
      }),
      { numRuns: RUNS, seed: 20261122 },
    );
  });

  it('agrees with a naive full-product implementation to rounding', () => {
    fc.assert(
      fc.property(randomSpec, (spec) => {
        const p = buildProblem(spec);
        const dy = new Float64Array(p.y0.length);
        gradientField(p).rhs(0, p.y0, dy);
        const ref = naiveRhs(p)(p.y0);
        let worst = 0, scale = 1;
        ref.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - dy[i])); scale = Math.max(scale, Math.abs(v)); });
        expect(worst / scale).toBeLessThan(1e-13);
      }),
      { numRuns: RUNS * 2, seed: 7 },
    );
  });

  it('conserves the balancedness invariants C_l along random flows', () => {
    fc.assert(
      fc.property(randomSpec, fc.double({ min: 0.1, max: 5, noNaN: true }), (spec, tEnd) => {
        const p = buildProblem(spec);
        const field = gradientField(p);
        const r = solveIvp(field.rhs, [0, tEnd], p.y0, { rtol: 1e-10, atol: 1e-12 });
        expect(r.status).toBe('done');
        const drift = invariantDrift(balanceInvariants(p, p.y0), balanceInvariants(p, r.y));
        expect(drift).toBeLessThan(1e-8);
      }),
      { numRuns: RUNS, seed: 11 },
    );
  });

  it('invariant drift detects a wrong vector field', () => {
    // Guard against a check that cannot fail: scale one layer's velocity by 1.01.
    const p = buildProblem({ target: { kind: 'low-rank', size: [3, 3], rank: 1, seed: 1 }, observed: { kind: 'all' }, depth: 3, init: { kind: 'gaussian', std: 0.7, seed: 2 } });
    const field = gradientField(p);
    const bad = (t: number, y: Float64Array, dy: Float64Array) => {
      field.rhs(t, y, dy);
      for (let i = p.offsets[1]; i < p.offsets[2]; i++) dy[i] *= 1.01;
    };
    const r = solveIvp(bad, [0, 2], p.y0, { rtol: 1e-10, atol: 1e-12 });
    expect(invariantDrift(balanceInvariants(p, p.y0), balanceInvariants(p, r.y))).toBeGreaterThan(1e-4);
  });
});

describe('integration against an independent reference', () => {
  it('a random depth-3 problem at a fixed tMax agrees with odex + naive field to 1e-8 relative', () => {
    const spec = {
      target: { kind: 'low-rank' as const, size: [4, 5] as [number, number], rank: 2, seed: 3 },
      observed: { kind: 'random' as const, count: 12, seed: 4 },
      depth: 3,
      init: { kind: 'gaussian' as const, std: 0.4, seed: 5 },
      solver: { rtol: 1e-12, atol: 1e-14, tMax: 10, lossTol: 0 },
    };
    const p = buildProblem(spec);
    const ours = run(spec, { saveLayers: true });
    expect(ours.status).toBe('t-max');
    expect(ours.t).toBe(10);
    const refW = endToEnd(p, referenceFlow(p, 10));
    const W = ours.matrix.flat();
    let diff = 0, norm = 0;
    W.forEach((v, i) => { diff += (v - refW[i]) ** 2; norm += refW[i] ** 2; });
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-8);
    expect(ours.invariantDrift).toBeLessThan(1e-10);
  });
});
