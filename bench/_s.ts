import { solveIvp, run } from '../src/index.js';
// stiff linear test: y' = -1e4 (y - cos t)
const f = (t: number, y: Float64Array, dy: Float64Array) => { dy[0] = -1e4 * (y[0] - Math.cos(t)); dy[1] = -y[1]; };
for (const m of ['dopri5', 'rkc', 'auto'] as const) {
  const r = solveIvp(f, [0, 10], [0, 1], { method: m, rtol: 1e-6, atol: 1e-9, onStiff: () => false });
  console.log(m, r.status, r.nfev, r.naccept, Math.abs(r.y[0] - (Math.cos(10) + 1e-4 * Math.sin(10))), Math.abs(r.y[1] - Math.exp(-10)));
}
const [d, r, pre] = [20, 2, 100];
for (const depth of [3, 4]) for (const m of ['dopri5', 'auto', 'rkc']) {
  const t0 = Date.now();
  const x = run({ target: { kind: 'low-rank', size: [d, d], rank: r, seed: 1 }, depth, observed: { kind: 'random', count: pre, seed: 2 }, init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { method: m, rtol: 1e-6, atol: 1e-9, lossTol: 1e-9 } });
  console.log(depth, m, x.status, x.nfev, x.loss.toExponential(2), x.effectiveRank.toFixed(4), x.reconstructionError?.toExponential(3), Date.now() - t0, 'ms');
}
