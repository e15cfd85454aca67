// npx tsx bench/conjecture.ts [runs]: wall time of a conjecture search whose
// runs are long enough for worker threads to pay (10x10, rank 2, 70 observed,
// depth 3), on this thread alone and with one worker. Prints figures, asserts nothing.

import { checkConjecture, type ConjectureFile } from '../src/index.js';

const runs = Number(process.argv[2] ?? 24);
const conjecture: ConjectureFile = {
  generate: {
    target: { kind: 'low-rank', size: [10, 10], rank: 2, seed: { int: [0, 1000] } },
    observed: { kind: 'random', count: 70, seed: { int: [0, 1000] } },
    depth: 3,
    init: { kind: 'gaussian', std: { logUniform: [0.05, 0.2] }, seed: 1 },
    solver: { method: 'auto', lossTol: 1e-10 },
  },
  claim: 'invariantDrift < 1e-3',
  runs,
  seed: 3,
};
const worker = new URL('../src/experiments/sweepWorker.mjs', import.meta.url);
for (const workers of [1, 2]) {
  const t0 = performance.now();
  const r = await checkConjecture({ ...conjecture, workers, workerScript: worker });
  const s = (performance.now() - t0) / 1000;
  console.log(`workers ${workers}: ${r.status}, ${r.integrations} runs (${r.onWorkers} on the worker) in ${s.toFixed(2)} s`);
}
