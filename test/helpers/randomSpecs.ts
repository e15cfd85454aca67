// A seeded population of run specs over the ranges a researcher uses, for
// tests and screens of verdicts (stop rules, sensitivity flags): sizes 2-12,
// depths 1-5, masks all / diagonal / random / block / row, targets low-rank /
// ones / identity / full, init scales 1e-4 to 1, balanced and unbalanced
// layers, default or limited width. Every spec is plain JSON that `dmflow run`
// accepts; the same (seed, index) always gives the same spec.

import { Rng } from '../../src/model/random.js';
import type { Spec } from '../../src/model/spec.js';

export type MaskKind = 'all' | 'diagonal' | 'random' | 'block' | 'row';
export type TargetKind = 'low-rank' | 'ones' | 'identity' | 'full';
export type InitKind = 'gaussian' | 'identity-plus-ones' | 'balanced' | 'unbalanced';

export interface RandomSpec {
  /** Seed and index that made it. */
  seed: number;
  index: number;
  /** Short description for logs: "7x5 L3 w4 low-rank/random/balanced s=3.1e-3 auto". */
  label: string;
  mask: MaskKind;
  targetKind: TargetKind;
  initKind: InitKind;
  /** The scale of the product at t = 0 (alpha^L, the init's overall size). */
  scale: number;
  /** The spec, as `dmflow run` takes it. */
  spec: Spec;
}

export interface RandomSpecOptions {
  /** Sides m, n drawn in [2, maxSide] (default 12). */
  maxSide?: number;
  /** Depth in [1, maxDepth] (default 5). */
  maxDepth?: number;
  /** Product scale drawn log-uniformly in [minScale, 1] (default 1e-4). */
  minScale?: number;
  /** Methods to draw from (default auto three times in four, else dopri5). */
  methods?: readonly string[];
  /**
   * Draw a width that limits the rank: in [1, min(m, n) - 1] (when min(m, n) >= 2;
   * depth at least 2). The other draws are those of the default population.
   */
  rankLimited?: boolean;
}

const MASKS: readonly MaskKind[] = ['all', 'diagonal', 'random', 'block', 'row'];
const TARGETS: readonly TargetKind[] = ['low-rank', 'ones', 'identity', 'full'];
const INITS: readonly InitKind[] = ['gaussian', 'identity-plus-ones', 'balanced', 'unbalanced'];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.below(xs.length)];
const intIn = (rng: Rng, lo: number, hi: number): number => lo + rng.below(hi - lo + 1);
const logUniform = (rng: Rng, lo: number, hi: number): number => Math.exp(Math.log(lo) + rng.uniform() * (Math.log(hi) - Math.log(lo)));
const zeros = (r: number, c: number): number[][] => Array.from({ length: r }, () => new Array<number>(c).fill(0));

/** The index-th spec of the population with this seed. */
export function randomSpec(seed: number, index: number, options: RandomSpecOptions = {}): RandomSpec {
  const rng = new Rng(seed * 1_000_003 + index);
  const maxSide = options.maxSide ?? 12, maxDepth = options.maxDepth ?? 5, minScale = options.minScale ?? 1e-4;
  const methods = options.methods ?? ['auto', 'auto', 'auto', 'dopri5'];
  let mask = pick(rng, MASKS);
  const square = mask === 'block' || mask === 'diagonal' ? rng.uniform() < 0.7 : rng.uniform() < 0.4;
  const m = intIn(rng, 2, maxSide);
  const n = square ? m : intIn(rng, 2, maxSide);
  if (mask === 'block' && m !== n) mask = 'random';
  let depth = intIn(rng, 1, maxDepth);
  let width = rng.uniform() < 0.6 ? undefined : intIn(rng, 1, Math.max(m, n));
  if (options.rankLimited && Math.min(m, n) >= 2) {
    depth = Math.max(2, depth);
    width = 1 + ((width ?? rng.below(1 << 30)) % (Math.min(m, n) - 1));
  }
  const w = width ?? Math.max(m, n);
  const targetKind = pick(rng, TARGETS);
  const initKind = pick(rng, INITS);
  const scale = logUniform(rng, minScale, 1);
  const method = pick(rng, methods);

  const target = makeTarget(rng, targetKind, m, n);
  const observed = makeObserved(rng, mask, m, n);
  const dims = [n, ...new Array<number>(depth - 1).fill(w), m];
  const init = makeInit(rng, initKind, dims, scale);
  const spec = { target, observed, depth, init, ...(width !== undefined ? { width } : {}), ...(method !== 'auto' ? { solver: { method } } : {}) } as Spec;
  const label = `${m}x${n} L${depth} w${width ?? '-'} ${targetKind}/${mask}/${initKind} s=${scale.toExponential(1)} ${method}`;
  return { seed, index, label, mask, targetKind, initKind, scale, spec };
}

function makeTarget(rng: Rng, kind: TargetKind, m: number, n: number): unknown {
  switch (kind) {
    case 'low-rank': return { kind: 'low-rank', size: [m, n], rank: intIn(rng, 1, Math.min(m, n)), seed: rng.below(1e6) };
    case 'ones': return { kind: 'ones', size: [m, n], scale: logUniform(rng, 0.1, 10) };
    case 'identity': return Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    case 'full': return Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
  }
}

function makeObserved(rng: Rng, kind: MaskKind, m: number, n: number): unknown {
  switch (kind) {
    case 'all': return { kind: 'all' };
    case 'diagonal': return Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    case 'random': return { kind: 'random', count: intIn(rng, 1, m * n), seed: rng.below(1e6) };
    case 'block': {
      const blocks: number[] = [];
      for (let left = m; left > 0;) { const q = intIn(rng, 1, left); blocks.push(q); left -= q; }
      return { kind: 'block-diagonal', blocks };
    }
    case 'row': {
      // Whole rows observed (at least one, not necessarily all).
      const rows = Array.from({ length: m }, () => rng.uniform() < 0.5);
      if (!rows.some(Boolean)) rows[rng.below(m)] = true;
      return rows.map((r) => new Array<number>(n).fill(r ? 1 : 0));
    }
  }
}

/**
 * Layers W_1 (dims[1] x dims[0]) .. W_L whose product has about the given scale:
 * gaussian: productScale (the RMS entry of the product, exactly in expectation); identity-plus-ones: a I + b 1 1^T with a^L = scale;
 * balanced: W_l = Q_{l+1} S^(1/L) Q_l^T from random orthonormal columns Q
 * (W_{l+1}^T W_{l+1} = W_l W_l^T exactly, up to rounding); unbalanced: Gaussian
 * layers whose sizes differ by up to 10x from layer to layer.
 */
function makeInit(rng: Rng, kind: InitKind, dims: number[], scale: number): unknown {
  const L = dims.length - 1;
  const per = Math.pow(scale, 1 / L);
  switch (kind) {
    case 'gaussian': return { kind: 'gaussian', productScale: scale, seed: rng.below(1e6) };
    case 'identity-plus-ones': return { kind: 'identity-plus-ones', a: per, b: per * (rng.uniform() - 0.5) };
    case 'balanced': {
      const k = Math.min(...dims);
      const Q = dims.map((d) => orthonormalColumns(rng, d, k));
      const s = Array.from({ length: k }, () => per * logUniform(rng, 0.3, 3));
      return {
        kind: 'layers',
        layers: Array.from({ length: L }, (_, l) => {
          const W = zeros(dims[l + 1], dims[l]);
          for (let i = 0; i < dims[l + 1]; i++) for (let j = 0; j < dims[l]; j++) {
            let acc = 0;
            for (let c = 0; c < k; c++) acc += Q[l + 1][i][c] * s[c] * Q[l][j][c];
            W[i][j] = acc;
          }
          return W;
        }),
      };
    }
    case 'unbalanced': {
      const sizes = Array.from({ length: L }, () => logUniform(rng, 0.3, 3));
      const norm = Math.pow(sizes.reduce((a, b) => a * b, 1), 1 / L);
      return {
        kind: 'layers',
        layers: Array.from({ length: L }, (_, l) => {
          const std = (per * sizes[l]) / norm / Math.sqrt(Math.max(dims[l], dims[l + 1]));
          return Array.from({ length: dims[l + 1] }, () => Array.from({ length: dims[l] }, () => std * rng.normal() * Math.sqrt(dims[l])));
        }),
      };
    }
  }
}

/** d x k matrix (rows) with orthonormal columns (k <= d), by Gram–Schmidt on Gaussian columns. */
function orthonormalColumns(rng: Rng, d: number, k: number): number[][] {
  const cols: number[][] = [];
  while (cols.length < k) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (let pass = 0; pass < 2; pass++) {
      for (const c of cols) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += v[i] * c[i];
        for (let i = 0; i < d; i++) v[i] -= dot * c[i];
      }
    }
    const nrm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    if (nrm > 1e-8) cols.push(v.map((x) => x / nrm));
  }
  return Array.from({ length: d }, (_, i) => cols.map((c) => c[i]));
}

/**
 * The 2x2 masks of the Fig. 1 grid that cover every row and column without
 * being complete: the two diagonals (disconnected observation graphs) and the
 * four that leave one entry out (connected).
 */
export const FIG1_MASKS: readonly number[][][] = [
  [[1, 0], [0, 1]],
  [[0, 1], [1, 0]],
  [[1, 1], [1, 0]],
  [[1, 1], [0, 1]],
  [[1, 0], [1, 1]],
  [[0, 1], [1, 1]],
];
