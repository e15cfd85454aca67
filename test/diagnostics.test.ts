import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzeProblem, buildProblem, couplingIndex, endToEnd, entryGroups, gradientField, InputError, observationGraph, run,
  solveIvp, symbolicOde, tangentKernel, type Spec,
} from '../src/index.js';
import { cli } from './helpers/cli.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 30);

const randomSpec = fc.record({
  m: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 4 }), depth: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 1e6 }), frac: fc.double({ min: 0.2, max: 1, noNaN: true }),
}).map(({ m, n, depth, seed, frac }) => ({
  target: { kind: 'low-rank' as const, size: [m, n] as [number, number], rank: 1, seed },
  observed: { kind: 'random' as const, count: Math.max(1, Math.round(frac * m * n)), seed: seed + 1 },
  depth,
  init: { kind: 'gaussian' as const, std: 0.7, seed: seed + 2 },
}));

const diagonal = (depth: number, init: Spec['init'], d = 4) => ({
  target: { kind: 'ones' as const, size: [d, d] as [number, number] },
  observed: { kind: 'block-diagonal' as const, blocks: new Array(d).fill(1) },
  depth, init, solver: { rtol: 1e-10, atol: 1e-12, lossTol: 1e-16 },
});

describe('tangent kernel', () => {
  it('K G reproduces dW/dt on observed and unobserved entries', () => {
    fc.assert(fc.property(randomSpec, (spec) => {
      const p = buildProblem(spec);
      const dy = new Float64Array(p.y0.length);
      gradientField(p).rhs(0, p.y0, dy);
      // dW/dt by central differences of the end-to-end product along the flow.
      const eps = 1e-6;
      const plus = endToEnd(p, p.y0.map((v, i) => v + eps * dy[i]));
      const minus = endToEnd(p, p.y0.map((v, i) => v - eps * dy[i]));
      const W = endToEnd(p, p.y0);
      const allRows = Int32Array.from({ length: p.m * p.n }, (_, k) => Math.floor(k / p.n));
      const allCols = Int32Array.from({ length: p.m * p.n }, (_, k) => k % p.n);
      const K = tangentKernel(p, p.y0, allRows, allCols, p.obsRows, p.obsCols);
      const nq = p.obsRows.length;
      let worst = 0, scale = 1e-12;
      for (let e = 0; e < p.m * p.n; e++) {
        let kg = 0;
        for (let q = 0; q < nq; q++) {
          const idx = p.obsRows[q] * p.n + p.obsCols[q];
          kg += K[e * nq + q] * (W[idx] - p.target[idx]);
        }
        const fd = (plus[e] - minus[e]) / (2 * eps);
        worst = Math.max(worst, Math.abs(-kg - fd));
        scale = Math.max(scale, Math.abs(fd));
      }
      expect(worst / Math.max(1, scale)).toBeLessThan(1e-7);
    }), { numRuns: RUNS, seed: 41 });
  });

  it('for the 2x2 first-column model the unobserved kernel is p I, p = b1 . b2', () => {
    const spec = { target: [[1, 0], [0.5, 0]], observed: { kind: 'entries' as const, entries: [[0, 0], [1, 0]] as [number, number][] }, depth: 2,
      init: { kind: 'layers' as const, layers: [[[0.3, 0.2], [0.1, -0.4]], [[0.5, 0.1], [-0.2, 0.7]]] } };
    const a = analyzeProblem(buildProblem(spec), undefined, { dense: true });
    const p = 0.3 * 0.2 + 0.1 * -0.4;
    expect(a.dense!.unobserved).toEqual([[0, 1], [1, 1]]);
    const Ku = a.dense!.unobservedKernel;
    expect(Ku[0][0]).toBeCloseTo(p, 15); expect(Ku[1][1]).toBeCloseTo(p, 15);
    expect(Ku[0][1]).toBe(0); expect(Ku[1][0]).toBe(0);
  });
});

describe('coupling of diagonal observations (Shin & Yun 2026)', () => {
  const gauss = { kind: 'gaussian', std: 0.3, seed: 7 } as const;
  const times = [0, 0.5, 1, 2, 5, 10, 20, 50];

  it('depth 2, random Gaussian init: decoupled along the whole run', () => {
    const r = run(diagonal(2, gauss), { saveTimes: times });
    expect(r.coupling.groups).toBe(4);
    expect(r.coupling.index).toBeLessThan(1e-12);
    expect(r.coupling.decoupled).toBe(true);
  });

  it('depth 3, the same init: clearly coupled', () => {
    const r = run(diagonal(3, gauss), { saveTimes: times });
    expect(r.coupling.index).toBeGreaterThan(1e-2);
    expect(r.coupling.decoupled).toBe(false);
  });

  it('depth 3, diagonal init: decoupled', () => {
    const diag = (v: number[]) => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
    const r = run(diagonal(3, { kind: 'layers', layers: [diag([0.3, 0.5, 0.2, 0.4]), diag([0.6, 0.1, 0.3, 0.2]), diag([0.2, 0.2, 0.7, 0.5])] }), { saveTimes: times });
    expect(r.coupling.index).toBeLessThan(1e-12);
    expect(r.status).toBe('converged');
  });

  it('one group: index 0 and decoupled', () => {
    const r = run({ ...diagonal(3, gauss), observed: { kind: 'all' } });
    expect(r.coupling).toEqual({ index: 0, decoupled: true, groups: 1 });
  });

  it('explicit groups override the components, and must partition the observed set', () => {
    const p = buildProblem({ ...diagonal(3, gauss), groups: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] });
    expect(Array.from(entryGroups(p))).toEqual([0, 0, 1, 1]);
    expect(couplingIndex(p, p.y0, entryGroups(p)).groups).toBe(2);
    expect(() => entryGroups(buildProblem({ ...diagonal(3, gauss), groups: [[[0, 0], [1, 1]]] }))).toThrow(InputError);
    expect(() => entryGroups(buildProblem({ ...diagonal(3, gauss), groups: [[[0, 1]]] }))).toThrow(/unobserved/);
  });
});

describe('observation graph (Bai, Zhao & Zhang 2024)', () => {
  const graphOf = (mask: (0 | 1)[][]) => {
    const p = buildProblem({ target: mask.map((r) => r.map(() => 1)), observed: mask, depth: 1, init: { kind: 'gaussian', std: 1 } });
    return observationGraph(p.m, p.n, p.obsRows, p.obsCols);
  };
  it('tells connected from disconnected patterns', () => {
    expect(graphOf([[1, 0], [0, 1]]).connected).toBe(false);
    expect(graphOf([[1, 0], [0, 1]]).components).toBe(2);
    expect(graphOf([[1, 1], [1, 0]]).connected).toBe(true);
    expect(graphOf([[1, 1, 0], [0, 1, 0], [0, 1, 1]]).connected).toBe(true);
    const iso = graphOf([[1, 1, 0], [1, 1, 0], [0, 0, 0]]);
    expect(iso.connected).toBe(false);
    expect(iso.isolatedRows).toEqual([2]);
    expect(iso.isolatedColumns).toEqual([2]);
    expect(iso.groups).toBe(1);
  });
});

describe('methods behind one interface', () => {
  it('dopri5 and odex agree to 1e-8 on random flows at tight tolerances', () => {
    fc.assert(fc.property(randomSpec, fc.double({ min: 0.5, max: 5, noNaN: true }), (spec, T) => {
      const p = buildProblem(spec);
      const f = gradientField(p).rhs;
      const a = solveIvp(f, [0, T], p.y0, { rtol: 1e-12, atol: 1e-14 });
      const b = solveIvp(f, [0, T], p.y0, { method: 'odex', rtol: 1e-12, atol: 1e-14 });
      expect(b.status).toBe('done');
      const Wa = endToEnd(p, a.y), Wb = endToEnd(p, b.y);
      const scale = Math.max(1, ...Wa.map(Math.abs));
      expect(Math.max(...Wa.map((v, i) => Math.abs(v - Wb[i]))) / scale).toBeLessThan(1e-8);
    }), { numRuns: RUNS, seed: 43 });
  });

  it('a depth-3 run: odex and dopri5 end-to-end matrices agree to 1e-7', () => {
    const spec = { target: { kind: 'low-rank' as const, size: [5, 5] as [number, number], rank: 2, seed: 9 }, observed: { kind: 'random' as const, count: 15, seed: 9 }, depth: 3, init: { kind: 'gaussian' as const, std: 0.5, seed: 9 } };
    const a = run({ ...spec, solver: { method: 'dopri5', rtol: 1e-12, atol: 1e-14, tMax: 30, lossTol: 0 } });
    const b = run({ ...spec, solver: { method: 'odex', rtol: 1e-12, atol: 1e-14, tMax: 30, lossTol: 0 } });
    expect(a.status).toBe('t-max'); expect(b.status).toBe('t-max');
    const A = a.matrix.flat(), B = b.matrix.flat();
    expect(Math.max(...A.map((v, i) => Math.abs(v - B[i])))).toBeLessThan(1e-7);
  });

  it('gradient descent approaches the flow at first order in lr (error ratio ~2 when lr halves)', () => {
    const spec = { target: { kind: 'low-rank' as const, size: [4, 4] as [number, number], rank: 1, seed: 3 }, observed: { kind: 'random' as const, count: 10, seed: 3 }, depth: 3, init: { kind: 'gaussian' as const, std: 0.6, seed: 3 } };
    const T = 4;
    const flow = run({ ...spec, solver: { rtol: 1e-12, atol: 1e-14, tMax: T, lossTol: 0 } }).matrix.flat();
    const errs = [0.02, 0.01, 0.005, 0.0025].map((lr) => {
      const g = run({ ...spec, solver: { method: 'gd', lr, tMax: T, lossTol: 0 } });
      expect(g.t).toBeCloseTo(T, 12); // t = k lr lines up with the flow
      const W = g.matrix.flat();
      return Math.max(...W.map((v, i) => Math.abs(v - flow[i])));
    });
    for (let i = 1; i < errs.length; i++) {
      const ratio = errs[i - 1] / errs[i];
      expect(ratio).toBeGreaterThan(1.8);
      expect(ratio).toBeLessThan(2.2);
    }
  });

  it('gd without lr is refused, naming the field', () => {
    expect(() => buildProblem({ ...diagonal(2, { kind: 'gaussian', std: 0.1 }), solver: { method: 'gd' } })).toThrow(/^spec\.solver\.lr: expected a learning rate/);
  });
});

describe('trajectory analysis', () => {
  it('--samples gives log-spaced snapshots ending at the end point', () => {
    const r = run({ target: { kind: 'low-rank', size: [5, 5], rank: 1, seed: 2 }, observed: { kind: 'random', count: 15, seed: 2 }, depth: 3, init: { kind: 'gaussian', productScale: 1e-3, seed: 2 }, solver: { lossTol: 1e-12 } }, { samples: 7 });
    const s = r.samples!;
    expect(s).toHaveLength(7);
    expect(s[6].t).toBe(r.t);
    expect(s[6].loss).toBeCloseTo(r.loss, 14);
    for (let i = 1; i < s.length; i++) expect(s[i].t / s[i - 1].t).toBeCloseTo(Math.pow(1e6, 1 / 6), 6);
    for (const x of s) {
      expect(x.nuclearNorm).toBeCloseTo(x.singularValues.reduce((a, b) => a + b, 0), 12);
      expect(x.reconstructionError).not.toBeNull();
    }
    expect(s[6].reconstructionError).toBe(r.reconstructionError);
  });
});

describe('symbolic ODE (mathjs)', () => {
  const firstColumn = { target: [[1, 0], [0.5, 0]], observed: { kind: 'entries' as const, entries: [[0, 0], [1, 0]] as [number, number][] }, depth: 2,
    init: { kind: 'layers' as const, layers: [[[0.3, 0.2], [0.1, -0.4]], [[0.5, 0], [0, 0.5]]] } };

  it('derives the 2x2 depth-2 first-column system, matching the vector field', () => {
    const ode = symbolicOde(buildProblem(firstColumn));
    expect(ode.check.pass).toBe(true);
    expect(ode.check.maxRelDiff).toBeLessThan(1e-12);
    const byVar = Object.fromEntries(ode.equations.map((e) => [e.variable, e.text]));
    expect(byVar.w1_12).toBe('dw1_12/dt = 0'); // b2 never moves
    expect(byVar.w2_11).toBe('dw2_11/dt = -(r_11 * w1_11)');
    expect(ode.invariants).toHaveLength(1);
    expect(ode.invariants[0].pass).toBe(true);
  });

  it('a depth-3 rectangular model passes too, and a large model is refused', () => {
    const ode = symbolicOde(buildProblem({ target: { kind: 'low-rank', size: [2, 3], rank: 1, seed: 1 }, observed: { kind: 'random', count: 4, seed: 1 }, depth: 3, width: 2, init: { kind: 'gaussian', std: 0.5 } }));
    expect(ode.check.pass).toBe(true);
    expect(ode.invariants.map((i) => i.pass)).toEqual([true, true]);
    expect(() => symbolicOde(buildProblem({ target: { kind: 'ones', size: [5, 5] }, observed: { kind: 'all' }, depth: 2, init: { kind: 'gaussian', std: 0.5 } }))).toThrow(/side <= 4/);
  });

  it('dmflow ode prints the system and its check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-ode-'));
    const path = join(dir, 'fc.json');
    writeFileSync(path, JSON.stringify(firstColumn));
    const r = cli(['ode', path]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('dw1_11/dt = -(r_11 * w2_11 + r_21 * w2_21)');
    expect(r.stdout).toContain('\\frac{d w^{(1)}_{11}}{dt}');
    expect(r.stdout).toMatch(/Check against the vector field .* \(pass\)/);
  });
});
