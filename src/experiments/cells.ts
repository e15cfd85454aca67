// A sweep's cells without the files and threads: the sweep schema, the
// expansion of its grid and trials into cell specs, and their computation as
// run() would (in ensemble lanes where they share a shape). sweep.ts writes
// them to a results file on a pool of worker threads; a page (web/) computes
// them in Web Workers with the same functions.

import * as z from 'zod';
import { InputError } from '../model/errors.js';
import { buildProblem } from '../model/problem.js';
import { parseWith, type Spec } from '../model/spec.js';
import { specFieldPaths } from '../model/specPaths.js';
import { canonical } from './canonical.js';
import { runStream } from './ensembleRun.js';
import { run } from './run.js';
import type { RunResult } from './runResult.js';

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

/** Strip what is large from a run result for the results file. */
export function cellResult(r: RunResult): CellResult {
  const { matrix: _m, layers: _l, ...rest } = r;
  return rest;
}

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
