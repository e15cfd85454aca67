// What a user times: the built `dmflow` bin (package.json's "bin") run as a
// child process with node, no npx: start-up, spec parsing, integration,
// analysis and output included. The Fig. 1 sweep and the large runs of the
// bench's ratios are measured this way.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SweepSpec } from '../src/index.js';

const root = new URL('..', import.meta.url);
/** The file package.json's "bin" names: what `dmflow` runs once installed. */
export const BIN = fileURLToPath(new URL((JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { bin: { dmflow: string } }).bin.dmflow, root));

/** `dmflow <args>` through the package's bin: wall time in seconds and stdout; throws on a non-zero exit. */
export function timed(args: string[]): { wall: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
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

export interface CliRun { wall: number; nfev: number; steps: number; effectiveRank: number; reconstructionError: number | null; status: string; matrix: number[][] }

/** `dmflow run spec.json`: wall time, the printed result's counters and its end-to-end matrix. */
export function cliRun(spec: object): CliRun {
  const file = join(mkdtempSync(join(tmpdir(), 'dmflow-bench-')), 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const { wall, stdout } = timed(['run', file]);
  const r = JSON.parse(stdout) as Omit<CliRun, 'wall'>;
  return { wall, nfev: r.nfev, steps: r.steps, effectiveRank: r.effectiveRank, reconstructionError: r.reconstructionError, status: r.status, matrix: r.matrix };
}
