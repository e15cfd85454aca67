// A results file above 600 MB (issue 18: 1300 cells saving 5000 sample times
// each), summarized and resumed by the CLI under /usr/bin/time -v: wall time
// and peak resident memory of the dmflow process. Prints figures, asserts nothing.
//   npx tsx bench/largeResults.ts [--dir /tmp/x] [--bin path/to/another/dmflow/bin.js]
// --bin measures another dmflow (e.g. an older checkout) on the same file,
// without its header line (the format older versions wrote).

import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellResult, expandCells, parseSweep, resultsHeader, run } from '../src/index.js';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const dir = opt('--dir') ?? mkdtempSync(join(tmpdir(), 'dmflow-large-'));
const otherBin = opt('--bin');
// The built command (npm run build), as users run it.
const BIN = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));

const base = { target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 } };
const sweepValue = { base, grid: { depth: [2, 3, 4, 5], 'init.productScale': [0.1, 0.03, 0.01, 0.003, 0.001] }, trials: 65 };
const sweep = parseSweep(sweepValue);
const cells = expandCells(sweep);
const SAMPLES = 5000;
const MISSING = 3; // cells left out, so that the resume has work to do

const sweepFile = join(dir, 'sweep.json');
writeFileSync(sweepFile, JSON.stringify(sweepValue));
const results = join(dir, 'large.jsonl');
const legacy = join(dir, 'large-legacy.jsonl');

function generate(): void {
  // A real result per grid point, with a synthetic trajectory of SAMPLES times
  // (the shape `save.times` gives; computing 1300 real ones is not the point here).
  const real = new Map<string, ReturnType<typeof cellResult>>();
  const fds = [openSync(results, 'w'), openSync(legacy, 'w')];
  writeSync(fds[0], JSON.stringify(resultsHeader(sweep)) + '\n');
  for (const c of cells.slice(0, cells.length - MISSING)) {
    const gridKey = JSON.stringify({ ...c.cell, trial: 0 });
    if (!real.has(gridKey)) real.set(gridKey, cellResult(run(c.spec)));
    const r = real.get(gridKey)!;
    const trajectory = Array.from({ length: SAMPLES }, (_, k) => {
      const t = (r.t * (k + 1)) / SAMPLES;
      return { t, loss: r.loss * Math.exp(SAMPLES / (k + 1) / 100), singularValues: r.singularValues.map((s) => s * (1 - Math.exp(-t))) };
    });
    const line = JSON.stringify({ cell: c.cell, result: { ...r, trajectory } }) + '\n';
    for (const fd of fds) writeSync(fd, line);
  }
  // As if killed while writing the next cell.
  for (const fd of fds) { writeSync(fd, '{"cell":{"depth":5,"init.productScale":0.001,"trial":6'); closeSync(fd); }
}

interface Measure { seconds: number; peakMB: number; status: number | null; stderr: string }

function timed(bin: string, cliArgs: string[]): Measure {
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, bin, ...cliArgs], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const field = (re: RegExp) => re.exec(r.stderr)?.[1] ?? '';
  const wall = field(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/).split(':').map(Number).reduce((a, x) => a * 60 + x, 0);
  const peakMB = Number(field(/Maximum resident set size \(kbytes\): (\d+)/)) / 1024;
  const own = r.stderr.split('\n').filter((l) => l.startsWith('dmflow')).join(' | ');
  return { seconds: wall, peakMB, status: r.status, stderr: own || `(${r.stdout.split('\n').filter(Boolean).length} lines of CSV)` };
}

const show = (what: string, m: Measure) => console.log(`  ${what.padEnd(44)} ${m.seconds.toFixed(1).padStart(6)} s  ${m.peakMB.toFixed(0).padStart(6)} MB peak  exit ${m.status}  ${m.stderr.slice(0, 160)}`);

console.log(`dmflow large results files: ${cells.length} cells x ${SAMPLES} sample times, in ${dir}`);
const t0 = performance.now();
generate();
console.log(`  generated ${(statSync(results).size / 2 ** 20).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s (${cells.length - MISSING} cells and a half-written line)`);

const bins: Array<[string, string, string]> = [['this dmflow', BIN, results]];
if (otherBin) bins.push([`dmflow at ${otherBin}`, otherBin, legacy]);
for (const [name, bin, file] of bins) {
  console.log(name);
  show('summarize', timed(bin, ['summarize', file, '--by', 'depth,init.productScale']));
  show(`sweep (resume: cut tail, run ${MISSING} cells)`, timed(bin, ['sweep', sweepFile, '--out', file, '--workers', '1']));
  show('summarize after the resume', timed(bin, ['summarize', file, '--by', 'depth,init.productScale']));
  if (bin === BIN) show('merge (the file as its only shard)', timed(bin, ['merge', '--sweep', sweepFile, '--out', join(dir, 'merged.jsonl'), file]));
}
