// The benchmark workloads of issue 6, as explicit instances both dmflow and
// the scipy reference integrate: same target, mask and initial layers.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildProblem, expandCells, parseSweep, runProblem, toRows, type Problem, type Spec } from '../src/index.js';
import { endToEnd, lossOf } from '../src/model/product.js';
import { lossTolerance, targetEnergy } from '../src/experiments/stopRules.js';

export interface Instance { target: number[][]; mask: number[][]; layers: number[][][]; rtol: number; atol: number; lossTol: number; tMax: number }

export function instanceOf(p: Problem): Instance {
  const s = p.spec.solver;
  return {
    target: toRows(p.target, p.m, p.n), mask: toRows(p.mask, p.m, p.n),
    layers: p.dims.slice(1).map((r, k) => toRows(p.y0, r, p.dims[k], p.offsets[k])),
    rtol: s.rtol, atol: s.atol, lossTol: lossTolerance(s, targetEnergy(p), lossOf(p, endToEnd(p, p.y0))).abs, tMax: s.tMax,
  };
}

export const fig1Sweep = parseSweep({
  base: { target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 } },
  grid: { depth: [2, 3, 4], 'init.productScale': [0.1, 0.01, 0.001] },
  trials: 300,
});

export const largeSpecs = {
  '50x50 rank 3': { target: { kind: 'low-rank', size: [50, 50], rank: 3, seed: 1 }, observed: { kind: 'random', count: 600, seed: 2 }, depth: 3, init: { kind: 'gaussian', std: 0.05, seed: 3 }, solver: { rtol: 1e-6, atol: 1e-9, lossTol: 1e-9 } },
  '100x100 rank 5': { target: { kind: 'low-rank', size: [100, 100], rank: 5, seed: 1 }, observed: { kind: 'random', count: 2000, seed: 2 }, depth: 3, init: { kind: 'gaussian', std: 0.03, seed: 3 }, solver: { rtol: 1e-6, atol: 1e-9, lossTol: 1e-9 } },
} as const;

/**
 * The peers' environment: one BLAS thread, as dmflow's native kernel uses
 * (OpenBLAS, MKL and OpenMP each read their own variable; torch_gd.py also
 * calls torch.set_num_threads(1)).
 */
export const ONE_THREAD_ENV = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } as const;
export const ONE_THREAD_TEXT = Object.entries(ONE_THREAD_ENV).map(([k, v]) => `${k}=${v}`).join(' ');

/** Run instances through bench/scipy_flow.py (one BLAS thread); null when python3 with scipy is missing. */
export function scipyRun(instances: Instance[]): { wall: number; nfev: number; steps: number; loss: number; effectiveRank: number; reconstructionError: number | null }[] | null {
  const probe = spawnSync('python3', ['-c', 'import scipy, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const script = fileURLToPath(new URL('./scipy_flow.py', import.meta.url));
  const r = spawnSync('python3', [script], { env: { ...process.env, ...ONE_THREAD_ENV }, input: instances.map((i) => JSON.stringify(i)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`scipy reference failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

export function runLarge(spec: Spec, method: 'dopri5' | 'auto') {
  const p = buildProblem({ ...spec, solver: { ...spec.solver, method } });
  const start = performance.now();
  const r = runProblem(p);
  return { wall: (performance.now() - start) / 1000, ...r };
}

export { expandCells };
