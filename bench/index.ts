// npm run bench [-- --vs-scipy] [-- --vs-torch] [-- --skip-100] [-- --startup-only]: prints figures, asserts nothing.

import { availableParallelism, cpus } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLAS_FROM_SIDE, UNROLL_LIMIT, WASM_FROM_SIDE, buildProblem, nativeBlas, runProblem, runSweep, wasmModule, type FieldKernel } from '../src/index.js';
import { benchArenstorf } from './arenstorf.js';
import { benchRhs } from './rhs.js';
import { benchVsTorch } from './vsTorch.js';
import { benchStartup } from './startup.js';
import { expandCells, fig1Sweep, instanceOf, largeSpecs, runLarge, scipyRun } from './workloads.js';

const args = process.argv.slice(2);
const vsScipy = args.includes('--vs-scipy');
const vsTorch = args.includes('--vs-torch');
const skip100 = args.includes('--skip-100');
console.log(`dmflow benchmarks: node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores\n`);

const startup = benchStartup();
console.log('Start-up of the built command (dist/), median of 9, wall time above a bare `node -e 0`');
console.log(`  node -e 0:                       ${startup.node.toFixed(3)} s`);
console.log(`  dmflow --help:                  +${(startup.help - startup.node).toFixed(3)} s  (target 0.2 s)`);
console.log(`  dmflow run (embedded default):  +${(startup.run - startup.node).toFixed(3)} s  (target 0.3 s; start-up and the integration itself)\n`);
if (args.includes('--startup-only')) process.exit(0);

console.log('Right-hand-side evaluations per second (d x d target, 30% observed, hidden width d), by kernel');
console.log(`(auto picks: blas from side ${BLAS_FROM_SIDE} when built${nativeBlas ? '' : ' - NOT BUILT here'}, else wasm from side ${WASM_FROM_SIDE}, unrolled up to ${UNROLL_LIMIT} multiply-adds, else typescript)`);
const kernels: FieldKernel[] = ['typescript', 'unrolled', ...(nativeBlas ? ['blas' as const] : []), ...(wasmModule ? ['wasm' as const] : [])];
const sizes = [2, 5, 10, 30, 100];
const byKernel = kernels.map((k) => benchRhs(k === 'unrolled' ? [2, 5] : sizes, [2, 3, 4], 0.3, k));
console.log(`     d  depth${kernels.map((k) => k.padStart(12)).join('')}`);
for (const r of byKernel[0]) {
  const cols = byKernel.map((rows) => rows.find((x) => x.d === r.d && x.depth === r.depth)?.perSecond.toExponential(2) ?? '-');
  console.log(`${String(r.d).padStart(6)}  ${String(r.depth).padStart(5)}${cols.map((c) => c.padStart(12)).join('')}`);
}

console.log('\nArenstorf orbit, one period, Dormand–Prince 5(4)');
for (const tol of [1e-6, 1e-8, 1e-10]) {
  const a = benchArenstorf(tol);
  console.log(`  rtol = atol = ${tol.toExponential(0)}: nfev ${a.nfev}, steps ${a.steps}, rejected ${a.rejected}, return error ${a.returnError.toExponential(2)}, ${a.ms.toFixed(1)} ms`);
}

console.log('\nFig. 1 sweep: 2x2, diagonal observed, depths 2-4, productScale 0.1/0.01/0.001, 300 trials, rtol 1e-8, atol 1e-11, lossTol 1e-12');
const out = join(mkdtempSync(join(tmpdir(), 'dmflow-bench-')), 'fig1.jsonl');
const start = performance.now();
const worker = new URL('../src/experiments/sweepWorker.mjs', import.meta.url);
const s = await runSweep(fig1Sweep, { out, workerScript: worker });
const wall = (performance.now() - start) / 1000;
const ours = s.ran / wall;
console.log(`  dmflow sweep: ${s.ran} integrations in ${wall.toFixed(2)} s = ${ours.toFixed(0)} integrations/s end to end (${s.onWorkers} of them on worker threads: workers start only for sweeps longer than ~2 s; cold start, spec parsing, analysis and the JSONL file included)`);
// The same sweep with 10x the trials: long enough for the worker threads to pay off.
const outBig = join(mkdtempSync(join(tmpdir(), 'dmflow-bench-')), 'fig1x10.jsonl');
const startBig = performance.now();
const sb = await runSweep({ ...fig1Sweep, trials: 10 * fig1Sweep.trials }, { out: outBig, workerScript: worker });
const wallBig = (performance.now() - startBig) / 1000;
const bigRate = sb.ran / wallBig;
console.log(`  dmflow sweep, 3000 trials: ${sb.ran} integrations in ${wallBig.toFixed(2)} s = ${bigRate.toFixed(0)} integrations/s end to end (${sb.onWorkers} on worker threads)`);
// Integration time only, one thread, as scipy is timed below: build each problem, then time runProblem alone.
const sample = expandCells(fig1Sweep).map((c) => buildProblem(c.spec));
let busy = 0;
for (const p of sample) { const t0 = performance.now(); runProblem(p); busy += performance.now() - t0; }
const oneThread = sample.length / (busy / 1000);
console.log(`  dmflow integration time only, one thread: ${oneThread.toFixed(0)} integrations/s (${(busy / sample.length * 1000).toFixed(0)} us each)`);
if (vsScipy) {
  // scipy one process; a sample of 10 trials per cell gives its throughput.
  const cells = expandCells(fig1Sweep).filter((c) => (c.cell.trial as number) < 10);
  const ref = scipyRun(cells.map((c) => instanceOf(buildProblem(c.spec))));
  if (!ref) console.log('  scipy: python3 with scipy not found, skipped');
  else {
    const theirs = ref.length / ref.reduce((a, r) => a + r.wall, 0);
    console.log(`  scipy RK45: ${ref.length} integrations, ${theirs.toFixed(1)} integrations/s (integration time only, one process)`);
    console.log(`  ratio dmflow sweep (end to end, all cores) / scipy: ${(ours / theirs).toFixed(0)}x`);
    console.log(`  ratio dmflow sweep with 3000 trials (end to end, all cores) / scipy: ${(bigRate / theirs).toFixed(0)}x`);
    console.log(`  ratio dmflow / scipy, integration time only, one thread each: ${(oneThread / theirs).toFixed(0)}x`);
  }
}

for (const [name, spec] of Object.entries(largeSpecs)) {
  if (skip100 && name.startsWith('100')) continue;
  console.log(`\n${name}: ${JSON.stringify(spec.observed)}, depth 3, std ${spec.init.std}, rtol 1e-6, to loss 1e-9`);
  const rows: [string, { wall: number; nfev: number; steps: number; effectiveRank: number; reconstructionError: number | null; status?: string }][] = [];
  for (const method of ['dopri5', 'auto'] as const) rows.push([`dmflow ${method === 'auto' ? 'auto*' : method}`, runLarge(spec, method)]);
  if (vsScipy) {
    const ref = scipyRun([instanceOf(buildProblem(spec))]);
    if (ref) rows.push(['scipy RK45', ref[0]]); else console.log('  scipy: python3 with scipy not found, skipped');
  }
  for (const [who, r] of rows) {
    console.log(`  ${who.padEnd(14)} wall ${r.wall.toFixed(1).padStart(7)} s  nfev ${String(r.nfev).padStart(7)}  steps ${String(r.steps).padStart(6)}  erank ${r.effectiveRank.toPrecision(3)}  rec.err ${r.reconstructionError?.toPrecision(3)}${r.status ? `  (${r.status})` : ''}`);
  }
  const sc = rows.find(([w]) => w === 'scipy RK45');
  if (sc) for (const [who, r] of rows.slice(0, 2)) console.log(`  ${who} vs scipy: ${(sc[1].wall / r.wall).toFixed(2)}x wall, ${(sc[1].nfev / r.nfev).toFixed(2)}x fewer evaluations`);
  console.log('  (* auto is the default method: a spec without solver.method runs it)');
}

if (vsTorch) benchVsTorch();
