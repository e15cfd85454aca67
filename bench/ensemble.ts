// The Fig. 1 sweep (bench/workloads.ts fig1Sweep) with the ensemble lanes on
// and off (DMFLOW_ENSEMBLE=0): end to end through the built command (start-up
// included, 300 and 3000 trials, --workers 1 and the default), and in-process
// (runProblems against runProblem, integration and analysis, no spec parsing);
// with --vs-scipy, scipy RK45's rate on a sample of the same instances and the
// ratios. Prints figures, asserts nothing (the equality is test/ensemble.test.ts).
//   npm run build && npx tsx bench/ensemble.ts [--vs-scipy] [--reps 3] [--skip-big]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProblem, wasmModule } from '../src/index.js';
import { runProblems } from '../src/experiments/ensembleRun.js';
import { runProblem } from '../src/experiments/run.js';
import { expandCells, fig1Sweep, instanceOf, scipyRun } from './workloads.js';

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1]) || 3;
const BIN = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dmflow-ensemble-bench-'));
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, wasm ${wasmModule ? 'loaded' : 'absent'}`);
console.log(`Fig. 1 sweep (${JSON.stringify(fig1Sweep.grid)}, rtol 1e-8, atol 1e-11, lossTol 1e-12); best of ${reps} runs each\n`);

/** Best wall time of `dmflow sweep` on a sweep file (a fresh results file each time). */
function sweepWall(trials: number, env: Record<string, string>, workers: string[]): number {
  const file = join(dir, `fig1-${trials}.json`);
  writeFileSync(file, JSON.stringify({ base: fig1Sweep.base, grid: fig1Sweep.grid, trials }));
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const out = join(dir, 'out.jsonl');
    rmSync(out, { force: true });
    const t = performance.now();
    const p = spawnSync(process.execPath, [BIN, 'sweep', file, '--out', out, ...workers], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const wall = (performance.now() - t) / 1000;
    if (p.status !== 0) throw new Error(`dmflow sweep failed: ${p.stderr}`);
    best = Math.min(best, wall);
  }
  return best;
}

const endToEnd: Record<string, number> = {};
const rows: [string, number, Record<string, string>, string[]][] = [];
for (const trials of args.includes('--skip-big') ? [300] : [300, 3000]) {
  rows.push([`${9 * trials} cells, --workers 1, ensemble on `, trials, {}, ['--workers', '1']]);
  rows.push([`${9 * trials} cells, --workers 1, ensemble off`, trials, { DMFLOW_ENSEMBLE: '0' }, ['--workers', '1']]);
  rows.push([`${9 * trials} cells, default workers, ensemble on `, trials, {}, []]);
  rows.push([`${9 * trials} cells, default workers, ensemble off`, trials, { DMFLOW_ENSEMBLE: '0' }, []]);
}
console.log('dmflow sweep end to end (node start-up, spec parsing, analysis, results file included):');
for (const [name, trials, env, workers] of rows) {
  const wall = sweepWall(trials, env, workers);
  endToEnd[name] = (9 * trials) / wall;
  console.log(`  ${name}: ${wall.toFixed(2)} s = ${endToEnd[name].toFixed(0)} integrations/s`);
}

// In-process, one thread: the problems built first, then integration and analysis timed.
const problems = expandCells(fig1Sweep).map((c) => buildProblem(c.spec));
runProblems(problems.slice(0, 300)); problems.slice(0, 300).forEach((p) => runProblem(p)); // warm-up
let alone = Infinity, lanes = Infinity;
for (let r = 0; r < reps; r++) {
  let t = performance.now(); problems.forEach((p) => runProblem(p)); alone = Math.min(alone, (performance.now() - t) / 1000);
  t = performance.now(); runProblems(problems); lanes = Math.min(lanes, (performance.now() - t) / 1000);
}
console.log(`\nin-process, one thread, ${problems.length} runs (integration, stop rules, analysis; no spec parsing):`);
console.log(`  one at a time: ${(problems.length / alone).toFixed(0)}/s (${(1e6 * alone / problems.length).toFixed(0)} us each)`);
console.log(`  ensemble lanes: ${(problems.length / lanes).toFixed(0)}/s (${(1e6 * lanes / problems.length).toFixed(0)} us each), ${(alone / lanes).toFixed(2)}x`);

if (args.includes('--vs-scipy')) {
  const sample = expandCells(fig1Sweep).filter((c) => (c.cell.trial as number) < 10);
  const ref = scipyRun(sample.map((c) => instanceOf(buildProblem(c.spec))));
  if (!ref) console.log('\nscipy: python3 with scipy not found, skipped');
  else {
    const theirs = ref.length / ref.reduce((a, r) => a + r.wall, 0);
    console.log(`\nscipy RK45 (bench/scipy_flow.py): ${ref.length} integrations, ${theirs.toFixed(1)}/s (integration time only, one process)`);
    for (const [name, rate] of Object.entries(endToEnd)) console.log(`  ${name}: ${(rate / theirs).toFixed(0)}x scipy`);
    console.log(`  in-process lanes: ${(problems.length / lanes / theirs).toFixed(0)}x scipy; one at a time: ${(problems.length / alone / theirs).toFixed(0)}x`);
  }
}
rmSync(dir, { recursive: true, force: true });
