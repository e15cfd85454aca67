// How a GLRL stage ends (docs/glrl.md): at lossTol, at a critical point of its rank, with factors
// that grow without bound, or failed; checked on the tight-tolerance family of generic 6x6 rank-2
// completions with 22 observations against independent flows of src/experiments/run.ts.

import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { buildProblem, glrl, run, type GlrlResult } from '../src/index.js';
import { cli } from './helpers/cli.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 10);
const TMAX = 1e6; // GLRL's default solver.tMax, per stage

/** The family: target seed, mask seed = seed + maskOffset, the solver tolerances. */
const family = (seed: number, maskOffset: number, lossTol: number, epsilon: number) => ({
  target: { kind: 'low-rank', size: [6, 6], rank: 2, seed },
  observed: { kind: 'random', count: 22, seed: seed + maskOffset },
  solver: { rtol: 1e-10, lossTol },
  glrl: { epsilon },
} as const);
type FamilySpec = ReturnType<typeof family>;

const frob = (A: number[][], B: number[][]) => Math.sqrt(A.flat().reduce((s, x, i) => s + (x - B.flat()[i]) ** 2, 0));

/** Balanced rank-r factors [W_1 (r x n), W_2 (m x r)] of a matrix, for an independent flow started where GLRL ended. */
function balancedLayers(W: number[][], r: number): number[][][] {
  const svd = new SingularValueDecomposition(new Matrix(W));
  const root = svd.diagonal.slice(0, r).map(Math.sqrt);
  const [m, n] = [W.length, W[0].length];
  return [
    Array.from({ length: r }, (_, k) => Array.from({ length: n }, (_, j) => root[k] * svd.rightSingularVectors.get(j, k))),
    Array.from({ length: m }, (_, i) => Array.from({ length: r }, (_, k) => root[k] * svd.leftSingularVectors.get(i, k))),
  ];
}

/**
 * sigma_min of the observation map P_Omega on the tangent space of the rank-r matrices at W
 * (dimension r (m + n - r)); 0 when that space has more dimensions than there are observations,
 * i.e. when rank-r completions near W are not locally unique. A matrix W' of rank r near an
 * isolated completion W* with loss L' = ||P_Omega(W' - W*)||^2 / 2 then lies within
 * sqrt(2 L') / sigma_min of it (to first order in ||W' - W*||).
 */
function tangentObservability(W: number[][], mask: Uint8Array, r: number): number {
  const [m, n] = [W.length, W[0].length];
  const dim = r * (m + n - r);
  const observed = mask.reduce((a, b) => a + b, 0);
  if (dim > observed) return 0;
  const svd = new SingularValueDecomposition(new Matrix(W));
  // Spanning set of the tangent space: u_k e_j^T and e_i v_k^T; orthonormalized by its SVD.
  const cols: number[][] = [];
  for (let k = 0; k < r; k++) {
    for (let j = 0; j < n; j++) cols.push(Array.from({ length: m * n }, (_, p) => (p % n === j ? svd.leftSingularVectors.get(Math.floor(p / n), k) : 0)));
    for (let i = 0; i < m; i++) cols.push(Array.from({ length: m * n }, (_, p) => (Math.floor(p / n) === i ? svd.rightSingularVectors.get(p % n, k) : 0)));
  }
  const basis = new SingularValueDecomposition(new Matrix(cols).transpose()).leftSingularVectors.subMatrix(0, m * n - 1, 0, dim - 1);
  const rows = Array.from({ length: m * n }, (_, p) => p).filter((p) => mask[p]).map((p) => basis.getRow(p));
  const s = new SingularValueDecomposition(new Matrix(rows), { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal;
  return s[dim - 1];
}

/** The depth-2 flow of width `width` from a Gaussian init of scale std (no plateau stops: it runs to lossTol or tMax). */
function flow(spec: FamilySpec, width: number, std: number, seed: number, tMax = 1e7) {
  return run({ target: spec.target, observed: spec.observed, solver: { method: 'auto', ...spec.solver, tMax, plateauStop: false }, depth: 2, width, init: { kind: 'gaussian', std, seed } });
}

/** The rank-r flow continued from W for `tMax` more time units (balanced factors, as GLRL's are). */
function continued(spec: FamilySpec, W: number[][], r: number, tMax: number, samples = 0) {
  return run({
    target: spec.target, observed: spec.observed, solver: { method: 'auto', ...spec.solver, tMax, plateauStop: false, maxEvals: 3e7 },
    depth: 2, width: r, init: { kind: 'layers', layers: balancedLayers(W, r) }, save: { samples },
  });
}

/**
 * A converged GLRL result against the depth-2 flow of the same width from a small init. The target
 * has rank 2; where its rank-2 completion is locally unique (tangent observability above rounding),
 * a rank-2 result and the flow both lie within sqrt(2 L) / sigma_min of it, so they may differ by
 * the sum of the two radii and no more. Where it is not (a row or column observed fewer than twice,
 * ...), every matrix of a flat set completes the observations, and GLRL at epsilon and the flow at
 * std end at different points of it by an amount the theory does not bound: both must still be
 * completions. A result of higher rank has a set of completions of that rank anyway, and only
 * approaches the flow as std -> 0 (Li, Luo & Lyu 2021), over the scales test/glrl.test.ts uses.
 */
function expectMatchesFlow(spec: FamilySpec, g: GlrlResult, seed: number): 'radius' | 'flat' | 'scales' {
  const p = buildProblem({ target: spec.target, observed: spec.observed, depth: 2, init: { kind: 'gaussian', std: 1 } });
  const target = Array.from({ length: p.m }, (_, i) => Array.from(p.target.subarray(i * p.n, (i + 1) * p.n)));
  if (g.rank === 2) {
    // The init must be small enough for the second component to stay small until the first has
    // settled: at std 1e-7 the width-2 flow takes another path (into a stage with no limit) on about
    // 1 in 60 of these instances, at 1e-81 (products 1e-162, still normal doubles) on none measured.
    const f = flow(spec, 2, 1e-81, seed);
    expect(f.status).toBe('converged');
    // Below sqrt(machine epsilon) the first-order radius is not resolved (the flat cases measure ~1e-16).
    const sMin = tangentObservability(target, p.mask, 2);
    if (sMin > 1.5e-8) {
      const radius = (Math.sqrt(2 * g.loss) + Math.sqrt(2 * f.loss)) / sMin;
      expect(frob(f.matrix, g.matrix)).toBeLessThanOrEqual(radius);
      return 'radius';
    }
    return 'flat';
  } else {
    const d = [1e-3, 1e-9, 1e-27, 1e-81].map((std) => frob(flow(spec, g.rank, std, seed).matrix, g.matrix));
    const floor = 1e-6 * frob(g.matrix, g.matrix.map((r) => r.map(() => 0)));
    expect(d[3] < 0.5 * d[0] || d[0] < floor).toBe(true);
    return 'scales';
  }
}

/** Stage k's end matrix: GLRL with maxRank k runs exactly stages 1..k. */
const stageMatrix = (spec: FamilySpec, k: number) => glrl(spec, { maxRank: k }).matrix;

describe('GLRL stage ends (generic 6x6 rank 2, 22 observations, rtol 1e-10, tight lossTol)', () => {
  // Before: stage 2 stopped on stageGradTol with loss 1.04e-16 > lossTol, stage 3 (sigma 1.3e-8 < epsilon)
  // could not grow and GLRL ended "stage-failed: ... raise solver.tMax or epsilon".
  it('a stage whose loss still falls towards lossTol goes on to it (through the bin), and matches the width-2 small-init flow', () => {
    const spec = family(703, 7, 1e-16, 1e-7);
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-glrl-'));
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const out = cli(['glrl', join(dir, 'spec.json')]);
    expect(out.status).toBe(0);
    const g = JSON.parse(out.stdout) as GlrlResult;
    expect(g.status).toBe('converged');
    expect(g.rank).toBe(2);
    expect(g.loss).toBeLessThanOrEqual(1e-16);
    expect(g.stages.map((s) => s.end)).toEqual(['critical-point', 'loss-tol']);
    // Stage 2 passed stageGradTol on its way: below it, the loss fell at a rate that reaches lossTol within tMax.
    expect(g.stages[1].gradNorm).toBeLessThan(1e-10);
    expectMatchesFlow(spec, g, 703);
  });

  // Before: stage 2 stopped at loss 2.9e-16 > lossTol; stage 3's epsilon u v^T (sigma 2.3e-8) lowered the
  // loss below lossTol by itself, and GLRL reported "converged" at rank 3 with a third singular value 1e-8 = epsilon.
  it('no component that never grew is counted as a rank', () => {
    const g = glrl(family(22, 1, 1e-16, 1e-8));
    expect(g.status).toBe('converged');
    expect(g.rank).toBe(2);
    expect(g.singularValues[2]).toBeLessThan(1e-12 * g.singularValues[0]);
  });

  it('a stage whose loss cannot reach lossTol within tMax, then a component that cannot grow: stage-failed names the stage that left the residual, and its advice holds', () => {
    // stageGradTol 1e-8 is reached while the loss still falls at rate ~8e-5: too slowly for lossTol within tMax = 2.5e5.
    const spec = { ...family(703, 7, 1e-16, 1e-7), solver: { rtol: 1e-10, lossTol: 1e-16, tMax: 2.5e5 }, glrl: { epsilon: 1e-7, stageGradTol: 1e-8 } };
    const g = glrl(spec);
    expect(g.status).toBe('stage-failed');
    expect(g.stages.map((s) => s.end)).toEqual(['critical-point', 'critical-point', 'failed']);
    const [, s2] = g.stages;
    const toTol = Math.log(s2.loss / 1e-16) / s2.lossRate;
    expect(s2.t + toTol).toBeGreaterThan(2.5e5);
    expect(g.message).toMatch(/^stage 3: reached tMax = 250000 before the new component could grow .* Stage 2 ended at t = .* while its loss still fell at the rate /);
    expect(g.message).toContain(`with solver.tMax above ${(s2.t + toTol).toExponential(3)} stage 2 reaches lossTol at rank 2`);
    // The advice holds: with that tMax (and 10% to spare, the rate being the present one) stage 2 reaches lossTol.
    const advised = glrl({ ...spec, solver: { ...spec.solver, tMax: 1.1 * (s2.t + toTol) } });
    expect(advised.status).toBe('converged');
    expect(advised.rank).toBe(2);
    // Independent check: the rank-2 flow continued from stage 2's end does not reach lossTol in the stage's remaining time.
    const c = continued(spec as FamilySpec, stageMatrix(spec as FamilySpec, 2), 2, 2.5e5 - s2.t);
    expect(c.status).not.toBe('converged');
  });

  // Before: both "stage-unbounded". Seed 13's factors grew by more each decade only because its loss
  // approaches zero with a time constant of ~1e6; continued, it reaches lossTol at t ~ 5e7 with bounded factors.
  it('stage-unbounded only where the log-log slope of the loss stops rising: a slow exponential approach is not unbounded', () => {
    const slow = family(13, 0, 1e-14, 1e-8);
    const g = glrl(slow);
    expect(g.status).toBe('stage-failed');
    expect(g.message).toMatch(/^stage 2: reached tMax = 1000000 before the stage converged .* its loss .* falls at the rate -d ln L\/dt = \|grad\|\^2 \/ L = .* raise solver.tMax/);
    // Independent: over one more decade of the rank-2 flow the log-log slope of the loss rises, as on an exponential approach.
    const c = continued(slow, g.matrix, 2, 9 * TMAX, 20);
    const at = (t: number) => c.samples!.reduce((a, b) => (Math.abs(Math.log(b.t / t)) < Math.abs(Math.log(a.t / t)) ? b : a));
    const [a, b, e] = [at(1e-3 * TMAX), at(TMAX), at(9 * TMAX)];
    const slope = (x: typeof a, y: typeof a) => Math.log(x.loss / y.loss) / Math.log((TMAX + y.t) / (TMAX + x.t));
    expect(slope(b, e)).toBeGreaterThan(slope(a, b));
    expect(c.loss).toBeLessThan(1e-2 * g.loss);
    const unbounded = glrl(family(30, 0, 1e-14, 1e-8));
    expect(unbounded.status).toBe('stage-unbounded');
    expect(unbounded.message).toMatch(/^stage 2: the factors keep growing .* with a log-log slope that no longer rises/);
  });

  it('property: converged results match the small-init flow; no stage ends short of lossTol that could reach it within tMax; unbounded stages keep growing', () => {
    const counts: Record<string, number> = {};
    const compared: Record<string, number> = {};
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(1e-14, 1e-16), fc.constantFrom(1e-7, 1e-8), (seed, lossTol, epsilon) => {
      const spec = family(seed, 1, lossTol, epsilon);
      const g = glrl(spec);
      counts[g.status] = (counts[g.status] ?? 0) + 1;
      expect(['converged', 'stage-failed', 'stage-unbounded']).toContain(g.status);
      // Every stage that ended at a critical point short of lossTol: the same rank, continued by
      // run.ts for the rest of the stage's tMax, does not reach lossTol either.
      g.stages.forEach((s, k) => {
        if (s.end !== 'critical-point') return;
        const c = continued(spec, stageMatrix(spec, k + 1), k + 1, TMAX - s.t);
        expect(c.status).not.toBe('converged');
      });
      const last = g.stages[g.stages.length - 1];
      if (g.status === 'converged') {
        const how = expectMatchesFlow(spec, g, seed);
        compared[how] = (compared[how] ?? 0) + 1;
      } else if (g.status === 'stage-failed') {
        // A failed stage used its whole tMax (the other ways to fail are budgets this family does not reach).
        expect(last.end).toBe('failed');
        expect(last.t).toBe(TMAX);
        expect(last.loss).toBeGreaterThan(lossTol);
      } else {
        // One more decade of the rank-r flow (independent code): the factors still grow, the loss
        // stays above lossTol, and its log-log slope -d ln L / d ln t keeps falling (an exponential
        // approach to a finite minimizer would make it rise).
        expect(last.end).toBe('unbounded');
        const c = continued(spec, g.matrix, g.rank, 9 * TMAX, 20);
        const at = (t: number) => c.samples!.reduce((a, b) => (Math.abs(Math.log(b.t / t)) < Math.abs(Math.log(a.t / t)) ? b : a));
        const [a, b, e] = [at(1e-3 * TMAX), at(TMAX), at(9 * TMAX)];
        const nuclear = (x: { singularValues: number[] }) => x.singularValues.reduce((u, v) => u + v, 0);
        expect(nuclear(e)).toBeGreaterThan(nuclear(b));
        expect(c.loss).toBeGreaterThan(lossTol);
        const slope = (x: typeof a, y: typeof a) => Math.log(x.loss / y.loss) / Math.log((TMAX + y.t) / (TMAX + x.t));
        expect(slope(b, e)).toBeLessThanOrEqual(slope(a, b));
      }
    }), { numRuns: RUNS, seed: 25 });
    // The comparison with the flow must have bitten on some instances, not only the flat ones.
    expect(compared.radius ?? 0).toBeGreaterThan(0);
    console.log(`GLRL stage ends, ${RUNS} instances: ${JSON.stringify(counts)}; converged ones compared with the flow by ${JSON.stringify(compared)}`);
  });
});
