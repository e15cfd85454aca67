// The results file of a sweep: a header line naming the sweep, then one JSON
// line per finished cell. The header is what makes a file recognizably ours:
// dmflow appends to a file, or repairs its damaged last line, only when its
// first line is the header of the same sweep and every other line a result of
// one of that sweep's cells. Anything else is refused and left byte for byte.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, linkSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { InputError } from '../model/errors.js';
import { readLines, type ReadLinesOptions } from './lineReader.js';
import type { SweepSpec } from './cells.js';
import { canonical } from './canonical.js';

export { canonical } from './canonical.js';

/**
 * 2 since dmflow 0.2.0, where init.productScale became the RMS entry of the
 * initial product (docs/specs.md); format 1 files are resumed only for sweeps
 * that do not use productScale, whose results are the same under both.
 */
export const RESULTS_FORMAT = 2;

/** Whether a sweep (or a spec) sets init.productScale anywhere: in the base, a grid key or a grid value. */
export function usesProductScale(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesProductScale);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k === 'productScale' || k.endsWith('.productScale') || usesProductScale(v));
  }
  return false;
}

/** Why results written before format 2 cannot be resumed for a sweep that uses productScale. */
export const PRODUCT_SCALE_CHANGED = 'init.productScale set the entry std to productScale^(1/L) regardless of width before dmflow 0.2.0 and sets the RMS entry of the initial product since (CHANGELOG.md)';

/** Refuse format-1 results of a sweep that uses productScale: their numbers mean something else now. */
export function checkFormat(path: string, header: ResultsHeader, sweep: SweepSpec): void {
  if (header.format === 1 && usesProductScale(sweep)) {
    throw new InputError(path, `expected results written by dmflow >= 0.2.0 (format ${RESULTS_FORMAT}) for a sweep that uses productScale, got format 1: ${PRODUCT_SCALE_CHANGED}; write to a new file (this one was left as it was)`);
  }
  if (header.format !== 1 && header.format !== RESULTS_FORMAT) throw notOurs(path, `results format ${header.format} (this dmflow writes ${RESULTS_FORMAT})`);
}

export interface ResultsHeader {
  dmflow: 'results';
  format: number;
  /** sha256 of the sweep's canonical JSON (defaults filled in). */
  sweep: string;
  /** The sweep's grid keys in file order: what `summarize` groups by. */
  grid: string[];
  trials: number;
}

export interface ResultLine {
  cell: Record<string, unknown>;
  result: Record<string, unknown>;
}

export function sweepHash(sweep: SweepSpec): string {
  return createHash('sha256').update(canonical(sweep)).digest('hex');
}

export function resultsHeader(sweep: SweepSpec): ResultsHeader {
  return { dmflow: 'results', format: RESULTS_FORMAT, sweep: sweepHash(sweep), grid: Object.keys(sweep.grid), trials: sweep.trials };
}

export function headerLine(sweep: SweepSpec): string {
  return JSON.stringify(resultsHeader(sweep)) + '\n';
}

/** The header if `line` is one, else null. */
export function parseHeader(line: string): ResultsHeader | null {
  if (!line.startsWith('{"dmflow":"results"')) return null;
  try {
    const h = JSON.parse(line) as ResultsHeader;
    return h.dmflow === 'results' && typeof h.sweep === 'string' && Array.isArray(h.grid) ? h : null;
  } catch {
    return null;
  }
}

/** A result line, or null when the text is not one. */
export function parseResultLine(line: string): ResultLine | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  const o = v as Partial<ResultLine> | null;
  const isObj = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
  return isObj(o) && isObj(o!.cell) && isObj(o!.result) ? (o as ResultLine) : null;
}

/** A result's status as the sweep's closing line counts it ("no status" for a line without one). */
export function statusOf(result: Record<string, unknown>): string {
  return typeof result.status === 'string' ? result.status : 'no status';
}

function preview(line: string): string {
  const s = line.length > 40 ? line.slice(0, 40) + '...' : line;
  return JSON.stringify(s);
}

/** The header of an existing file: read-only, one line. Null for an empty file. */
export function readHeader(path: string, field: string): { header: ResultsHeader | null; first: string | null } {
  let first: string | null = null;
  try {
    readLines(path, (line) => { first = line; }, { maxLines: 1, field, maxLineBytes: MAX_HEADER_BYTES });
  } catch (e) {
    // A first line longer than any header: not a results file (perhaps not text at all).
    if (e instanceof InputError && e.field === `${path}:1`) return { header: null, first: FIRST_LINE_TOO_LONG };
    throw e;
  }
  return { header: first === null ? null : parseHeader(first), first };
}

/** A header holds the grid keys only: far below this. */
const MAX_HEADER_BYTES = 1 << 16;
const FIRST_LINE_TOO_LONG = '\u0000first line too long';

function notOurs(path: string, why: string): InputError {
  return new InputError(path, `expected a dmflow results file of this sweep (first line {"dmflow":"results",...}), got ${why}; it was left as it was`);
}

/**
 * Refuse `path` unless it is empty or starts with the header of this sweep:
 * a cheap, read-only test done before anything (even a lock file) is created.
 */
export function checkHeader(path: string, sweep: SweepSpec): void {
  if (!existsSync(path)) return;
  const { header, first } = readHeader(path, '--out');
  if (first === null) return;
  if (first === FIRST_LINE_TOO_LONG) throw notOurs(path, 'a file whose first line is longer than 64 KiB');
  if (header === null) throw notOurs(path, `a file whose first line is ${preview(first)}`);
  if (header.format !== 1 && header.format !== RESULTS_FORMAT) throw notOurs(path, `results format ${header.format} (this dmflow writes ${RESULTS_FORMAT})`);
  if (header.sweep !== sweepHash(sweep)) throw notOurs(path, `the results of another sweep (hash ${header.sweep.slice(0, 12)}, this one ${sweepHash(sweep).slice(0, 12)})`);
  checkFormat(path, header, sweep);
}

/**
 * Validate the whole file as results of `sweep` whose cells are `keys`, and
 * return the finished cells with the status each ended on (statusOf). Only after every line has passed is a damaged
 * last line (no newline: the sweep was killed while writing it) cut off.
 * An empty or absent file gets the header.
 */
export function prepareForAppend(path: string, sweep: SweepSpec, keys: ReadonlySet<string>, options: ReadLinesOptions = {}): Map<string, string> {
  checkHeader(path, sweep);
  const done = new Map<string, string>();
  if (!existsSync(path) || statSync(path).size === 0) {
    writeHeader(path, sweep);
    return done;
  }
  const summary = readLines(path, (line, info) => {
    if (info.no === 1) {
      if (!info.complete) throw notOurs(path, 'a header line without its newline');
      return;
    }
    if (!info.complete) return; // checked below: the damaged tail
    if (line.trim() === '') return;
    const r = parseResultLine(line);
    if (r === null) throw new InputError(`${path}:${info.no}`, `expected one result {"cell": ..., "result": ...} per line, got ${preview(line)}; only a damaged last line is repaired, so the file was left as it was`);
    const key = canonical(r.cell);
    if (!keys.has(key)) throw new InputError(`${path}:${info.no}`, `expected a cell of this sweep, got ${preview(key)}; the file was left as it was`);
    done.set(key, statusOf(r.result));
  }, { ...options, field: '--out' });
  if (summary.tailOffset !== null) {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, summary.tailOffset);
    } finally {
      closeSync(fd);
    }
  }
  return done;
}

/**
 * Give an absent or empty file the header. An absent file is created whole
 * (written under a temporary name, then linked into place, which fails if
 * someone else created it meanwhile): a header is never half-written.
 */
function writeHeader(path: string, sweep: SweepSpec): void {
  const text = headerLine(sweep);
  if (existsSync(path)) {
    const fd = openSync(path, 'a');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } finally {
    unlinkSync(tmp);
  }
}

/** Read the results of a file (header optional), line by line. A damaged last line is skipped. */
export function forEachResult(
  path: string, onResult: (r: ResultLine, no: number) => void,
  options: ReadLinesOptions & { onHeader?: (h: ResultsHeader) => void } = {},
): ResultsHeader | null {
  let header: ResultsHeader | null = null;
  readLines(path, (line, info) => {
    if (info.no === 1) {
      header = parseHeader(line);
      if (header !== null) {
        options.onHeader?.(header);
        return;
      }
    }
    if (line.trim() === '') return;
    const r = parseResultLine(line);
    if (r === null) {
      // A half-written last line (a sweep still running or killed) is not an error.
      if (!info.complete) return;
      throw new InputError(`${path}:${info.no}`, `expected one result {"cell": ..., "result": ...} per line, got ${preview(line)}`);
    }
    onResult(r, info.no);
  }, { field: 'results', ...options });
  return header;
}

/** Refuse an output that is one of the inputs (same file, by device and inode). */
export function checkNotInput(out: string, inputs: readonly string[], field = '--out'): void {
  let o;
  try {
    o = statSync(out);
  } catch {
    return; // does not exist yet: cannot be an input
  }
  for (const p of inputs) {
    try {
      const s = statSync(p);
      if (s.dev === o.dev && s.ino === o.ino) throw new InputError(field, `expected a file other than the inputs, got ${out}, which is the input ${p}`);
    } catch (e) {
      if (e instanceof InputError) throw e;
    }
  }
}
