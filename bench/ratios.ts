// The bench's ratios against the peers (issue 29's table), on one instance
// family (bench/families.ts): four rows, each dmflow timed as a user runs it
// (the bin, start-up included) against scipy's RK45 or PyTorch's gradient
// descent timed on their integration / descent loop alone. Prints what it
// measures as it goes and returns the rows for the side-by-side summary.

import { buildProblem, expandCells, runProblem } from '../src/index.js';
import { cliRun, cliSweep, type CliRun } from './cliRuns.js';
import type { Family, RunSpec } from './families.js';
import { relativeDistance, torchAvailable, torchGd } from './vsTorch.js';
import { instanceOf, scipyRun } from './workloads.js';

export interface Row {
  /** The figures the summary prints for this family; null when the peer was not available. */
  text: string | null;
  ratio: number | null;
}

export interface FamilyRatios {
  scipy50: Row;
  torchDefault: Row;
  torchLoose: Row;
  fig1: Row;
  run100: Row;
  /** cells / s of the Fig. 1 sweep if its cells cost nothing: its cell count over a one-cell sweep's wall time. */
  fig1Ceiling: { cellsPerSecond: number; oneCell: number; vsScipy: number | null } | null;
}

const LR = 0.003;
/** Enough for lr 0.003 (about 80,000 steps to loss 1e-9 on these instances) with room to spare. */
const MAX_STEPS = 400_000;
/** The flow's limit: dmflow at this rtol (atol = rtol / 1000), in process (not timed). */
const LIMIT_RTOL = 1e-10;
/** Scanned from loose to tight through the bin; atol = rtol / 1000 as in the families' specs. */
const SCAN_RTOLS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];
/** Scipy's Fig. 1 throughput from the first 10 trials of every cell (90 integrations). */
const SCIPY_TRIALS = 10;
const ONE_CELL_REPEATS = 5;

const s = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} s`;
const x = (r: number) => `${r.toFixed(1)}x`;
const runLine = (who: string, r: { wall: number; nfev: number; effectiveRank: number; reconstructionError: number | null; status?: string | number }) =>
  `    ${who.padEnd(34)} ${s(r.wall).padStart(8)}  nfev ${String(r.nfev).padStart(7)}  erank ${r.effectiveRank.toFixed(3)}  rec.err ${r.reconstructionError?.toPrecision(3)}  (${r.status})`;

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function withRtol(spec: RunSpec, rtol: number): RunSpec {
  return { ...spec, solver: { ...spec.solver, rtol, atol: rtol * 1e-3 } };
}

/** A large run through the bin against scipy's RK45 on the identical instance. */
function vsScipy(label: string, spec: RunSpec, skipScipy: boolean): { row: Row; dmflow: CliRun } {
  console.log(`  ${label}`);
  const dmflow = cliRun(spec);
  console.log(runLine('dmflow run (the bin, end to end)', dmflow));
  if (skipScipy) return { row: { text: null, ratio: null }, dmflow };
  const ref = scipyRun([instanceOf(buildProblem(spec))]);
  if (!ref) {
    console.log('    scipy: python3 with numpy and scipy not found, skipped');
    return { row: { text: null, ratio: null }, dmflow };
  }
  console.log(runLine('scipy RK45 (integration only)', ref[0]));
  const ratio = ref[0].wall / dmflow.wall;
  return { row: { text: `${s(dmflow.wall)} vs ${s(ref[0].wall)}: ${x(ratio)}`, ratio }, dmflow };
}

/** dmflow against PyTorch GD at lr 0.003 on the 50x50 instance: at default settings, and at the loosest rtol at least as close to the flow's limit as GD. */
function vsTorch(spec: RunSpec, dflt: CliRun): { torchDefault: Row; torchLoose: Row } {
  const none = { torchDefault: { text: null, ratio: null }, torchLoose: { text: null, ratio: null } };
  console.log(`  50x50 against PyTorch full-batch GD at lr ${LR} (float64, one thread, loop time only)`);
  if (!torchAvailable()) {
    console.log('    torch: /usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch), skipped');
    return none;
  }
  const p = buildProblem({ ...withRtol(spec, LIMIT_RTOL), solver: { ...withRtol(spec, LIMIT_RTOL).solver, method: 'auto' } });
  const limit = runProblem(p);
  const gd = torchGd(instanceOf(buildProblem(spec)), [LR], MAX_STEPS)[0];
  const gdDist = relativeDistance(gd.matrix, limit.matrix);
  console.log(`    the flow's limit: dmflow auto at rtol ${LIMIT_RTOL.toExponential(0)} (in process): nfev ${limit.nfev}, erank ${limit.effectiveRank.toFixed(3)} (${limit.status})`);
  console.log(`    GD: ${s(gd.wall)}, ${gd.steps} steps, loss ${gd.loss.toExponential(2)}${gd.converged ? '' : ` (step cap ${MAX_STEPS})`}, erank ${gd.effectiveRank.toFixed(3)}, distance from the limit ${gdDist.toExponential(2)}`);
  const dfltDist = relativeDistance(dflt.matrix, limit.matrix);
  console.log(`    dmflow default (rtol ${spec.solver.rtol.toExponential(0)}, the run above): ${s(dflt.wall)}, distance ${dfltDist.toExponential(2)}`);
  const scan = SCAN_RTOLS.map((rtol) => {
    const r = cliRun(withRtol(spec, rtol));
    const dist = relativeDistance(r.matrix, limit.matrix);
    console.log(`    dmflow rtol ${rtol.toExponential(0)} (the bin): ${s(r.wall).padStart(8)}, nfev ${String(r.nfev).padStart(6)}, distance ${dist.toExponential(2)} (${r.status})`);
    return { rtol, wall: r.wall, dist };
  });
  const torchDefault: Row = dfltDist <= gdDist
    ? { text: `${s(dflt.wall)} vs ${s(gd.wall)}: ${x(gd.wall / dflt.wall)}`, ratio: gd.wall / dflt.wall }
    : { text: `default settings farther from the limit than GD (${dfltDist.toExponential(1)} > ${gdDist.toExponential(1)})`, ratio: null };
  // The loosest rtol from which every tighter one is at least as close as GD.
  let k = scan.length;
  while (k > 0 && scan[k - 1].dist <= gdDist) k--;
  if (k === scan.length) {
    console.log(`    no scanned rtol reaches GD's distance ${gdDist.toExponential(2)}`);
    return { torchDefault, torchLoose: { text: 'no scanned rtol as close as GD', ratio: null } };
  }
  const loose = scan[k];
  const ratio = gd.wall / loose.wall;
  console.log(`    loosest rtol at least as close as GD: ${loose.rtol.toExponential(0)} (distance ${loose.dist.toExponential(2)} <= ${gdDist.toExponential(2)}): ${x(ratio)}`);
  return { torchDefault, torchLoose: { text: `rtol ${loose.rtol.toExponential(0)}: ${s(loose.wall)} vs ${s(gd.wall)}: ${x(ratio)}`, ratio } };
}

/** The Fig. 1 sweep end to end through the bin against scipy's throughput, and the ceiling start-up sets. */
function fig1(family: Family, skipScipy: boolean): { row: Row; ceiling: FamilyRatios['fig1Ceiling'] } {
  console.log('  Fig. 1 sweep (2x2, diagonal observed, depths 2-4, productScale 0.1/0.01/0.001, 300 trials, rtol 1e-8, atol 1e-11, lossTol 1e-12)');
  const sweep = cliSweep(family.fig1);
  const rate = sweep.cells / sweep.wall;
  console.log(`    dmflow sweep (the bin, end to end, default workers): ${sweep.cells} cells in ${s(sweep.wall)} = ${rate.toFixed(0)} cells/s`);
  // Start-up bounds the sweep: a one-cell sweep is a process that starts, runs next to nothing and writes its file.
  const oneCellSweep = { base: family.fig1.base, grid: {}, trials: 1 };
  const oneCell = median(Array.from({ length: ONE_CELL_REPEATS }, () => cliSweep(oneCellSweep).wall));
  const ceiling = sweep.cells / oneCell;
  console.log(`    start-up ceiling: a one-cell sweep takes ${s(oneCell)} (median of ${ONE_CELL_REPEATS}), so ${sweep.cells} cells cannot go faster than ${ceiling.toFixed(0)} cells/s even if their integrations cost nothing`);
  if (skipScipy) return { row: { text: null, ratio: null }, ceiling: { cellsPerSecond: ceiling, oneCell, vsScipy: null } };
  const cells = expandCells(family.fig1).filter((c) => (c.cell.trial as number) < SCIPY_TRIALS);
  const ref = scipyRun(cells.map((c) => instanceOf(buildProblem(c.spec))));
  if (!ref) {
    console.log('    scipy: python3 with numpy and scipy not found, skipped');
    return { row: { text: null, ratio: null }, ceiling: { cellsPerSecond: ceiling, oneCell, vsScipy: null } };
  }
  const theirs = ref.length / ref.reduce((a, r) => a + r.wall, 0);
  const ratio = rate / theirs;
  console.log(`    scipy RK45: ${theirs.toFixed(1)} cells/s (integration time only, one process, the first ${SCIPY_TRIALS} trials of each cell: ${ref.length} integrations)`);
  console.log(`    ratio ${x(ratio)}; the start-up ceiling is ${x(ceiling / theirs)} scipy`);
  return { row: { text: `${rate.toFixed(0)} vs ${theirs.toFixed(1)} cells/s: ${x(ratio)}`, ratio }, ceiling: { cellsPerSecond: ceiling, oneCell, vsScipy: ceiling / theirs } };
}

export function benchFamily(family: Family, options: { skip100: boolean; skipScipy?: boolean }): FamilyRatios {
  console.log(`\nInstance family: ${family.name}`);
  for (const line of family.recipe) console.log(`  ${line}`);
  const skipScipy = options.skipScipy ?? false;
  const r50 = vsScipy('50x50 rank 3, 600 observed, depth 3, std 0.05, rtol 1e-6, to loss 1e-9, default settings (auto)', family.run50, skipScipy);
  const torch = vsTorch(family.run50, r50.dmflow);
  const f1 = fig1(family, skipScipy);
  const run100 = options.skip100
    ? { text: 'skipped (--skip-100)', ratio: null }
    : vsScipy('100x100 rank 5, 2000 observed, depth 3, std 0.03, rtol 1e-6, to loss 1e-9, default settings (auto)', family.run100, skipScipy).row;
  return { scipy50: r50.row, ...torch, fig1: f1.row, run100, fig1Ceiling: f1.ceiling };
}

export const ROWS: { key: keyof Omit<FamilyRatios, 'fig1Ceiling'>; what: string; goal: number }[] = [
  { key: 'scipy50', what: '50x50 default vs scipy RK45', goal: 20 },
  { key: 'torchDefault', what: '50x50 default vs PyTorch GD lr 0.003', goal: 20 },
  { key: 'torchLoose', what: '50x50 loosest rtol closer than GD vs GD', goal: 100 },
  { key: 'fig1', what: 'Fig. 1 sweep (2700 cells) vs scipy RK45', goal: 200 },
  { key: 'run100', what: '100x100 default vs scipy RK45', goal: 60 },
];

/** The families' rows side by side, with the targets and whether each ratio met its target. */
export function printSummary(families: Family[], results: FamilyRatios[]): void {
  const cell = (r: FamilyRatios, row: (typeof ROWS)[number]) => {
    const c = r[row.key];
    if (c.text === null) return 'peer not available';
    return `${c.text}${c.ratio === null ? '' : c.ratio >= row.goal ? ' met' : ' MISSED'}`;
  };
  const ceiling = (r: FamilyRatios) => r.fig1Ceiling === null ? '-' : `${r.fig1Ceiling.cellsPerSecond.toFixed(0)} cells/s${r.fig1Ceiling.vsScipy === null ? '' : ` = ${x(r.fig1Ceiling.vsScipy)} scipy`}`;
  const table = [
    ['workload', ...families.map((f) => f.name), 'target'],
    ...ROWS.map((row) => [row.what, ...results.map((r) => cell(r, row)), `>= ${row.goal}x`]),
    ['Fig. 1 ceiling set by start-up', ...results.map(ceiling), '(cells costing nothing)'],
  ];
  const widths = table[0].map((_, j) => Math.max(...table.map((line) => line[j].length)) + 2);
  console.log('\nRatios, side by side (peer time / dmflow time; dmflow end to end through the bin, the peers on their loop alone)');
  for (const line of table) console.log(`  ${line.map((c, j) => c.padEnd(widths[j])).join('').trimEnd()}`);
}
