// Coupling norms from Gram matrices (coupling.ts) against the dense kernel,
// and `dmflow analyze` at a size whose dense kernel would not fit.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildProblem, couplingIndex, entryGroups, kernelNorms, tangentKernel, unobservedEntries, type Problem } from '../src/index.js';
import { cli } from './helpers/cli.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

/** The norms the old code computed: from the dense kernels. */
function denseNorms(p: Problem, groupOf: Int32Array) {
  const N = p.obsRows.length;
  const K = tangentKernel(p, p.y0, p.obsRows, p.obsCols, p.obsRows, p.obsCols);
  let total = 0, off = 0;
  for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) {
    const v = K[a * N + b] ** 2;
    total += v;
    if (groupOf[a] !== groupOf[b]) off += v;
  }
  const { rows, cols } = unobservedEntries(p);
  const Ku = tangentKernel(p, p.y0, rows, cols, p.obsRows, p.obsCols);
  const unobserved = Math.sqrt(Ku.reduce((s, v) => s + v * v, 0));
  const groups = Math.max(...groupOf) + 1;
  return { observed: Math.sqrt(total), offGroup: Math.sqrt(off), unobserved, index: groups > 1 && total > 0 ? Math.sqrt(off / total) : 0 };
}

const problem = fc.record({
  m: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }), depth: fc.integer({ min: 1, max: 4 }),
  width: fc.integer({ min: 1, max: 7 }), frac: fc.double({ min: 0.1, max: 1, noNaN: true }),
  scale: fc.constantFrom(1e-3, 0.3, 1, 5), seed: fc.integer({ min: 0, max: 1e6 }),
  // Explicit groups: a random label per observed entry (groups may share rows and columns).
  labels: fc.option(fc.integer({ min: 2, max: 4 }), { nil: undefined }),
}).map(({ m, n, depth, width, frac, scale, seed, labels }) => {
  const spec = {
    target: { kind: 'low-rank' as const, size: [m, n] as [number, number], rank: 1, seed },
    observed: { kind: 'random' as const, count: Math.max(1, Math.round(frac * m * n)), seed: seed + 1 },
    depth, width, init: { kind: 'gaussian' as const, std: scale, seed: seed + 2 },
  };
  const p = buildProblem(spec);
  if (labels === undefined) return { p, groupOf: entryGroups(p) };
  const groupOf = Int32Array.from(p.obsRows, (_, k) => (k * 7 + seed) % labels);
  // Labels must be 0..g-1 without gaps for the group count: relabel in order of appearance.
  const seen = new Map<number, number>();
  return { p, groupOf: groupOf.map((g) => seen.get(g) ?? (seen.set(g, seen.size), seen.size - 1)) };
});

describe('coupling norms without the dense kernel', () => {
  it('index, kernel norm, off-group norm and unobserved norm equal the dense kernel\'s (both summation paths)', () => {
    fc.assert(fc.property(problem, ({ p, groupOf }) => {
      const dense = denseNorms(p, groupOf);
      for (const entryByEntry of [false, true]) {
        const g = kernelNorms(p, p.y0, groupOf, { entryByEntry });
        const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(b, 1e-300);
        expect(rel(g.observed, dense.observed)).toBeLessThan(1e-12);
        expect(Math.abs(g.offGroup - dense.offGroup)).toBeLessThanOrEqual(1e-12 * dense.observed);
        expect(Math.abs(g.unobserved - dense.unobserved)).toBeLessThanOrEqual(1e-12 * Math.max(dense.unobserved, dense.observed));
      }
      const c = couplingIndex(p, p.y0, groupOf);
      expect(Math.abs(c.index - dense.index)).toBeLessThan(1e-12);
    }), { numRuns: RUNS, seed: 18 });
  });

  it('exact zeros stay exact: depth 2 with diagonal observations is decoupled to the last bit', () => {
    const p = buildProblem({ target: { kind: 'ones', size: [5, 5] }, observed: { kind: 'block-diagonal', blocks: [1, 1, 1, 1, 1] }, depth: 2, init: { kind: 'gaussian', std: 0.7, seed: 3 } });
    const g = kernelNorms(p, p.y0, entryGroups(p));
    expect(g.offGroup).toBe(0);
    expect(couplingIndex(p, p.y0, entryGroups(p))).toEqual({ index: 0, decoupled: true, groups: 5 });
  });
});

describe('dmflow analyze', () => {
  it('prints norms, not kernels; --tangent-kernel writes the dense kernels, equal to the library\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-analyze-'));
    const spec = join(dir, 'spec.json');
    const value = { target: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], observed: { kind: 'block-diagonal', blocks: [1, 1, 1] }, depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 2 } } as const;
    writeFileSync(spec, JSON.stringify(value));
    const r = cli(['analyze', spec, '--tangent-kernel', join(dir, 'k.json')]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dense).toBeUndefined();
    const k = JSON.parse(readFileSync(join(dir, 'k.json'), 'utf8'));
    const p = buildProblem(value);
    expect(k.kernel.flat()).toEqual(Array.from(tangentKernel(p, p.y0, p.obsRows, p.obsCols, p.obsRows, p.obsCols)));
    expect(k.unobserved).toHaveLength(6);
    const d = denseNorms(p, entryGroups(p));
    expect(Math.abs(out.coupling.index - d.index)).toBeLessThan(1e-12);
    expect(out.kernel.size).toEqual([3, 3]);
    expect(out.unobservedKernel.size).toEqual([6, 3]);
  });

  it('a 1000 x 1000 target with 20,000 observed entries (dense kernels: 19.6e9 entries) is analyzed; asking for its dense kernel is refused by the memory guard', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-analyze-'));
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ target: { kind: 'low-rank', size: [1000, 1000], rank: 5, seed: 1 }, observed: { kind: 'block-diagonal', blocks: Array(50).fill(20) }, depth: 2, init: { kind: 'gaussian', std: 0.03, seed: 3 } }));
    const r = cli(['analyze', spec], { timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kernel.size).toEqual([20000, 20000]);
    expect(out.coupling.groups).toBe(50);
    // Depth 2: K[(i,j),(k,r)] = (W_2 W_2^T)[i,k] [r = j] + [i = k] (W_1^T W_1)[r,j], and entries of
    // different diagonal blocks share neither row nor column: decoupled, and exactly so.
    expect(out.coupling.index).toBe(0);
    expect(out.coupling.decoupled).toBe(true);
    expect(out.kernel.offGroupFrobenius).toBe(0);
    expect(out.unobservedKernel.frobenius).toBeGreaterThan(0);
    const dense = cli(['analyze', spec, '--tangent-kernel', join(dir, 'k.json')], { timeout: 120_000 });
    expect(dense.status).toBe(2);
    expect(dense.stderr).toMatch(/^dmflow: --tangent-kernel: needs about .* above the memory limit/);
    expect(dense.stderr.trim().split('\n')).toHaveLength(1);
  });
});
