// Gathering shard files into one results file: one line per cell of the
// sweep, in the sweep's cell order. A cell found twice is dropped only when
// both lines are identical (the same cell computed twice with the same seed
// gives the same bytes); different lines for one cell are an error, since
// one of them is wrong. Inputs are read line by line and only each line's
// place and digest are kept, so memory grows with the number of cells, not
// with the size of the files.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { InputError } from '../model/errors.js';
import { readLines } from './lineReader.js';
import { canonical, checkFormat, checkHeader, checkNotInput, headerLine, parseHeader, parseResultLine, sweepHash } from './resultsFile.js';
import { expandCells, type SweepSpec } from './sweep.js';

export interface MergeSummary {
  /** Cells in the sweep. */
  cells: number;
  /** Lines written (one per cell found). */
  written: number;
  /** Identical duplicate lines dropped. */
  duplicates: number;
  /** Cells in no input, and the first few of them. */
  missing: number;
  firstMissing: Record<string, unknown>[];
  /** Last lines without newline (a shard killed while writing) that were left out. */
  damagedTails: number;
}

interface Place { file: number; offset: number; bytes: number; digest: string; line: number }

export interface MergeOptions {
  /** The sweep file, so that --out cannot be it. */
  sweepPath?: string;
  chunkBytes?: number;
}

export function mergeShards(sweep: SweepSpec, inputs: readonly string[], out: string, options: MergeOptions = {}): MergeSummary {
  if (inputs.length === 0) throw new InputError('merge', 'expected at least one results file to merge, got none');
  const cells = expandCells(sweep);
  const index = new Map(cells.map((c, i) => [c.key, i]));
  if (out.trim() === '') throw new InputError('--out', 'expected a file name, got ""');
  checkNotInput(out, [...(options.sweepPath ? [options.sweepPath] : []), ...inputs]);
  // An existing --out is replaced only if it is a results file of this sweep (an earlier merge).
  if (existsSync(out) && !statSync(out).isFile()) throw new InputError('--out', `expected a regular file, got ${out}`);
  checkHeader(out, sweep);
  const hash = sweepHash(sweep);
  const places: (Place | undefined)[] = new Array(cells.length);
  let duplicates = 0, damagedTails = 0;
  inputs.forEach((path, file) => {
    readLines(path, (line, info) => {
      if (info.no === 1) {
        const h = parseHeader(line);
        if (h === null || h.sweep !== hash) {
          throw new InputError(path, `expected a dmflow results file of this sweep (hash ${hash.slice(0, 12)}), got ${h === null ? 'a file without the results header' : `the results of another sweep (hash ${h.sweep.slice(0, 12)})`}`);
        }
        checkFormat(path, h, sweep);
        return;
      }
      if (line.trim() === '') return;
      if (!info.complete) {
        damagedTails++;
        return;
      }
      const r = parseResultLine(line);
      if (r === null) throw new InputError(`${path}:${info.no}`, 'expected one result {"cell": ..., "result": ...} per line, got a damaged line');
      const i = index.get(canonical(r.cell));
      if (i === undefined) throw new InputError(`${path}:${info.no}`, `expected a cell of this sweep, got ${canonical(r.cell)}`);
      const digest = createHash('sha256').update(line).digest('base64');
      const seen = places[i];
      if (seen === undefined) places[i] = { file, offset: info.offset, bytes: info.bytes, digest, line: info.no };
      else if (seen.digest === digest) duplicates++;
      else throw new InputError(`${path}:${info.no}`, `expected the same result for cell ${canonical(r.cell)} as ${inputs[seen.file]}:${seen.line}, got a different one; one of the two files is wrong, so nothing was written`);
    }, { field: path, chunkBytes: options.chunkBytes });
  });

  // Write under a temporary name, then rename: --out is never seen half-written.
  const tmp = `${out}.${process.pid}.tmp`;
  const fds = inputs.map((p) => openSync(p, 'r'));
  let outFd: number;
  try {
    outFd = openSync(tmp, 'wx');
  } catch (e) {
    fds.forEach((fd) => closeSync(fd));
    throw new InputError('--out', `expected a writable file, got ${(e as NodeJS.ErrnoException).code ?? 'error'} for ${out}`);
  }
  let written = 0;
  const missing: Record<string, unknown>[] = [];
  let missingCount = 0;
  try {
    writeSync(outFd, headerLine(sweep));
    let buf = Buffer.allocUnsafe(1 << 16);
    places.length = cells.length;
    for (let i = 0; i < cells.length; i++) {
      const p = places[i];
      if (p === undefined) {
        missingCount++;
        if (missing.length < 5) missing.push(cells[i].cell);
        continue;
      }
      if (buf.length < p.bytes + 1) buf = Buffer.allocUnsafe(p.bytes + 1);
      let got = 0;
      while (got < p.bytes) {
        const n = readSync(fds[p.file], buf, got, p.bytes - got, p.offset + got);
        if (n === 0) throw new InputError(inputs[p.file], 'expected the file to stay as it was while merging, got it shorter');
        got += n;
      }
      buf[p.bytes] = 0x0a;
      writeSync(outFd, buf, 0, p.bytes + 1);
      written++;
    }
  } catch (e) {
    closeSync(outFd);
    unlinkSync(tmp);
    throw e;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  closeSync(outFd);
  renameSync(tmp, out);
  return { cells: cells.length, written, duplicates, missing: missingCount, firstMissing: missing, damagedTails };
}
