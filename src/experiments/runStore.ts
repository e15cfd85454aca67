// A results file for conjectures: one JSON line {"spec", "result"} per
// finished run, appended at once, so a killed search resumes without running
// anything twice, and a reworded claim reuses every integration. Keyed by the
// spec itself (canonical JSON), not by the generators, so it stays valid when
// the conjecture file changes. Lines carry the results format
// (resultsFile.ts): a line of an older dmflow whose spec uses productScale
// is refused, since that spec now starts from another initialization.

import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { InputError } from '../model/errors.js';
import type { RunResult } from './runResult.js';
import { canonical, PRODUCT_SCALE_CHANGED, RESULTS_FORMAT, usesProductScale } from './resultsFile.js';

export interface RunStore {
  get(spec: unknown): RunResult | undefined;
  /** Record a finished run (appended to the file at once). */
  put(spec: unknown, result: RunResult): void;
  /** Results read from the file when it was opened. */
  readonly loaded: number;
  close(): void;
}

/** An in-memory store, backed by the file at `path` when given. */
export function openRunStore(path?: string): RunStore {
  const map = new Map<string, RunResult>();
  if (path !== undefined && existsSync(path)) {
    const whole = readFileSync(path, 'utf8');
    // A last line without its newline was cut short by a kill: dropped, once every other line has passed.
    const text = whole.length > 0 && !whole.endsWith('\n') ? whole.slice(0, whole.lastIndexOf('\n') + 1) : whole;
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let parsed: { spec?: unknown; result?: RunResult; format?: unknown };
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new InputError(`${path}:${i + 1}`, 'expected one JSON run per line; this line is damaged (only a damaged last line is repaired)');
      }
      if (parsed.spec === undefined || parsed.result === undefined) throw new InputError(`${path}:${i + 1}`, 'expected a line {"spec": ..., "result": ...}');
      if (parsed.format === undefined && usesProductScale(parsed.spec)) {
        throw new InputError(`${path}:${i + 1}`, `expected runs written by dmflow >= 0.2.0 for a spec that uses productScale, got one without a results format: ${PRODUCT_SCALE_CHANGED}; use a new --results file (this one was left as it was)`);
      }
      map.set(canonical(parsed.spec), parsed.result);
    });
    if (text.length < whole.length) {
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, Buffer.byteLength(text));
      closeSync(fd);
    }
  }
  const loaded = map.size;
  const fd = path !== undefined ? openSync(path, 'a') : null;
  return {
    loaded,
    get: (spec) => map.get(canonical(spec)),
    put(spec, result) {
      const key = canonical(spec);
      // NaN and Infinity do not survive JSON: such a run is not stored (it runs again).
      // A verified run replaces one stored without verification (a later line wins when the file is read).
      const old = map.get(key);
      if ((old && (old.verification !== undefined || result.verification === undefined)) || hasNonFinite(result)) return;
      map.set(key, result);
      // One write per line: whole, or a tail the next open cuts off.
      if (fd !== null) writeSync(fd, JSON.stringify({ format: RESULTS_FORMAT, spec, result }) + '\n');
    },
    close() {
      if (fd !== null) closeSync(fd);
    },
  };
}

function hasNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasNonFinite);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasNonFinite);
  return false;
}
