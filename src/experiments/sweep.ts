// Sweeps: a base spec, a grid of dotted-path substitutions and a number of
// trials. Cells run on worker threads and append one JSON line each to the
// results file as soon as they finish, so a killed sweep resumes where it
// stopped: cells already in the file are skipped, and a half-written last
// line is cut away. The results file starts with a header naming the sweep
// (resultsFile.ts), is locked while a sweep writes it (fileLock.ts), and is
// read line by line (lineReader.ts), so its size does not matter.

import { closeSync, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { InputError } from '../model/errors.js';
import { buildProblem } from '../model/problem.js';
import { canonical } from './canonical.js';
import { checkSeeds, computeCells, expandCells, parseSweep, type Cell, type CellResult, type SweepFile, type SweepSpec } from './cells.js';
import { lockFile } from './fileLock.js';
import { checkHeader, checkNotInput, prepareForAppend } from './resultsFile.js';
import { runPool } from './workerPool.js';

export { canonical } from './canonical.js';
export { checkNotInput } from './resultsFile.js';
export {
  sweepSchema, parseSweep, checkGridKey, setPath, shiftSeeds, trialSpec, expandCells, checkSeeds, cellResult, computeCells, TRIAL_SEEDS,
  type SweepSpec, type SweepFile, type TrialSeeds, type Cell, type CellResult, type SweepLine,
} from './cells.js';
export { parseShard, shardFromEnv } from './shard.js';

/** Files a sweep reads: the sweep itself and warm-start results. --out must be none of them. */
function inputFiles(cells: readonly Cell[], baseDir: string | undefined): string[] {
  const paths = new Set<string>();
  for (const c of cells) {
    const init = c.spec.init as { kind?: unknown; path?: unknown } | undefined;
    if (init?.kind === 'from-result' && typeof init.path === 'string') paths.add(resolve(baseDir ?? process.cwd(), init.path));
  }
  return [...paths];
}

export interface SweepOptions {
  out: string;
  /** Threads computing cells: this one plus workers - 1 worker threads (default: one per core); 1 runs here only. */
  workers?: number;
  shard?: { index: number; count: number };
  /** Directory for relative paths in specs. */
  baseDir?: string;
  /** Worker entry script (a file URL or path); required for workers > 1. */
  workerScript?: string | URL;
  /** Start workers only when the rest of the sweep is estimated to take longer than this (default 2 s; 0: always). */
  workersAfterSeconds?: number;
  /** Called after every finished cell: cells done (including those already in the file), all cells, cells run by this call. */
  onCell?: (done: number, total: number, ran: number) => void;
  /** Files the sweep was read from (the sweep file): --out may not be one of them. */
  inputs?: string[];
  /** Chunk size for reading the results file (tests use a small one). */
  readChunkBytes?: number;
}

export interface SweepSummary {
  cells: number;
  skipped: number;
  ran: number;
  /** Of those, cells computed on worker threads. */
  onWorkers: number;
  /** Pid of a killed sweep whose stale lock on --out was taken over, if any. */
  staleLockOf: number | null;
  /** Cells (of this shard: those already in the file and those run now) by the status they ended on. */
  statuses: Record<string, number>;
}

/**
 * The sweep's closing line: cells by status (converged first, then the others
 * by name), and how many ran now and how many were already in the file.
 */
export function sweepLine(summary: SweepSummary, out: string, shard?: { index: number; count: number }): string {
  const byStatus = Object.entries(summary.statuses)
    .sort(([a], [b]) => (a === 'converged' ? -1 : b === 'converged' ? 1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([status, n]) => `${n} ${status}`);
  const statuses = byStatus.length > 0 ? byStatus.join(', ') : 'none';
  const of = shard && shard.count > 1 ? ` of shard ${shard.index}/${shard.count}` : '';
  return `dmflow sweep: ${summary.cells} cells${of}: ${statuses}; ${summary.ran} run now, ${summary.skipped} already in ${out}`;
}

/** Run a sweep (as written, or parsed by parseSweep) into options.out. */
export async function runSweep(input: SweepFile | SweepSpec, options: SweepOptions): Promise<SweepSummary> {
  const sweep = parseSweep(input);
  const all = expandCells(sweep);
  const shard = options.shard ?? { index: 0, count: 1 };
  const mine = all.filter((_, i) => i % shard.count === shard.index);
  checkSeeds(mine);
  // Validate before any work, so a typo in the grid fails at once. Trials only
  // shift integer seeds (checked above), which cannot make a spec invalid, so
  // trial 0 of every grid point stands for all its trials.
  for (const c of mine) {
    if (c.cell.trial !== 0 && sweep.trials > 1) continue;
    try {
      buildProblem(c.spec, { baseDir: options.baseDir });
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`sweep cell ${canonical(c.cell)}, ${e.field}`, e.expected);
      throw e;
    }
  }
  checkNotInput(options.out, [...(options.inputs ?? []), ...inputFiles(mine, options.baseDir)]);
  // Read-only test first: a file that is not ours gets not even a lock file next to it.
  checkHeader(options.out, sweep);
  const lock = lockFile(options.out);
  try {
    const done = prepareForAppend(options.out, sweep, new Set(all.map((c) => c.key)), { chunkBytes: options.readChunkBytes });
    const todo = mine.filter((c) => !done.has(c.key));
    const summary: SweepSummary = { cells: mine.length, skipped: mine.length - todo.length, ran: 0, onWorkers: 0, staleLockOf: lock.tookOverFrom?.pid ?? null, statuses: {} };
    const count = (status: string) => { summary.statuses[status] = (summary.statuses[status] ?? 0) + 1; };
    for (const c of mine) { const status = done.get(c.key); if (status !== undefined) count(status); }
    const fd = openSync(options.out, 'a');
    const write = (c: Cell, result: CellResult) => {
      // One write per line: a line reaches the file whole or, if the process
      // dies inside the call, as a tail that the next run cuts off.
      writeSync(fd, JSON.stringify({ cell: c.cell, result }) + '\n');
      count(result.status);
      summary.ran++;
      options.onCell?.(summary.skipped + summary.ran, summary.cells, summary.ran);
    };
    try {
      const threads = Math.max(1, Math.min(options.workers ?? availableParallelism(), availableParallelism(), todo.length));
      if (threads <= 1 || !options.workerScript) {
        // One stream: the lanes stay full until the last cells.
        computeCells(todo, options.baseDir, write);
      } else {
        // This thread computes too, so nothing waits for the workers to start:
        // a small sweep runs here alone, a large one gets every core.
        summary.onWorkers = await runPool({
          specs: todo.map((c) => c.spec), work: { kind: 'cells' }, threads, workerScript: options.workerScript, baseDir: options.baseDir,
          maxBatch: CHUNK, workersAfterSeconds: options.workersAfterSeconds, serves: 'sweep',
          onResult: (i, result) => { write(todo[i], result); },
        });
      }
    } finally {
      closeSync(fd);
    }
    return summary;
  } finally {
    lock.release();
  }
}

/**
 * Cells computed together by a thread of the pool (in the lanes of the
 * ensemble integrator where they share a shape, ensembleRun.ts), between
 * looks at the workers' messages: many times the lanes, so that the lanes run
 * full most of the time, and a few tens of milliseconds of work for 2x2 cells.
 */
export const CHUNK = 512;
