import { buildProblem, expandCells, parseSweep } from '../src/index.js';
import { runProblems } from '../src/experiments/ensembleRun.js';
import { runProblem } from '../src/experiments/run.js';
const fig = { target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 } };
const sweeps: Record<string, object> = {
  depths: { base: fig, grid: { depth: [1, 2, 3, 4], 'init.productScale': [0.1, 0.001] }, trials: 5 },
  sizes: { base: { ...fig, observed: { kind: 'random', count: 4, seed: 2 }, solver: { rtol: 1e-7, atol: 1e-10 } }, grid: { target: [{ kind: 'low-rank', size: [3, 3], rank: 1, seed: 1 }, { kind: 'low-rank', size: [2, 3], rank: 1, seed: 1 }, { kind: 'low-rank', size: [4, 4], rank: 2, seed: 1 }], depth: [2, 3] }, trials: 4 },
  budgets: { base: fig, grid: { 'solver.tMax': [0.5, 1e6], 'solver.maxSteps': [15, 1000000], 'solver.maxEvals': [60, 10000000] }, trials: 3 },
  diverge: { base: { ...fig, init: { kind: 'gaussian', std: 0.5, seed: 0 } }, grid: { 'solver.divergeAt': [0.9, 1e8] }, trials: 6 },
  saddle: { base: { target: [[3, 0], [0, 1]], observed: { kind: 'all' }, depth: 2, init: { kind: 'layers', layers: [[[0.5, 0], [0, 0]], [[0.5, 0], [0, 0]]] } }, grid: { 'solver.rtol': [1e-6, 1e-8] }, trials: 2 },
  stiff: { base: { ...fig, target: { kind: 'low-rank', size: [3, 3], rank: 2, seed: 4 }, observed: { kind: 'random', count: 6, seed: 5 }, solver: { rtol: 1e-4, atol: 1e-7, lossTol: 0, tMax: 1e4 } }, grid: { 'solver.method': ['auto', 'dopri5'] }, trials: 2 },
};
for (const [name, sw] of Object.entries(sweeps)) {
  const problems = expandCells(parseSweep(sw)).map((c) => buildProblem(c.spec));
  const stats = { inLanes: 0, handedBack: {}, alone: 0 };
  const a = runProblems(problems, {}, 32, stats);
  const b = problems.map((p) => runProblem(p));
  const st: Record<string, number> = {};
  let diff = 0;
  a.forEach((r, i) => { st[r.status] = (st[r.status] ?? 0) + 1; if (JSON.stringify(r) !== JSON.stringify(b[i])) diff++; });
  console.log(name, problems.length, JSON.stringify(st), 'differ', diff, JSON.stringify(stats), 'steps', a.map(r => r.steps).join(','));
}
