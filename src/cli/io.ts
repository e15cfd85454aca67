// Reading inputs for the CLI: every failure is an InputError (one line, exit 2).

import { dirname, resolve } from 'node:path';
import { InputError } from '../model/errors.js';
import { readTextBounded } from '../model/inputFile.js';

/**
 * Read and parse a JSON file ("-": stdin), refused above DMFLOW_MAX_INPUT_BYTES
 * before it is read; returns the value and the file's directory (stdin: the
 * working directory).
 */
export function readJsonFile(path: string, what = 'spec'): { value: unknown; dir: string } {
  const text = readTextBounded(path, what);
  try {
    return { value: JSON.parse(text), dir: path === '-' ? process.cwd() : dirname(resolve(path)) };
  } catch (e) {
    throw new InputError(what, `expected valid JSON in ${path} (${(e as Error).message}); NaN and Infinity are not JSON numbers`);
  }
}

/** Parse "1,2.5,10" into numbers. */
export function parseNumberList(text: string, field: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new InputError(field, 'expected a comma-separated list of numbers, got nothing');
  return parts.map((p, i) => {
    const v = Number(p);
    if (!Number.isFinite(v)) throw new InputError(field, `expected a finite number at position ${i + 1}, got "${p}"`);
    return v;
  });
}

/** Parse a positive finite number option. */
export function parsePositive(text: string, field: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new InputError(field, `expected a positive number, got "${text}"`);
  return v;
}

/** Parse a whole number >= 0. */
export function parseCount(text: string, field: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0) throw new InputError(field, `expected a whole number >= 0, got "${text}"`);
  return v;
}

/** Parse a duration: "30s", "5m", "1h", "250ms", or a bare number of seconds; returns milliseconds. */
export function parseDuration(text: string, field: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ms|s|min|m|h)?\s*$/i.exec(text);
  const unit = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 } as const;
  const ms = m ? Number(m[1]) * unit[((m[2] ?? 's').toLowerCase()) as keyof typeof unit] : NaN;
  if (!Number.isFinite(ms)) throw new InputError(field, `expected a duration such as 30s, 5m, 1h or 250ms, got "${text}"`);
  return ms;
}

/** Parse --progress [seconds]: the flag alone gives undefined (the default interval). */
export function parseProgress(value: string | boolean | undefined, field = '--progress'): { force: boolean; interval?: number } {
  if (value === undefined || value === false) return { force: false };
  if (value === true) return { force: true };
  return { force: true, interval: parsePositive(value, field) };
}
