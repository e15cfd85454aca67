// npm run bench [-- --vs-scipy] [-- --vs-torch] [-- --skip-100] [-- --startup-only]: prints figures, asserts nothing.
// Ends with the targets of issue 14 and whether this run met them.

import { availableParallelism, cpus } from 'node:os';
import { BLAS_FROM_SIDE, UNROLL_LIMIT, WASM_FROM_SIDE, buildProblem, nativeBlas, runProblem, runProblems, wasmModule, type FieldImpl } from '../src/index.js';
import { benchArenstorf } from './arenstorf.js';
import { cliRun, cliSweep } from './cliRuns.js';
import { benchRhs } from './rhs.js';
import { benchVsTorch } from './vsTorch.js';
import { benchStartup } from './startup.js';
import { benchStiffPhase } from './stiffPhase.js';
import { benchBrowser } from './browser.js';
import { expandCells, fig1Sweep, instanceOf, largeSpecs, runLarge, scipyRun } from './workloads.js';

const args = process.argv.slice(2);
const targets: { what: string; ratio: number; goal: number }[] = [];
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

console.log('Right-hand-side evaluations per second (d x d target, 30% observed, hidden width d), by code path of the field');
console.log(`(auto picks: blas from side ${BLAS_FROM_SIDE} when built${nativeBlas ? '' : ' - NOT BUILT here'}, else wasm from side ${WASM_FROM_SIDE}, unrolled up to ${UNROLL_LIMIT} multiply-adds, else typescript)`);
const kernels: FieldImpl[] = ['typescript', 'unrolled', ...(nativeBlas ? ['blas' as const] : []), ...(wasmModule ? ['wasm' as const] : [])];
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
// End to end as a user runs it: the built bin on a sweep file, process start-up and the JSONL file included.
const cli = cliSweep(fig1Sweep);
const ours = cli.cells / cli.wall;
console.log(`  dmflow sweep (the built bin, end to end): ${cli.cells} integrations in ${cli.wall.toFixed(2)} s = ${ours.toFixed(0)} integrations/s`);
const cliBig = cliSweep({ ...fig1Sweep, trials: 10 * fig1Sweep.trials });
const bigRate = cliBig.cells / cliBig.wall;
console.log(`  dmflow sweep, 3000 trials (the built bin, end to end): ${cliBig.cells} integrations in ${cliBig.wall.toFixed(2)} s = ${bigRate.toFixed(0)} integrations/s`);
// Integration time only, one thread, as scipy is timed below: build each problem, then time runProblem alone.
const sample = expandCells(fig1Sweep).map((c) => buildProblem(c.spec));
let busy = 0;
for (const p of sample) { const t0 = performance.now(); runProblem(p); busy += performance.now() - t0; }
const oneThread = sample.length / (busy / 1000);
console.log(`  dmflow integration time only, one thread, one cell at a time: ${oneThread.toFixed(0)} integrations/s (${(busy / sample.length * 1000).toFixed(0)} us each)`);
// The same cells through the ensemble lanes (what a sweep of one shape uses), integration and analysis only.
const t0Lanes = performance.now();
runProblems(sample);
const lanesRate = sample.length / ((performance.now() - t0Lanes) / 1000);
console.log(`  dmflow integration time only, one thread, ensemble lanes: ${lanesRate.toFixed(0)} integrations/s (${(1e6 / lanesRate).toFixed(0)} us each)`);
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
    console.log(`  ratio dmflow / scipy, integration time only, one thread each: ${(oneThread / theirs).toFixed(0)}x one cell at a time, ${(lanesRate / theirs).toFixed(0)}x in lanes`);
    targets.push({ what: 'Fig. 1 sweep, 2700 cells, end to end through the bin / scipy RK45', ratio: ours / theirs, goal: 200 });
    targets.push({ what: 'Fig. 1 sweep, 27,000 cells, end to end through the bin / scipy RK45', ratio: bigRate / theirs, goal: 500 });
  }
}

for (const [name, spec] of Object.entries(largeSpecs)) {
  if (skip100 && name.startsWith('100')) continue;
  console.log(`\n${name}: ${JSON.stringify(spec.observed)}, depth 3, std ${spec.init.std}, rtol 1e-6, to loss 1e-9`);
  const rows: [string, { wall: number; nfev: number; steps: number; effectiveRank: number; reconstructionError: number | null; status?: string }][] = [];
  // The default settings (no solver.method: auto) through the built bin, as a user runs them; dopri5 in process for comparison.
  rows.push(['dmflow default', cliRun(spec)]);
  rows.push(['dmflow dopri5', runLarge(spec, 'dopri5')]);
  if (vsScipy) {
    const ref = scipyRun([instanceOf(buildProblem(spec))]);
    if (ref) rows.push(['scipy RK45', ref[0]]); else console.log('  scipy: python3 with scipy not found, skipped');
  }
  for (const [who, r] of rows) {
    console.log(`  ${who.padEnd(14)} wall ${r.wall.toFixed(1).padStart(7)} s  nfev ${String(r.nfev).padStart(7)}  steps ${String(r.steps).padStart(6)}  erank ${r.effectiveRank.toPrecision(3)}  rec.err ${r.reconstructionError?.toPrecision(3)}${r.status ? `  (${r.status})` : ''}`);
  }
  const sc = rows.find(([w]) => w === 'scipy RK45');
  if (sc) for (const [who, r] of rows.slice(0, 2)) console.log(`  ${who} vs scipy: ${(sc[1].wall / r.wall).toFixed(2)}x wall, ${(sc[1].nfev / r.nfev).toFixed(2)}x fewer evaluations`);
  if (sc && name.startsWith('100')) targets.push({ what: '100x100 run, default settings, end to end through the bin / scipy RK45', ratio: sc[1].wall / rows[0][1].wall, goal: 30 });
  console.log('  (dmflow default: the built bin on the spec, which names no method, so auto; start-up included)');
}

benchStiffPhase(skip100);

if (vsTorch) {
  const r = benchVsTorch();
  if (r !== null) targets.push({ what: 'at PyTorch GD lr 0.003 accuracy, torch time / dmflow time', ratio: r, goal: 20 });
}

await benchBrowser();

if (targets.length) {
  console.log('\nTargets of issue 14 (ratios measured above, in this run)');
  for (const t of targets) console.log(`  ${t.what}: ${t.ratio.toFixed(1)}x, goal ${t.goal}x: ${t.ratio >= t.goal ? 'met' : `MISSED by ${(t.goal / t.ratio).toFixed(2)}x`}`);
}
