// Greedy Low-Rank Learning, the minimum-nuclear-norm solver, saddle-to-saddle
// detection, and the small-initialization equivalence of Li, Luo & Lyu (2021).

import fc from 'fast-check';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import {
  buildProblem, detectSaddles, glrl, glrlExample, nuclearNormCompletion, observationGraph, run, singularValues, symmetricField, type GlrlSpec,
} from '../src/index.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 20);
const PRECISE = { method: 'auto', rtol: 1e-11, atol: 1e-14, lossTol: 1e-18, tMax: 1e6 } as const;

const frob = (A: number[][], B: number[][]) => Math.sqrt(A.flat().reduce((s, x, i) => s + (x - B.flat()[i]) ** 2, 0));
const nuclear = (A: number[][]) => singularValues(A.flat(), A.length, A[0].length).reduce((a, b) => a + b, 0);

/**
 * sigma_min / sigma_max of the map (dU, dV) -> P_Omega(dU V^T + U dV^T) at W* = U V^T (rank r),
 * on the complement of its r^2-dimensional kernel (dU = U A, dV = -V A^T): 0 when the rank-r
 * completion of W*'s observed entries is not locally unique. A property of the data alone.
 */
function identifiability(target: Float64Array, mask: Uint8Array, m: number, n: number, r: number): number {
  const svd = new SingularValueDecomposition(new Matrix(Array.from({ length: m }, (_, i) => Array.from(target.subarray(i * n, (i + 1) * n)))));
  const root = svd.diagonal.slice(0, r).map(Math.sqrt);
  const U = (i: number, a: number) => root[a] * svd.leftSingularVectors.get(i, a);
  const V = (j: number, a: number) => root[a] * svd.rightSingularVectors.get(j, a);
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    if (!mask[i * n + j]) continue;
    const row = new Array<number>(r * (m + n)).fill(0);
    for (let a = 0; a < r; a++) { row[i * r + a] = V(j, a); row[m * r + j * r + a] = U(i, a); }
    rows.push(row);
  }
  const dof = r * (m + n) - r * r;
  if (rows.length < dof) return 0;
  const s = new SingularValueDecomposition(new Matrix(rows), { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal;
  return s[dof - 1] / s[0];
}

describe('symmetric factorization field', () => {
  it('equals minus the gradient of 1/2 ||P_Omega(U U^T - W*)||^2 (finite differences)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), (n, r, seed) => {
      const p = buildProblem({ target: { kind: 'low-rank', size: [n, n], rank: 1, seed }, observed: { kind: 'random', count: Math.ceil(n * n / 2), seed }, depth: 2, init: { kind: 'gaussian', std: 1, seed } });
      const U = p.y0.slice(0, n * r);
      const field = symmetricField({ n, rank: r, target: p.target, obsRows: p.obsRows, obsCols: p.obsCols });
      const dU = new Float64Array(n * r);
      const lossAt = (V: Float64Array) => { const d = new Float64Array(n * r); field.rhs(0, V, d); return field.lastLoss; };
      field.rhs(0, U, dU);
      const h = 1e-6;
      for (let k = 0; k < n * r; k++) {
        const up = U.slice(); up[k] += h;
        const dn = U.slice(); dn[k] -= h;
        const fd = (lossAt(up) - lossAt(dn)) / (2 * h);
        expect(Math.abs(-dU[k] - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
      }
    }), { numRuns: 30, seed: 11 });
  });
});

describe('minimum-nuclear-norm completion (Douglas–Rachford, certified)', () => {
  // [[1, k], [k, x]]: ||W||_*^2 = ||W||_F^2 + 2 |det W| = 1 + 2k^2 + x^2 + 2 |x - k^2|.
  // For x < k^2 its derivative 2x - 2 vanishes at x = 1, inside that branch iff k > 1, giving ||W||_* = 2k;
  // otherwise the minimum is at the kink x = k^2 (rank 1), ||W||_* = 1 + k^2.
  it('matches the closed form on the 2x2 family [[1, k], [k, ?]]', () => {
    fc.assert(fc.property(fc.double({ min: 0.2, max: 4, noNaN: true }), (k) => {
      fc.pre(Math.abs(k - 1) > 0.05);
      const r = nuclearNormCompletion([1, k, k, 0], [1, 1, 1, 0], 2, 2, { tol: 1e-10 });
      expect(r.converged).toBe(true);
      const [x, norm] = k > 1 ? [1, 2 * k] : [k * k, 1 + k * k];
      expect(Math.abs(r.nuclearNorm - norm)).toBeLessThan(1e-8 * norm);
      expect(Math.abs(r.matrix[3] - x)).toBeLessThan(1e-4);
    }), { numRuns: 40, seed: 5 });
  });

  it('its lower bound never exceeds the nuclear norm of a feasible completion (the target)', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), (n, rank, seed) => {
      fc.pre(rank <= n);
      const p = buildProblem({ target: { kind: 'low-rank', size: [n, n], rank, seed }, observed: { kind: 'random', count: Math.ceil(0.6 * n * n), seed }, depth: 2, init: { kind: 'gaussian', std: 1 } });
      const r = nuclearNormCompletion(p.target, p.mask, n, n);
      const targetNorm = singularValues(p.target, n, n).reduce((a, b) => a + b, 0);
      expect(r.lowerBound).toBeLessThanOrEqual(targetNorm * (1 + 1e-12));
      expect(r.gap).toBeGreaterThanOrEqual(0);
      for (let i = 0; i < n * n; i++) if (p.mask[i]) expect(r.matrix[i]).toBe(p.target[i]);
    }), { numRuns: 20, seed: 6 });
  });
});

describe('GLRL', () => {
  it('asymmetric: stages end at critical points with non-increasing losses and one more rank each', () => {
    const g = glrl(glrlExample('rank-3')!.spec);
    expect(g.status).toBe('converged');
    expect(g.stages.map((s) => s.rank)).toEqual([1, 2, 3]);
    // Stage 1 starts along the top singular pair of -grad L(0) = P_Omega(W*).
    const p = buildProblem({ ...glrlExample('rank-3')!.spec, depth: 2, init: { kind: 'gaussian', std: 1 } });
    const observed = Array.from(p.target, (x, i) => (p.mask[i] ? x : 0));
    expect(Math.abs(g.stages[0].escapeRate - singularValues(observed, p.m, p.n)[0])).toBeLessThan(1e-12 * g.stages[0].escapeRate);
    for (let k = 1; k < g.stages.length; k++) expect(g.stages[k].loss).toBeLessThan(g.stages[k - 1].loss);
    // Stage k's W has rank k: singular value k+1 at rounding level.
    g.stages.forEach((s) => expect(s.singularValues[s.rank] ?? 0).toBeLessThan(1e-6 * s.singularValues[0]));
    expect(g.loss).toBeLessThanOrEqual(1e-16);
  });

  it('fits targets of any scale: the factors a fit needs (square roots of the entries) are no divergence', () => {
    // Rank-1 targets scale * 1 1^T from 1 to 1e100, asymmetric and symmetric: converged at rank 1, with the
    // largest singular value 3 scale to within what lossTol allows: |sigma_1 - 3 s| <= ||W - T||_F = sqrt(2 loss),
    // plus the SVD's own rounding (a few eps ||W||).
    for (const scale of [1, 1e5, 1e10, 1e20, 1e50, 1e100]) {
      for (const variant of ['asymmetric', 'symmetric'] as const) {
        const r = glrl({ target: { kind: 'ones', size: [3, 3], scale }, observed: { kind: 'all' }, glrl: { variant } });
        expect(r.status, `${variant} scale ${scale}: ${r.message}`).toBe('converged');
        expect(r.rank).toBe(1);
        expect(Math.abs(r.singularValues[0] - 3 * scale)).toBeLessThanOrEqual(Math.sqrt(2 * r.loss) + 16 * Number.EPSILON * 3 * scale);
      }
    }
  });

  it('stops at the rank limit with the last stage\'s matrix, and reports a failed stage', () => {
    const capped = glrl(glrlExample('rank-3')!.spec, { maxRank: 1 });
    expect(capped.status).toBe('max-rank');
    expect(capped.rank).toBe(1);
    expect(capped.stages).toHaveLength(1);
    expect(capped.loss).toBe(capped.stages[0].loss);
    const spec = glrlExample('rank-3')!.spec;
    const short = glrl({ ...spec, solver: { ...spec.solver, tMax: 1 } });
    expect(short.status).toBe('stage-failed');
    expect(short.message).toMatch(/^stage 1: reached tMax = 1 before the new component could grow/);
  });

  it('symmetric: recovers a PSD rank-2 target in two stages, and stops at rank 0 when -grad L has no positive eigenvalue', () => {
    const g = glrl(glrlExample('psd')!.spec);
    expect(g.status).toBe('converged');
    expect(g.rank).toBe(2);
    const spec = glrlExample('psd')!.spec as GlrlSpec & { target: number[][] };
    expect(frob(g.matrix, spec.target)).toBeLessThan(1e-6);
    // W* = -I: at W = 0, -grad L = -I is negative definite, so 0 is optimal over PSD matrices.
    const neg = glrl({ target: [[-1, 0], [0, -1]], observed: { kind: 'all' }, glrl: { variant: 'symmetric' } });
    expect(neg.status).toBe('psd-optimal');
    expect(neg.rank).toBe(0);
    expect(neg.matrix.flat().every((x) => x === 0)).toBe(true);
  });

  it('counter-example (Li, Luo & Lyu 2021): GLRL and the small-init depth-2 flow complete W22 = bc/a, not the minimum-nuclear-norm W22', () => {
    const spec = glrlExample('counter-example')!.spec as GlrlSpec & { target: number[][] };
    const [[a, b], [c]] = spec.target;
    const g = glrl(spec, { epsilon: 1e-12 });
    expect(g.status).toBe('converged');
    expect(g.rank).toBe(1);
    expect(Math.abs(g.matrix[1][1] - (b * c) / a)).toBeLessThan(1e-6); // the rank-one completion
    const nn = nuclearNormCompletion(spec.target.flat(), [1, 1, 1, 0], 2, 2);
    expect(nn.converged).toBe(true);
    expect(g.nuclearNorm - nn.nuclearNorm).toBeGreaterThan(0.99); // 5 against 4
    expect(Math.abs(nn.matrix[3] - g.matrix[1][1])).toBeGreaterThan(2.9); // W22 = 1 against 4
    const flows = [1e-2, 1e-4, 1e-6].map((std) => run({ ...spec, observed: [[1, 1], [1, 0]], solver: PRECISE, depth: 2, init: { kind: 'gaussian', std, seed: 1 } }));
    const toGlrl = flows.map((f) => frob(f.matrix, g.matrix));
    expect(toGlrl[1]).toBeLessThan(toGlrl[0]);
    expect(toGlrl[2]).toBeLessThan(toGlrl[1]);
    const last = flows[2].matrix;
    expect(Math.abs(last[1][1] - g.matrix[1][1])).toBeLessThan(1e-2);
    expect(nuclear(last) - nn.nuclearNorm).toBeGreaterThan(0.9);
  });

  it('a generic 6x6 rank-2 completion with 22 observations: the default method converges; an explicit dopri5 stops at its stiffness floor and says so', () => {
    const base = { target: { kind: 'low-rank', size: [6, 6], rank: 2, seed: 1 }, observed: { kind: 'random', count: 22, seed: 101 } } as const;
    // lossTol as before the default became relative to the target energy (issue 20), so the bar stays where it was.
    const g = glrl({ ...base, solver: { lossTol: 1e-14 } });
    expect(g.status).toBe('converged');
    expect(g.rank).toBe(2);
    expect(g.loss).toBeLessThanOrEqual(1e-14);
    expect(g.stages[0].gradNorm).toBeLessThanOrEqual(1e-10);
    // Before: stage 1 ran 6M evaluations into maxSteps at gradient norm ~1e-7, rtol x the largest Hessian eigenvalue.
    const explicit = glrl({ ...base, solver: { method: 'dopri5' } });
    expect(explicit.status).toBe('stage-failed');
    expect(explicit.message).toMatch(/^stage 1: the gradient norm fell by less than half over the last 20 stiffness detections .* use solver.method "auto"/);
    expect(explicit.nfev).toBeLessThan(1e6);
  });

  it('equivalence: on random connected completions (generic 6x6 rank 2 with 22 observations among them), GLRL converges and the depth-2 flow from std 1e-3 down to 1e-81 approaches its output, or GLRL shows a stage with no limit', () => {
    const small = fc.record({
      m: fc.integer({ min: 3, max: 5 }), n: fc.integer({ min: 3, max: 5 }), rank: fc.integer({ min: 1, max: 2 }),
      extra: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 0, max: 1e6 }),
    });
    // rank (m + n - rank) + 2 = 22 observations of 36.
    const generic = fc.record({ m: fc.constant(6), n: fc.constant(6), rank: fc.constant(2), extra: fc.constant(2), seed: fc.integer({ min: 0, max: 1e6 }) });
    let unbounded = 0, checked = 0, checked6x6 = 0;
    fc.assert(fc.property(fc.oneof(small, generic), ({ m, n, rank, extra, seed }) => {
      const count = Math.min(m * n - 1, rank * (m + n - rank) + extra);
      const base = { target: { kind: 'low-rank', size: [m, n], rank, seed }, observed: { kind: 'random', count, seed: seed + 1 }, solver: PRECISE } as const;
      const p = buildProblem({ ...base, depth: 2, init: { kind: 'gaussian', std: 1 } });
      // Li et al.'s equivalence needs each greedy stage to have a unique limit; a disconnected
      // observation graph leaves a free scale per component, so it is outside the hypotheses.
      // (A property of the data, not of GLRL's outcome: GLRL's outcome is never filtered on.)
      fc.pre(observationGraph(m, n, p.obsRows, p.obsCols).connected);
      // Likewise the target must be locally the only rank-r completion, with some margin: a
      // (nearly) singular restricted tangent map leaves (nearly) flat directions of zero loss along
      // which the last stage and the flow end at different points, however small the init.
      fc.pre(identifiability(p.target, p.mask, m, n, rank) > 0.05);
      const g = glrl(base, { epsilon: 1e-12 });
      if (g.status === 'stage-unbounded') {
        // The claim is checked with independent code: the rank-r flow of run.ts, continued from
        // GLRL's last matrix (balanced factors), keeps growing from one decade of time to the next.
        unbounded++;
        const r = g.rank;
        const svd = new SingularValueDecomposition(new Matrix(g.matrix));
        const root = svd.diagonal.slice(0, r).map(Math.sqrt);
        const W1 = Array.from({ length: r }, (_, k) => Array.from({ length: n }, (_, j) => root[k] * svd.rightSingularVectors.get(j, k)));
        const W2 = Array.from({ length: m }, (_, i) => Array.from({ length: r }, (_, k) => root[k] * svd.leftSingularVectors.get(i, k)));
        const cont = (tMax: number) => run({ ...base, solver: { ...PRECISE, tMax }, depth: 2, width: r, init: { kind: 'layers', layers: [W1, W2] } });
        const big = (A: number[][]) => Math.max(...A.flat().map(Math.abs));
        const [a, b] = [cont(1e5), cont(1e6)];
        expect(a.status).toBe('t-max');
        expect(b.status).toBe('t-max');
        expect(big(b.matrix)).toBeGreaterThan(1.05 * big(a.matrix));
        expect(big(a.matrix)).toBeGreaterThan(big(g.matrix));
        expect(b.loss).toBeLessThan(a.loss);
        return;
      }
      expect(g.status).toBe('converged');
      // The flow approaches GLRL as std -> 0, but only once the escape times ln(1/std)/sigma outlast
      // the stages: a slow stage (thousands of time units) lets the flow's other components grow at
      // practical scales (6x6, seed 113450: distance 3.0 at std 1e-2, 3.2 at 1e-8, 1.4 at 1e-30,
      // 0.11 at 1e-90). So the scales go down in powers, and the distance must fall along the tail.
      const d = [1e-3, 1e-9, 1e-27, 1e-81].map((std) => frob(run({ ...base, depth: 2, init: { kind: 'gaussian', std, seed } }).matrix, g.matrix));
      // Below this the distance is the integration's own error, not the initialization's.
      const floor = 1e-6 * frob(g.matrix, g.matrix.map((r) => r.map(() => 0)));
      expect(d[2] < d[1] || d[1] < floor).toBe(true);
      expect(d[3] < d[2] || d[2] < floor).toBe(true);
      expect(d[3] < 0.5 * d[0] || d[0] < floor).toBe(true);
      checked++;
      if (m === 6) checked6x6++;
    }), { numRuns: RUNS, seed: 7 });
    // Unbounded stages are the exception on these instances (9 of 30 generic 6x6 ones), not the rule.
    expect(unbounded).toBeLessThan(RUNS / 2);
    expect(checked).toBeGreaterThan(RUNS / 4);
    expect(checked6x6).toBeGreaterThan(0);
    console.log(`GLRL equivalence: ${checked} instances checked (${checked6x6} of them 6x6 rank 2 with 22 observations), ${unbounded} with a stage shown unbounded`);
  });
});

describe('saddle-to-saddle detection', () => {
  it('finds plateaus and rank steps of a synthetic staircase', () => {
    const times = Array.from({ length: 301 }, (_, i) => 10 ** (-2 + (6 * i) / 300));
    // Loss 8 until t = 1, 2 on [3, 30], 0.5 on [100, 1e3], then falling; singular values switch on at t = 2, 60, 2e3.
    const loss = (t: number) => (t < 1 ? 8 : t < 3 ? 8 - 6 * (t - 1) / 2 : t < 30 ? 2 : t < 100 ? 2 - 1.5 * (t - 30) / 70 : t < 1e3 ? 0.5 : 0.5 * Math.exp(-(t - 1e3) / 100));
    const samples = times.map((t) => ({ t, loss: loss(t), singularValues: [t > 2 ? 4 : 1e-4, t > 60 ? 2 : 1e-4, t > 2e3 ? 1 : 1e-4] }));
    const { segments, rankSteps } = detectSaddles(samples);
    expect(segments.map((s) => s.rank)).toEqual([0, 1, 2]);
    expect(segments.map((s) => Math.round(s.loss * 100) / 100)).toEqual([8, 2, 0.5]);
    // Within the 5% band: from loss 2.1 (t = 2.97) down to 2 / 1.05 (t = 34.4).
    expect(segments[1].tStart).toBeGreaterThanOrEqual(2.9);
    expect(segments[1].tStart).toBeLessThanOrEqual(3.1);
    expect(segments[1].tEnd).toBeGreaterThanOrEqual(30);
    expect(segments[1].tEnd).toBeLessThanOrEqual(34.5);
    expect(rankSteps.map((r) => r.rank)).toEqual([1, 2, 3]);
  });

  it('a small-init depth-3 run rests at the losses of GLRL\'s stages, one rank higher each time', () => {
    const example = glrlExample('rank-3')!.spec;
    const g = glrl(example);
    const r = run({ ...example, depth: 3, init: { kind: 'gaussian', std: 1e-4, seed: 1 } }, { samples: 300 });
    expect(r.status).toBe('converged');
    const { segments, rankSteps } = r.saddles!;
    expect(segments.map((s) => s.rank)).toEqual([0, 1, 2]);
    // Plateau k sits at the loss of GLRL's stage k (stage 0: W = 0).
    const stageLosses = [r.samples![0].loss, ...g.stages.slice(0, 2).map((s) => s.loss)];
    segments.forEach((s, k) => expect(Math.abs(s.loss - stageLosses[k])).toBeLessThan(1e-2 * stageLosses[k]));
    expect(rankSteps.map((s) => s.rank)).toEqual([1, 2, 3]);
  });
});
