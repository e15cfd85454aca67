// A seeded population of run specs inside the theorem families' domains, for
// `check` (test/check.test.ts, bench/checkPopulation.ts): block-diagonal
// (n 1-4 blocks of size q 1-3, depth 1-6, target scale 0.1-10, product scale
// 1e-3..2 of it, coupling c = 0 or 1e-3..1, balanced or per-layer),
// first-column 2x2 (signed a, beta0 of 0.1-3 away from the saddle
// a = -beta0, |w*| 0.1-10 in any direction, any b2), and the trajectory
// families (scalar depth 1-6 from 1e-4..3 of the target; aligned depth 2 up
// to 4x4 with modes from 1e-4..2 of their target values). Same (seed, index),
// same spec.

import { Rng } from '../../src/model/random.js';
import type { Spec } from '../../src/model/spec.js';

export type TheoremFamilyName = 'block-diagonal' | 'first-column-2x2' | 'trajectories';

export interface TheoremSpec {
  family: TheoremFamilyName;
  label: string;
  spec: Spec;
}

const logUniform = (rng: Rng, lo: number, hi: number): number => Math.exp(Math.log(lo) + rng.uniform() * (Math.log(hi) - Math.log(lo)));
const intIn = (rng: Rng, lo: number, hi: number): number => lo + rng.below(hi - lo + 1);
const signed = (rng: Rng, lo: number, hi: number): number => (rng.uniform() < 0.5 ? -1 : 1) * logUniform(rng, lo, hi);

/** The index-th instance; families in turn (index mod 3) unless one is asked for. */
export function theoremSpec(seed: number, index: number, family?: TheoremFamilyName): TheoremSpec {
  const rng = new Rng(seed * 1_000_003 + index);
  const f = family ?? (['block-diagonal', 'first-column-2x2', 'trajectories'] as const)[index % 3];
  if (f === 'block-diagonal') return blockInstance(rng);
  if (f === 'first-column-2x2') return firstColumnInstance(rng);
  return rng.uniform() < 0.5 ? scalarInstance(rng) : alignedInstance(rng);
}

function blockInstance(rng: Rng): TheoremSpec {
  const n = intIn(rng, 1, 4), q = intIn(rng, 1, 3), L = intIn(rng, 1, 6);
  const s = logUniform(rng, 0.1, 10);
  const product = s * logUniform(rng, 1e-3, 2);
  const alpha = Math.pow(product, 1 / L);
  const coupling = () => (rng.uniform() < 1 / 6 ? 0 : logUniform(rng, 1e-3, 1));
  let a: number | number[], b: number | number[];
  const balanced = rng.uniform() < 0.5;
  if (balanced) {
    a = alpha;
    b = alpha * coupling();
  } else {
    a = Array.from({ length: L }, () => alpha * logUniform(rng, 0.5, 2));
    b = a.map((al) => al * coupling());
  }
  const spec = {
    target: { kind: 'ones', size: [n * q, n * q], scale: s },
    observed: { kind: 'block-diagonal', blocks: new Array<number>(n).fill(q) },
    depth: L,
    init: { kind: 'identity-plus-ones', a, b },
  };
  return { family: 'block-diagonal', label: `block n=${n} q=${q} L=${L} s=${s.toPrecision(3)} alpha^L/s=${(product / s).toExponential(1)} ${balanced ? 'balanced' : 'per-layer'}`, spec: spec as unknown as Spec };
}

function firstColumnInstance(rng: Rng): TheoremSpec {
  let a = 0, beta0 = 0;
  // a = -beta0 is the saddle (no zero-loss limit): keep a distance from it.
  do { a = signed(rng, 0.1, 3); beta0 = signed(rng, 0.1, 3); } while (Math.abs(a + beta0) < 0.05 * (Math.abs(a) + Math.abs(beta0)));
  const wNorm = logUniform(rng, 0.1, 10), angle = 2 * Math.PI * rng.uniform();
  const wh = [Math.cos(angle), Math.sin(angle)];
  const b2 = [2 * rng.uniform() - 1, 2 * rng.uniform() - 1];
  const spec = {
    target: [[wNorm * wh[0], rng.normal()], [wNorm * wh[1], rng.normal()]],
    observed: [[1, 0], [1, 0]],
    depth: 2,
    width: 2,
    init: { kind: 'layers', layers: [[[beta0 * wh[0], b2[0]], [beta0 * wh[1], b2[1]]], [[a, 0], [0, a]]] },
  };
  return { family: 'first-column-2x2', label: `first-column a=${a.toPrecision(3)} beta0=${beta0.toPrecision(3)} |w|=${wNorm.toPrecision(3)}`, spec: spec as Spec };
}

function scalarInstance(rng: Rng): TheoremSpec {
  const L = intIn(rng, 1, 6), s = logUniform(rng, 0.1, 10), x0 = s * logUniform(rng, 1e-4, 3);
  const u = Math.pow(x0, 1 / L);
  const spec = { target: [[s]], observed: { kind: 'all' }, depth: L, init: { kind: 'layers', layers: new Array(L).fill([[u]]) } };
  return { family: 'trajectories', label: `scalar L=${L} s=${s.toPrecision(3)} x0/s=${(x0 / s).toExponential(1)}`, spec: spec as Spec };
}

function alignedInstance(rng: Rng): TheoremSpec {
  let m = 1, n = 1;
  while (m === 1 && n === 1) { m = intIn(rng, 1, 4); n = intIn(rng, 1, 4); }
  const k = Math.min(m, n), h = Math.max(m, n);
  // Distinct target singular values (the aligned basis must be unambiguous): at least 10% apart.
  const sv: number[] = [];
  while (sv.length < k) {
    const v = logUniform(rng, 0.1, 10);
    if (sv.every((w) => Math.abs(w - v) > 0.1 * Math.max(w, v))) sv.push(v);
  }
  sv.sort((x, y) => y - x);
  const x0 = sv.map((v) => v * logUniform(rng, 1e-4, 2));
  const U = orthonormal(rng, m, k), V = orthonormal(rng, n, k), R = orthonormal(rng, h, k);
  const prod = (A: number[][], d: number[], B: number[][]) => A.map((row) => B.map((col) => row.reduce((acc, x, c) => acc + x * d[c] * col[c], 0)));
  const root = x0.map(Math.sqrt);
  const spec = {
    target: prod(U, sv, V),
    observed: { kind: 'all' },
    depth: 2,
    width: h,
    init: { kind: 'layers', layers: [prod(R, root, V), prod(U, root, R)] },
  };
  return { family: 'trajectories', label: `aligned ${m}x${n} sv=${sv.map((v) => v.toPrecision(3)).join('/')} x0/s=${x0.map((v, i) => (v / sv[i]).toExponential(1)).join('/')}`, spec: spec as Spec };
}

/** d x k (rows) with orthonormal columns, by Gram–Schmidt (twice) on Gaussian columns. */
function orthonormal(rng: Rng, d: number, k: number): number[][] {
  const cols: number[][] = [];
  while (cols.length < k) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const c of cols) {
        const dot = v.reduce((acc, x, i) => acc + x * c[i], 0);
        for (let i = 0; i < d; i++) v[i] -= dot * c[i];
      }
    }
    const nrm = Math.hypot(...v);
    if (nrm > 1e-8) cols.push(v.map((x) => x / nrm));
  }
  return Array.from({ length: d }, (_, i) => cols.map((c) => c[i]));
}
