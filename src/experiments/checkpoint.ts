// Run checkpoints on disk: the integration state (ode SolveState) and the
// run's bookkeeping as JSON, Float64Arrays as base64 of their bytes so that a
// resumed run continues from bit-identical numbers. Written atomically: a
// temporary file in the same directory, fsync, then rename over the old one,
// so a kill at any moment leaves either the previous checkpoint or the new one.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { InputError } from '../model/errors.js';
import type { Problem } from '../model/problem.js';

export const CHECKPOINT_FORMAT = 'dmflow-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What a run resumes from; `data` is the run's own record (see runPasses.ts). */
export interface CheckpointFile<T> {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Hash of what determines the run's result: refuses a checkpoint of another spec. */
  runHash: string;
  data: T;
}

/**
 * The hash of everything a run's numbers depend on: the parsed spec (zod
 * builds it in schema key order, so key order in the file does not matter),
 * the arrays built from it (a spec that reads layers from a file changes when
 * the file does), and the run options that change the result.
 */
export function runHash(problem: Problem, extra: unknown): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(problem.spec));
  h.update(JSON.stringify(extra ?? null));
  for (const a of [problem.y0, problem.target, problem.mask]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

const F64 = '$f64';

/** JSON with Float64Arrays as base64 of their bytes (exact, NaN and Infinity included). */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Float64Array) return { [F64]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (typeof v === 'number' && !Number.isFinite(v)) return { [F64]: Buffer.from(new Float64Array([v]).buffer).toString('base64'), scalar: true };
    return v;
  });
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && F64 in v) {
      const b = Buffer.from(String((v as Record<string, unknown>)[F64]), 'base64');
      const a = new Float64Array(b.byteLength / 8);
      new Uint8Array(a.buffer).set(b);
      return (v as { scalar?: boolean }).scalar ? a[0] : a;
    }
    return v;
  });
}

/** Write atomically: temporary file, fsync, rename. */
export function writeCheckpoint<T>(path: string, hash: string, data: T): void {
  const file: CheckpointFile<T> = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, runHash: hash, data };
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, encodeJson(file));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError('--checkpoint', `expected a writable path, got ${(e as NodeJS.ErrnoException).code ?? String(e)} for ${path}`);
  }
}

/** The checkpoint's data, or null when there is none yet; refuses another run's checkpoint or another file. */
export function readCheckpoint<T>(path: string, hash: string): T | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError('--checkpoint', `expected a readable file, got ${(e as NodeJS.ErrnoException).code ?? 'error'} for ${path}`);
  }
  let file: Partial<CheckpointFile<T>>;
  try {
    file = decodeJson(text) as Partial<CheckpointFile<T>>;
  } catch {
    file = {};
  }
  if (file === null || typeof file !== 'object' || file.format !== CHECKPOINT_FORMAT) {
    throw new InputError('--checkpoint', `expected a dmflow checkpoint or no file, got another file at ${path} (left as it is)`);
  }
  if (file.version !== CHECKPOINT_VERSION) {
    throw new InputError('--checkpoint', `expected checkpoint format version ${CHECKPOINT_VERSION}, got ${String(file.version)} in ${path}`);
  }
  if (file.runHash !== hash) {
    throw new InputError('--checkpoint', `expected a checkpoint of this spec and these options (${hash.slice(0, 12)}), got one of a different run (${String(file.runHash).slice(0, 12)}) in ${path}`);
  }
  return file.data as T;
}
