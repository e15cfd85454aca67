// What a user times: the built `dmflow` bin run as a child process, start-up,
// spec parsing, integration, analysis and output included. The Fig. 1 sweep
// and the large runs of issue 14's targets are measured this way.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SweepSpec } from '../src/index.js';

const bin = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));

function timed(args: string[]): { wall: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`dmflow ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wall, stdout: r.stdout };
}

/** `dmflow sweep` on a fresh results file; wall time of the whole process and the cells it wrote. */
export function cliSweep(sweep: SweepSpec): { wall: number; cells: number } {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-bench-'));
  const file = join(dir, 'sweep.json');
  const out = join(dir, 'out.jsonl');
  writeFileSync(file, JSON.stringify(sweep));
  const { wall } = timed(['sweep', file, '--out', out]);
  // The header line is not a cell.
  const cells = readFileSync(out, 'utf8').trim().split('\n').length - 1;
  return { wall, cells };
}

/** `dmflow run spec.json`: wall time and the printed result's counters. */
export function cliRun(spec: object): { wall: number; nfev: number; steps: number; effectiveRank: number; reconstructionError: number | null; status: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'dmflow-bench-')), 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const { wall, stdout } = timed(['run', file]);
  const r = JSON.parse(stdout) as { nfev: number; steps: number; effectiveRank: number; reconstructionError: number | null; status: string };
  return { wall, nfev: r.nfev, steps: r.steps, effectiveRank: r.effectiveRank, reconstructionError: r.reconstructionError, status: r.status };
}
