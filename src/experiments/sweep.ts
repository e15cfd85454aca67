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
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { InputError } from '../model/errors.js';
import { buildProblem } from '../model/problem.js';
import { parseWith, type Spec } from '../model/spec.js';
import { specFieldPaths } from '../model/specPaths.js';
import { lockFile } from './fileLock.js';
import { canonical, checkHeader, checkNotInput, prepareForAppend } from './resultsFile.js';
import { runStream } from './ensembleRun.js';
import { run, type RunResult } from './run.js';
import { WORKER_WORTH_SECONDS, workersWorthStarting } from './workerStart.js';

export { canonical, checkNotInput } from './resultsFile.js';
export { parseShard, shardFromEnv } from './shard.js';

/** What trial k changes: "all" adds k to every seed (target, mask, init); "init" to the init's seed only. */
export const TRIAL_SEEDS = ['all', 'init'] as const;
export type TrialSeeds = (typeof TRIAL_SEEDS)[number];

export const sweepSchema = z.strictObject({
  base: z.record(z.string(), z.unknown()),
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
  trials: z.number().int().positive().default(1),
  /**
   * Optional, "all" when absent (and then left out of the parsed sweep, so
   * that the results files of sweeps written before it keep their hash).
   */
  trialSeeds: z.enum(TRIAL_SEEDS).optional(),
});
/** A validated sweep, defaults filled in (the base spec is checked cell by cell when the sweep runs). */
export type SweepSpec = z.output<typeof sweepSchema>;
/**
 * A sweep as a user writes it: the base is a run spec whose keys the grid
 * may fill in, so every key is optional there, and a misspelled one is a type error.
 */
export type SweepFile = Omit<z.input<typeof sweepSchema>, 'base'> & { base: Partial<Spec> };

export interface Cell {
  /** Grid values by dotted key, and the trial. */
  cell: Record<string, unknown>;
  /** The base with the cell's grid values and trial seeds: a Spec once runSweep has validated it. */
  spec: Spec;
  /** Canonical identity of the cell, for resuming. */
  key: string;
}

export type CellResult = Omit<RunResult, 'matrix' | 'layers'>;

export interface SweepLine {
  cell: Record<string, unknown>;
  result: CellResult;
}

export function parseSweep(value: unknown): SweepSpec {
  const sweep = parseWith(sweepSchema, value, 'sweep');
  for (const key of Object.keys(sweep.grid)) checkGridKey(key);
  // "all" is the default: written or not, the same sweep (and results-file hash).
  if (sweep.trialSeeds === 'all') delete sweep.trialSeeds;
  return sweep;
}

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** A grid key must be one of the spec's own field paths (specPaths.ts). */
export function checkGridKey(key: string): void {
  const field = `sweep.grid[${JSON.stringify(key)}]`;
  const reserved = key.split('.').find((p) => RESERVED.has(p));
  if (reserved !== undefined) throw new InputError(field, `expected a field path of the spec, got the reserved name "${reserved}"`);
  if (!specFieldPaths().has(key)) throw new InputError(field, `expected a field path of the spec such as "depth", "init.productScale" or "solver.rtol", got "${key}", which the spec does not have`);
}

/** Set a dotted path in a (cloned) object, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (parts.some((p) => p.length === 0)) throw new InputError(`sweep.grid["${path}"]`, 'expected a dotted path of field names such as "init.productScale"');
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === undefined) cur[p] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new InputError(`sweep.grid["${path}"]`, `expected "${p}" to be an object in the base spec, got ${Array.isArray(next) ? 'an array' : typeof next}`);
    }
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = structuredClone(value);
}

/** Add k to every integer field named "seed", anywhere in the spec. */
export function shiftSeeds(value: unknown, k: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shiftSeeds(v, k));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = key === 'seed' && Number.isInteger(v) ? (v as number) + k : shiftSeeds(v, k);
    return out;
  }
  return value;
}

/**
 * The spec of trial k of a grid point. "all": k added to every integer
 * "seed" (target, mask and init drawn anew); "init": to the init's seed only
 * (the same problem, another initialization), which must then have one.
 */
export function trialSpec(spec: Record<string, unknown>, trial: number, mode: TrialSeeds = 'all'): Record<string, unknown> {
  if (mode === 'all') return shiftSeeds(spec, trial) as Record<string, unknown>;
  const out = structuredClone(spec);
  const init = out.init;
  if (init !== null && typeof init === 'object' && !Array.isArray(init) && (init as { kind?: unknown }).kind === 'gaussian') {
    const g = init as { seed?: unknown };
    const seed = g.seed === undefined ? 0 : g.seed;
    // A non-integer seed is left for the spec's validation to refuse.
    if (typeof seed === 'number' && Number.isInteger(seed)) g.seed = seed + trial;
  } else if (trial > 0) {
    const kind = init !== null && typeof init === 'object' ? (init as { kind?: unknown }).kind : undefined;
    throw new InputError('sweep.trialSeeds', `expected an init with a seed (kind "gaussian") for "init" trials, got ${kind === undefined ? 'an init without a kind' : `kind ${JSON.stringify(kind)}`}, which would make every trial the same run`);
  }
  return out;
}

/** All cells in a fixed order: the grid's cartesian product (keys in file order), then trials. */
export function expandCells(sweep: SweepSpec): Cell[] {
  const keys = Object.keys(sweep.grid);
  const cells: Cell[] = [];
  const rec = (i: number, chosen: Record<string, unknown>) => {
    if (i === keys.length) {
      // One spec per grid point; each trial's is a fresh deep copy of it (trialSpec copies every object and array).
      const spec = structuredClone(sweep.base);
      for (const k of keys) setPath(spec, k, chosen[k]);
      for (let trial = 0; trial < sweep.trials; trial++) {
        const cell = { ...chosen, trial };
        cells.push({ cell, spec: trialSpec(spec, trial, sweep.trialSeeds) as Spec, key: canonical(cell) });
      }
      return;
    }
    for (const v of sweep.grid[keys[i]]) rec(i + 1, { ...chosen, [keys[i]]: v });
  };
  rec(0, {});
  return cells;
}

/** Calls found(path, value) for every numeric "seed" in a spec; the path is built only when asked for (this runs on every cell). */
function seedsOf(value: unknown, path: (string | number)[], found: (path: () => string, v: number) => void): void {
  if (Array.isArray(value)) value.forEach((v, i) => { path.push(i); seedsOf(v, path, found); path.pop(); });
  else if (value !== null && typeof value === 'object') {
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      const v = (value as Record<string, unknown>)[k];
      path.push(k);
      if (k === 'seed' && typeof v === 'number') found(() => pathText(path), v);
      else if (v !== null && typeof v === 'object') seedsOf(v, path, found);
      path.pop();
    }
  }
}

const pathText = (path: (string | number)[]): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');

/** Trial k adds k to seeds: check them all before the first cell runs, not at cell 4000. */
export function checkSeeds(cells: readonly Cell[]): void {
  for (const c of cells) {
    seedsOf(c.spec, ['spec'], (where, v) => {
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) {
        throw new InputError(`sweep cell ${canonical(c.cell)}, ${where()}`, `expected a seed that stays a safe integer (|seed| <= 2^53 - 1) after adding the trial index, got ${v}`);
      }
    });
  }
}

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
}

/** Strip what is large from a run result for the results file. */
export function cellResult(r: RunResult): CellResult {
  const { matrix: _m, layers: _l, ...rest } = r;
  return rest;
}

/** Run a sweep (as written, or parsed by parseSweep) into options.out. */
export async function runSweep(input: SweepFile, options: SweepOptions): Promise<SweepSummary> {
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
    const summary: SweepSummary = { cells: mine.length, skipped: mine.length - todo.length, ran: 0, onWorkers: 0, staleLockOf: lock.tookOverFrom?.pid ?? null };
    const fd = openSync(options.out, 'a');
    const write = (c: Cell, result: CellResult) => {
      // One write per line: a line reaches the file whole or, if the process
      // dies inside the call, as a tail that the next run cuts off.
      writeSync(fd, JSON.stringify({ cell: c.cell, result }) + '\n');
      summary.ran++;
      options.onCell?.(summary.skipped + summary.ran, summary.cells, summary.ran);
    };
    try {
      const threads = Math.max(1, Math.min(options.workers ?? availableParallelism(), availableParallelism(), todo.length));
      if (threads <= 1 || !options.workerScript) {
        // One stream: the lanes stay full until the last cells.
        computeCells(todo, options.baseDir, write);
      } else {
        summary.onWorkers = await runShared(todo, threads - 1, options.workerScript, options.baseDir, write, options.workersAfterSeconds ?? WORKER_WORTH_SECONDS);
      }
    } finally {
      closeSync(fd);
    }
    return summary;
  } finally {
    lock.release();
  }
}

/** Batches each worker holds at once: the next one waits in its queue while the main thread is busy. */
const IN_FLIGHT = 2;

/**
 * Cells computed together by a thread of a pool (in the lanes of the ensemble
 * integrator where they share a shape, ensembleRun.ts), between looks at the
 * workers' messages: many times the lanes, so that the lanes run full most of
 * the time, and a few tens of milliseconds of work for 2x2 cells.
 */
export const CHUNK = 512;

/**
 * Compute cells as run() would, together where they can (runStream: ensemble
 * lanes), and write them in order as they end. If one fails, the cells
 * not yet written run again one at a time, so every cell before the failing
 * one is written and its error is the one run() gives.
 */
export function computeCells(cells: readonly Cell[], baseDir: string | undefined, write: (c: Cell, r: CellResult) => void): void {
  const ended: (CellResult | undefined)[] = new Array(cells.length);
  let written = 0;
  try {
    runStream(cells.length, (i) => buildProblem(cells[i].spec, { baseDir }), { baseDir }, (i, r) => {
      ended[i] = cellResult(r);
      for (; written < cells.length && ended[written] !== undefined; written++) {
        write(cells[written], ended[written]!);
        ended[written] = undefined;
      }
    });
  } catch {
    for (; written < cells.length; written++) write(cells[written], cellResult(run(cells[written].spec, { baseDir })));
  }
}

/**
 * This thread and up to `count` workers take cells from one queue. This
 * thread computes too, so nothing waits for the workers to start: a small
 * sweep runs here alone, a large one gets every core.
 */
function runShared(
  todo: Cell[], count: number, script: string | URL, baseDir: string | undefined,
  write: (c: Cell, r: CellResult) => void, workersAfter: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let next = 0, finished = 0, settled = false, onWorkers = 0;
    const pool: Worker[] = [];
    const end = (e?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of pool) void w.terminate();
      if (e) reject(e); else resolve(onWorkers);
    };
    const done = (i: number, result: CellResult) => {
      write(todo[i], result);
      finished++;
      if (finished === todo.length) end();
    };
    /** A thread's next batch: a fair share of what is left, at most CHUNK (the last batches shrink, so threads end together). */
    const share = () => Math.min(CHUNK, Math.max(1, Math.ceil((todo.length - next) / (count + 1))));
    const feed = (w: Worker) => {
      if (next < todo.length) {
        const batch = [];
        for (let k = share(); k > 0 && next < todo.length; k--) { const i = next++; batch.push({ i, spec: todo[i].spec }); }
        w.postMessage({ batch, baseDir });
      }
    };
    const spawn = () => {
      for (let k = 0; k < count; k++) pool.push(startWorker());
    };
    const startWorker = () => {
      const w = new Worker(script);
      w.on('message', (msg: { ready?: boolean; results?: { i: number; result: CellResult }[]; error?: { field?: string; expected?: string; message: string } }) => {
        if (settled) return;
        if (msg.ready) { for (let q = 0; q < IN_FLIGHT; q++) feed(w); return; }
        // Cells of the batch before a failing one come first (computeCells writes them in order).
        for (const r of msg.results ?? []) {
          onWorkers++;
          done(r.i, r.result);
          if (settled) return;
        }
        if (msg.error) {
          end(msg.error.field ? new InputError(msg.error.field, msg.error.expected ?? '') : new Error(msg.error.message));
          return;
        }
        feed(w);
      });
      w.on('error', (e) => end(e));
      return w;
    };
    // This thread's share: a chunk at a time, yielding between chunks so that
    // worker messages (results, readiness) are handled.
    const start = performance.now();
    let ranHere = 0;
    let ranChunk = 0;
    const step = () => {
      if (settled) return;
      if (next >= todo.length) return; // the workers finish what they hold
      const from = next;
      next = Math.min(todo.length, next + share());
      try {
        computeCells(todo.slice(from, next), baseDir, (_c, r) => { done(from + ranChunk++, r); });
      } catch (e) {
        end(e as Error);
        return;
      } finally {
        ranChunk = 0;
      }
      ranHere += next - from;
      // Not once all is handed out (or done): a worker started then would only keep the process alive.
      if (!settled && next < todo.length && pool.length === 0 && workersWorthStarting((performance.now() - start) / 1000, ranHere, todo.length - next, workersAfter)) spawn();
      setImmediate(step);
    };
    setImmediate(step);
  });
}

