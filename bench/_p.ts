import { run } from '../src/index.js';
const [d, r, pre, post] = process.argv.slice(2).map(Number);
for (const depth of [2, 3, 4]) for (const std of [0.01, 0.1]) {
  const base = { target: { kind: 'low-rank', size: [d, d], rank: r, seed: 1 }, depth, solver: { method: 'auto', rtol: 1e-6, atol: 1e-9, lossTol: 1e-9 } };
  const t0 = Date.now();
  const cold = run({ ...base, observed: { kind: 'random', count: pre, seed: 2 }, init: { kind: 'gaussian', std, seed: 3 } }, { saveLayers: true });
  const warm = run({ ...base, observed: { kind: 'random', count: post, seed: 2 }, init: { kind: 'layers', layers: cold.layers } });
  const coldPost = run({ ...base, observed: { kind: 'random', count: post, seed: 2 }, init: { kind: 'gaussian', std, seed: 3 } });
  console.log(depth, std, [cold, warm, coldPost].map((x) => `${x.status} er=${x.effectiveRank.toFixed(3)} rec=${x.reconstructionError?.toExponential(2)} nfev=${x.nfev}`).join(' | '), Date.now() - t0, 'ms');
}
