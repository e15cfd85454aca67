// Method "auto" before and after it switches back from RKC to Dormand–Prince
// (src/ode/auto.ts, AUTO_TUNING), per instance of a seeded family:
//   npx tsx bench/autoSwitch.ts [--family gen50|own|saddle|example] [--seed k] [--count n] [--patience p] [--before-patience p]
//     [--back-bound b] [--back-patience q]   (the switch-back criterion to try instead of AUTO_TUNING's)
// "before" is auto as it was: RKC for good once the stiffness test fires
// (backPatience Infinity), stiffness patience 15. "after" is the default, or
// --patience p for the stiffness test. Each integrates [0, T], T where the
// before run's loss reaches the run's lossTol (at most tMax); the end states
// are compared with each other and with a reference at T (dopri5, rtol 1e-10,
// atol 1e-13; auto, RKC for good, at those tolerances when dopri5 would pass
// 1e6 evaluations). Columns: evaluations before, its distance to the
// reference; per after run (one for each --patience p1,p2,...): evaluations,
// ratio to before, switches (r: to RKC, d: back to Dormand–Prince),
// max |W_after - W_before| and max |W_after - W_ref|, over max |W_ref|.
// gen50: bench/families.ts generatedFamily(k).run50, k = seed .. seed + count - 1.
// own: the bench's own large instances (bench/workloads.ts; seed and count ignored).
// example: examples/saddle-run.json (seed and count ignored).
// saddle: small initializations (saddle-to-saddle flows, as examples/saddle-run.json):
// n x n, n in 8..20, rank 2..4, about 40% observed, depth 2..4, Gaussian
// layers scaled to an end-to-end product of scale 10^U(-6,-3) (init.productScale),
// drawn from seed + i.

import { readFileSync } from 'node:fs';
import { AUTO_TUNING, autoSwitch, type AutoTuning } from '../src/ode/auto.js';
import { buildProblem, endToEnd, gradientField, parseSpec, solveIvp, type Spec } from '../src/index.js';
import { runTolerance } from '../src/experiments/stopRules.js';
import { generatedFamily } from './families.js';
import { largeSpecs } from './workloads.js';

const BEFORE: AutoTuning = { backBound: AUTO_TUNING.backBound, backPatience: Infinity };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** mulberry32: a small seeded generator for the saddle family's parameters. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function saddleSpec(seed: number): { name: string; spec: Spec } {
  const r = rng(seed * 7919 + 17);
  const n = 8 + Math.floor(r() * 13);
  const rank = 2 + Math.floor(r() * 3);
  const depth = 2 + Math.floor(r() * 3);
  // The end-to-end product's scale at t = 0 (init.productScale; examples/saddle-run.json is 1e-6).
  const scale = 10 ** (-6 + 3 * r());
  const count = Math.round(0.4 * n * n);
  const spec = parseSpec({
    target: { kind: 'low-rank', size: [n, n], rank, seed }, observed: { kind: 'random', count, seed: seed + 1 }, depth,
    init: { kind: 'gaussian', productScale: scale, seed: seed + 2 }, solver: { rtol: 1e-6, atol: 1e-9, lossTol: 1e-9, tMax: 1e5 },
  });
  return { name: `saddle ${seed}: ${n}x${n} r${rank} L${depth} productScale ${scale.toExponential(1)}`, spec };
}

function instances(): { name: string; spec: Spec }[] {
  const family = arg('family', 'gen50');
  const seed = Number(arg('seed', '29')), count = Number(arg('count', '1'));
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed: expected an integer >= 0, got ${arg('seed', '')}`);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--count: expected an integer >= 1, got ${arg('count', '')}`);
  const ks = Array.from({ length: count }, (_, i) => seed + i);
  if (family === 'example') return [{ name: 'examples/saddle-run.json', spec: parseSpec(JSON.parse(readFileSync(new URL('../examples/saddle-run.json', import.meta.url), 'utf8'))) }];
  if (family === 'own') return Object.entries(largeSpecs).map(([name, s]) => ({ name, spec: parseSpec(s) }));
  if (family === 'gen50') return ks.map((k) => ({ name: `gen50 ${k}`, spec: parseSpec(generatedFamily(k).run50) }));
  if (family === 'saddle') return ks.map(saddleSpec);
  throw new Error(`--family: expected gen50, own, saddle or example, got ${family}`);
}

function maxAbs(a: Float64Array): number { let m = 0; for (const v of a) m = Math.max(m, Math.abs(v)); return m; }
function maxDiff(a: Float64Array, b: Float64Array): number { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; }

/** Stiffness patience of the after runs: --patience p1,p2,... (each a column pair), else auto's default. */
const afterPatiences: (number | undefined)[] = arg('patience', '') ? arg('patience', '').split(',').map(Number) : [undefined];
const tuning: AutoTuning = { backBound: Number(arg('back-bound', String(AUTO_TUNING.backBound))), backPatience: Number(arg('back-patience', String(AUTO_TUNING.backPatience))) };
const beforePatience = Number(arg('before-patience', '15'));
const pname = (p: number | undefined): string => (p === undefined ? 'default' : String(p));
console.log(`auto before (RKC for good, stiffPatience ${beforePatience}) and after (switch back at h rho <= ${tuning.backBound}, ${tuning.backPatience} steps in a row; stiffPatience ${afterPatiences.map(pname).join(', ')})`);
console.log(`instance | T | evals before | |Wb-ref| | then per after: evals, ratio, switches, |Wa-Wb|, |Wa-ref| (max-norm / max|W_ref|; ref: ${'dopri5 rtol 1e-10'})`);
let sumBefore = 0;
const sumAfter = afterPatiences.map(() => 0);
for (const { name, spec } of instances()) {
  const p = buildProblem(spec);
  const s = p.spec.solver;
  const f = gradientField(p);
  const base = { rtol: s.rtol, atol: s.atol, jvp: f.jvp };
  // The loss a run stops at (the spec's lossTol, else the run's default relative to the initial loss).
  const lossTol = runTolerance(p).abs;
  const stopped = autoSwitch(f.rhs, [0, s.tMax], p.y0, { ...base, stiffPatience: beforePatience, stop: () => f.lastLoss <= lossTol }, BEFORE);
  const T = stopped.t;
  const before = autoSwitch(f.rhs, [0, T], p.y0, { ...base, stiffPatience: beforePatience }, BEFORE);
  // dopri5 at rtol 1e-10; where that would pass 1e6 evaluations (long stiff runs), auto (RKC for good) at rtol 1e-10.
  let ref = solveIvp(f.rhs, [0, T], p.y0, { method: 'dopri5', rtol: 1e-10, atol: 1e-13, onStiff: () => false, maxEvals: 1e6 });
  let refName = '';
  if (ref.status !== 'done') { ref = autoSwitch(f.rhs, [0, T], p.y0, { ...base, rtol: 1e-10, atol: 1e-13, maxEvals: 4e6 }, BEFORE); refName = ' (ref: auto rtol 1e-10)'; }
  const Wb = endToEnd(p, before.y), Wr = endToEnd(p, ref.y);
  const scale = maxAbs(Wr);
  const e = (x: number): string => (ref.status === 'done' ? (x / scale).toExponential(1) : 'n/a');
  sumBefore += before.nfev;
  const cols: string[] = [];
  afterPatiences.forEach((pat, i) => {
    const switches: string[] = [];
    const after = autoSwitch(f.rhs, [0, T], p.y0, {
      ...base, ...(pat !== undefined ? { stiffPatience: pat } : {}), onSwitch: (t, m) => { switches.push(`${m[0]}@${t.toPrecision(3)}`); },
    }, tuning);
    sumAfter[i] += after.nfev;
    const Wa = endToEnd(p, after.y);
    const sw = switches.length > 4 ? `${switches.slice(0, 4).join(' ')} ...(${switches.length})` : switches.join(' ') || '-';
    cols.push(`${after.nfev} ${(after.nfev / before.nfev).toFixed(3)} ${sw} ${e(maxDiff(Wa, Wb))} ${e(maxDiff(Wa, Wr))}${after.status !== 'done' ? ` (${after.status})` : ''}`);
  });
  console.log(`${name} | ${T.toPrecision(4)} | ${before.nfev} | ${e(maxDiff(Wb, Wr))}${before.status !== 'done' ? ` (${before.status})` : ''}${refName} | ${cols.join(' | ')}`);
}
console.log(`total evaluations before ${sumBefore}; after: ${afterPatiences.map((pat, i) => `stiffPatience ${pname(pat)} ${sumAfter[i]} (${(sumAfter[i] / sumBefore).toFixed(3)})`).join(', ')}`);
