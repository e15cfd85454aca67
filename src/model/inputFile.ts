// Reading an input file (a spec, a sweep, a saved result) with a size bound
// checked before the content is read: a regular file by its size, anything
// else (stdin, a pipe, /dev/zero) by counting bytes as they arrive, so no
// input can grow this process without limit.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { environment } from '../platform/env.js';
import { InputError } from './errors.js';

/** Default bound on a spec or sweep file: far above any dense target a run can hold. */
const DEFAULT_MAX_INPUT_BYTES = 256 * 2 ** 20;

/** Bytes a JSON input may have: DMFLOW_MAX_INPUT_BYTES, else 256 MiB. */
export function maxInputBytes(): number {
  return limitFromEnv('DMFLOW_MAX_INPUT_BYTES', DEFAULT_MAX_INPUT_BYTES);
}

/** A positive whole number of bytes from an environment variable, else the default. */
export function limitFromEnv(name: string, fallback: number): number {
  const text = environment()[name];
  if (text === undefined || text === '') return fallback;
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v <= 0) throw new InputError(name, `expected a whole number of bytes > 0, got "${text}"`);
  return v;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * The text of `path` ("-" is stdin), refused with an InputError naming
 * `field` when it is longer than `limit` bytes or cannot be opened.
 */
export function readTextBounded(path: string, field: string, limit = maxInputBytes(), what = 'a readable file'): string {
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (e) {
    throw new InputError(field, `expected ${what}, got ${(e as NodeJS.ErrnoException).code ?? 'error'} for ${path}`);
  }
  const where = path === '-' ? 'stdin' : path;
  const tooLong = (size: string) => new InputError(field, `expected at most ${formatBytes(limit)} (DMFLOW_MAX_INPUT_BYTES), got ${size} in ${where}`);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(field, `expected a file, got a directory: ${path}`);
    if (st.isFile() && st.size > limit) throw tooLong(formatBytes(st.size));
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue; // a non-blocking stdin with nothing yet
        if (code === 'EOF') break;
        throw new InputError(field, `expected ${what}, got ${code ?? 'error'} for ${where}`);
      }
      if (n === 0) break;
      total += n;
      if (total > limit) throw tooLong(`more than ${formatBytes(limit)}`);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}
