// The cases of issue 17's table, printed with the theorem module's answers.
// Run: npx tsx bench/theoremCases.ts   (the values to compare against are in
// test/theoremReference.test.ts, computed there at 50 digits).

import { theoremAt, theoremLimit } from '../theorems/index.js';
import { limitSweep } from '../theorems/sweep.js';
import type { Spec } from '../src/index.js';

const block = (depth: number, a: number | number[], b: number | number[]): Spec => ({
  target: { kind: 'ones', size: [6, 6], scale: 1 },
  observed: { kind: 'block-diagonal', blocks: [2, 2, 2] },
  depth,
  init: { kind: 'identity-plus-ones', a, b },
});
const scalar = (depth: number, layer: number): Spec => ({
  target: [[1]], observed: { kind: 'all' }, depth,
  init: { kind: 'layers', layers: new Array(depth).fill([[layer]]) },
});

function show(label: string, f: () => unknown): void {
  try {
    console.log(label.padEnd(48), JSON.stringify(f()));
  } catch (e) {
    console.log(label.padEnd(48), `ERROR ${(e as Error).message}`);
  }
}
const lamN = (spec: Spec) => () => {
  const d = theoremLimit(spec).details as { Lam: number; N: number; status?: string };
  return { Lam: d.Lam, N: d.N, ...(d.status ? { status: d.status } : {}) };
};

for (const a of [1e-2, 1e-3, 1e-4, 1e-5]) show(`block d=6 L=6 a=${a} b=a/2`, lamN(block(6, a, a / 2)));
show('limit-sweep depth 6 scale 1e-24 c 0.5 (n=3,q=2)', () => {
  const r = limitSweep({ tasks: [{ name: 'block-diagonal', n: 3, q: 2 }], depths: [6], cs: [0.5], productScales: [1e-24] })[0];
  return { Lam: r.Lam, N: r.N };
});
for (const L of [6, 8, 12]) show(`block d=6 L=${L} a=0.01 b=0.001`, lamN(block(L, 0.01, 0.001)));
show('block d=6 L=6 per-layer a=[1,2,1,1,1,3]e-4 b=5e-5', lamN(block(6, [1e-4, 2e-4, 1e-4, 1e-4, 1e-4, 3e-4], 5e-5)));
show('scalar L=3 layers 1e-7 (x0=1e-21) at t=1', () => theoremAt(scalar(3, 1e-7), 1).matrix[0][0]);
show('scalar L=3 layers 1e-7 at t=5e6', () => theoremAt(scalar(3, 1e-7), 5e6).matrix[0][0]);
show('scalar L=4 x0=1e-12 at t=10', () => theoremAt(scalar(4, 1e-3), 10).matrix[0][0]);

// Added after the first merge was reverted (no "before" line: on main then, the
// first per-layer property draw, seed 18, ran 273 s in the clock route and gave NaN).
const perLayer = (d: number, n: number, s: number, a: number[], b: number[]) => () => {
  const det = theoremLimit({ target: { kind: 'ones', size: [d, d], scale: s }, observed: { kind: 'block-diagonal', blocks: new Array(n).fill(d / n) }, depth: a.length, init: { kind: 'identity-plus-ones', a, b } }).details as { Lam: number; N: number; log10Lam: number; status: string; method: string };
  return { Lam: det.Lam, N: det.N, log10Lam: det.log10Lam, status: det.status, method: det.method };
};
const t0 = Date.now();
show('seed-18 draw: L=13, ties, Lam below e^-4.6e10', perLayer(4, 2, 1.0000000000000224e-6, [1, 1, 1, 1, 999.9999999999816, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 999.9999999999816, 1, 1, 1.0000000000000082e-6, 1, 1, 1, 0, 0]));
show('large init, E1 crossing zero (a=[1,1.0001,1.0002])', perLayer(4, 2, 1e-3, [1, 1.0001, 1.0002], [3, 6, 9]));
console.log(`(the last two in ${Date.now() - t0} ms)`);
