// npm run bench [-- --seed k] [-- --skip-100] [-- --ratios-only] [-- --startup-only]
// Prints figures, asserts nothing. Ends with the ratios of issue 29 on two
// instance families side by side (its own and one generated from --seed), and
// whether each met its target.

import { availableParallelism, cpus, loadavg } from 'node:os';
import { BLAS_FROM_SIDE, WASM_FROM_SIDE, buildProblem, nativeBlas, runProblem, runProblems, wasmModule, type FieldImpl } from '../src/index.js';
import { UNROLL_LIMIT } from '../src/model/field/unrolledField.js';
import { benchArenstorf } from './arenstorf.js';
import { BIN, cliSweep } from './cliRuns.js';
import { DEFAULT_SEED, generatedFamily, ownFamily } from './families.js';
import { benchFamily, printSummary } from './ratios.js';
import { benchRhs } from './rhs.js';
import { benchStartup, printProfile, printStartup, profileRun } from './startup.js';
import { benchStiffPhase } from './stiffPhase.js';
import { benchBrowser } from './browser.js';
import { breakdown, printBreakdown, writeTinySpec } from './breakdown.js';
import { expandCells, fig1Sweep, ONE_THREAD_TEXT } from './workloads.js';

const USAGE = 'usage: npm run bench [-- --seed k] [-- --skip-100] [-- --ratios-only] [-- --startup-only]';
const args = process.argv.slice(2);
let seed = DEFAULT_SEED;
const flags = new Set<string>();
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seed') {
    const v = args[++i];
    if (v === undefined || !/^\d+$/.test(v)) { console.error(`bench: --seed: expected an integer >= 0, got ${v ?? 'nothing'}\n${USAGE}`); process.exit(2); }
    seed = Number(v);
  } else if (['--skip-100', '--ratios-only', '--startup-only'].includes(args[i])) flags.add(args[i]);
  else { console.error(`bench: unknown argument ${args[i]}\n${USAGE}`); process.exit(2); }
}
const generated = generatedFamily(seed);
const skip100 = flags.has('--skip-100');
const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');
const started = Date.now();
console.log(`dmflow benchmarks: node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, load average ${load()}, ${new Date().toISOString()}\n`);

printStartup(benchStartup());
printProfile(profileRun(5), 5);
if (flags.has('--startup-only')) process.exit(0);

if (!flags.has('--ratios-only')) {
  console.log('\nRight-hand-side evaluations per second (d x d target, 30% observed, hidden width d), by kernel');
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

  console.log('\nFig. 1 sweep (own family), where the time goes');
  const cliBig = cliSweep({ ...fig1Sweep, trials: 10 * fig1Sweep.trials });
  console.log(`  dmflow sweep, 3000 trials (the bin, end to end): ${cliBig.cells} cells in ${cliBig.wall.toFixed(2)} s = ${(cliBig.cells / cliBig.wall).toFixed(0)} cells/s`);
  // Integration time only, one thread: build each problem, then time runProblem alone.
  const sample = expandCells(fig1Sweep).map((c) => buildProblem(c.spec));
  let busy = 0;
  for (const p of sample) { const t0 = performance.now(); runProblem(p); busy += performance.now() - t0; }
  console.log(`  integration and analysis only, one thread, one cell at a time: ${(sample.length / (busy / 1000)).toFixed(0)} cells/s (${(busy / sample.length * 1000).toFixed(0)} us each)`);
  const t0Lanes = performance.now();
  runProblems(sample);
  const lanesRate = sample.length / ((performance.now() - t0Lanes) / 1000);
  console.log(`  integration and analysis only, one thread, ensemble lanes: ${lanesRate.toFixed(0)} cells/s (${(1e6 / lanesRate).toFixed(0)} us each)`);

  benchStiffPhase(skip100);
  await benchBrowser();
}

console.log(`\nRatios of issue 29, on two instance families. dmflow: \`node ${BIN.replace(/^.*\/(dist\/)/, '$1')}\` (the package's bin, no npx) on a spec or sweep file, timed end to end, start-up included; its native kernel uses one BLAS thread.`);
console.log(`The peers run with one BLAS thread too (${ONE_THREAD_TEXT} in their environment; torch also torch.set_num_threads(1)) and are timed on their integration or descent loop alone: scipy's solve_ivp RK45 with a numpy vector field (bench/scipy_flow.py), PyTorch full-batch GD with autograd in float64 (bench/torch_gd.py).`);
const results = [ownFamily, generated].map((f) => benchFamily(f, { skip100 }));
printSummary([ownFamily, generated], results);
// Where the large runs' time goes, for the rows whose targets are missed (bench/breakdown.ts).
console.log(`\nWhere a large run's time goes (generated family, --seed ${seed}; median of 3)`);
const tiny = writeTinySpec();
printBreakdown(breakdown('50x50 rank 3, depth 3 (auto, rtol 1e-6, lossTol 1e-9)', generated.run50, 3, tiny));
if (!skip100) printBreakdown(breakdown('100x100 rank 5, depth 3 (auto, rtol 1e-6, lossTol 1e-9)', generated.run100, 3, tiny));
console.log(`\n(${((Date.now() - started) / 60000).toFixed(1)} min; load average at the end ${load()})`);
