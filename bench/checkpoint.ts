// npx tsx bench/checkpoint.ts: what checkpoints cost on the 50x50 depth-3 run
// (bench/workloads.ts). Prints figures, asserts nothing; on a shared machine
// the run times are noisy, the per-write cost less so.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeJson, writeCheckpoint } from '../src/experiments/checkpoint.js';
import { buildProblem, gradientField, runProblem, solveIvp, type SolveState } from '../src/index.js';
import { largeSpecs } from './workloads.js';

const spec = largeSpecs['50x50 rank 3'];
const dir = mkdtempSync(join(tmpdir(), 'dmflow-bench-ckpt-'));
const problem = buildProblem(spec);

// One write: the state of a dopri5 integration of this problem, as runPasses.ts writes it.
const field = gradientField(problem);
let state: SolveState | null = null;
solveIvp(field.rhs, [0, 1], problem.y0, { rtol: 1e-6, atol: 1e-9, checkpoint: { due: () => true, save: (s) => { state = s; } } });
const record = { finished: [], current: { state: state!, stopRule: { stiffLosses: [] } } };
const reps = 50;
let t0 = performance.now();
for (let i = 0; i < reps; i++) writeCheckpoint(join(dir, 'w.ckpt'), 'bench', record);
const perWrite = (performance.now() - t0) / reps;
console.log(`50x50 depth 3 (${problem.y0.length} unknowns): one checkpoint ${(encodeJson(record).length / 1024).toFixed(0)} kB, ${perWrite.toFixed(2)} ms to encode, write, fsync and rename`);

// Whole runs, alternating without and with checkpoints.
const modes: [string, number | null][] = [['none', null], ['every 30 s (default)', 30_000], ['every 1 s', 1000], ['every 100 ms', 100]];
const best = new Map<string, number>();
for (let rep = 0; rep < 2; rep++) {
  for (const [name, everyMs] of modes) {
    const path = join(dir, `run-${rep}-${name.replace(/\W+/g, '')}.ckpt`);
    t0 = performance.now();
    runProblem(buildProblem(spec), everyMs === null ? {} : { checkpoint: { path, everyMs } });
    const s = (performance.now() - t0) / 1000;
    best.set(name, Math.min(best.get(name) ?? Infinity, s));
  }
}
for (const [name] of modes) console.log(`  run, checkpoints ${name.padEnd(22)} ${best.get(name)!.toFixed(2)} s (best of 2)`);
rmSync(dir, { recursive: true, force: true });
