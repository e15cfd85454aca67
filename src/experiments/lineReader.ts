// Reading a file line by line in fixed-size chunks, so that the memory used
// is one chunk plus the longest line whatever the file's size (a whole
// results file in one string ends in ERR_STRING_TOO_LONG past ~512 MB).
// Synchronous on purpose: resume and merge must finish reading before they
// write, and nothing else runs meanwhile.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../model/errors.js';
import { formatBytes, limitFromEnv } from '../model/inputFile.js';

/** Default bound on a results file: reading 32 GiB of JSON takes about ten minutes. */
const DEFAULT_MAX_RESULTS_BYTES = 32 * 2 ** 30;
/** Longest line accepted (a cell with a long trajectory is a few MB). */
const MAX_LINE_BYTES = 256 * 2 ** 20;
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** Bytes a results file may have: DMFLOW_MAX_RESULTS_BYTES, else 32 GiB. */
export function maxResultsBytes(): number {
  return limitFromEnv('DMFLOW_MAX_RESULTS_BYTES', DEFAULT_MAX_RESULTS_BYTES);
}

export interface LineInfo {
  /** 1-based line number. */
  no: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Bytes of the line, without its newline. */
  bytes: number;
  /** False for a last line that has no newline (cut short by a kill). */
  complete: boolean;
}

export interface ReadSummary {
  /** File size in bytes. */
  size: number;
  lines: number;
  /** Byte offset where a last line without newline starts, or null when the file ends with a newline (or is empty). */
  tailOffset: number | null;
}

export interface ReadLinesOptions {
  chunkBytes?: number;
  /** Field named in errors (default "results"). */
  field?: string;
  /** Stop after this many lines (e.g. 1 to read a header). */
  maxLines?: number;
  /** Longest line accepted (default 256 MiB). */
  maxLineBytes?: number;
}

/**
 * Call `onLine` for every line of `path` in order; a file above
 * DMFLOW_MAX_RESULTS_BYTES is refused before anything is read. `onLine`
 * returning false stops the reading.
 */
export function readLines(path: string, onLine: (line: string, info: LineInfo) => boolean | void, options: ReadLinesOptions = {}): ReadSummary {
  const field = options.field ?? 'results';
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(field, `expected a readable results file, got ${(e as NodeJS.ErrnoException).code ?? 'error'} for ${path}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(field, `expected a regular file, got ${st.isDirectory() ? 'a directory' : 'a device or pipe'}: ${path}`);
    const limit = maxResultsBytes();
    if (st.size > limit) throw new InputError(field, `expected at most ${formatBytes(limit)} (DMFLOW_MAX_RESULTS_BYTES), got ${formatBytes(st.size)} in ${path}`);
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let pos = 0; // bytes read so far
    let lineStart = 0;
    let no = 0;
    let stopped = false;
    const emit = (parts: Buffer[], bytes: number, complete: boolean) => {
      no++;
      const text = (parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes)).toString('utf8');
      const info = { no, offset: lineStart, bytes, complete };
      if (onLine(text, info) === false || (options.maxLines !== undefined && no >= options.maxLines)) stopped = true;
    };
    while (!stopped) {
      const n = readSync(fd, chunk, 0, chunkBytes, pos);
      if (n === 0) break;
      let from = 0;
      while (!stopped && from < n) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl < 0 || nl >= n) {
          const piece = Buffer.from(chunk.subarray(from, n));
          pending.push(piece);
          pendingBytes += piece.length;
          if (pendingBytes > maxLineBytes) throw new InputError(`${path}:${no + 1}`, `expected lines of at most ${formatBytes(maxLineBytes)}, got a longer one`);
          break;
        }
        const piece = chunk.subarray(from, nl);
        const parts = pending.length ? [...pending, piece] : [piece];
        emit(parts, pendingBytes + piece.length, true);
        pending = [];
        pendingBytes = 0;
        lineStart = pos + nl + 1;
        from = nl + 1;
      }
      pos += n;
    }
    let tailOffset: number | null = null;
    if (!stopped && pendingBytes > 0) {
      tailOffset = lineStart;
      emit(pending, pendingBytes, false);
    }
    return { size: st.size, lines: no, tailOffset };
  } finally {
    closeSync(fd);
  }
}
