// An exclusive lock on a results file, so that two sweeps on one --out (a
// resubmitted job, a second terminal) never both compute a cell: the second
// one refuses with a message naming the holder. The lock is a file
// "<out>.lock" created with O_EXCL holding {pid, host, started}. A lock whose
// process is gone (same host, pid no longer alive: the sweep was killed) is
// stale and taken over. Taking over goes through a second O_EXCL file,
// "<out>.lock.takeover", held for a few milliseconds, so that two processes
// finding the same stale lock cannot both take it.

import { closeSync, existsSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { InputError } from '../model/errors.js';

interface LockInfo { pid: number; host: string; started: string }

export interface FileLock {
  path: string;
  /** Set when a stale lock was taken over: who had held it. */
  tookOverFrom: LockInfo | null;
  release(): void;
}

/** A takeover file older than this belongs to a process killed inside the takeover. */
const TAKEOVER_STALE_MS = 10_000;

function readInfo(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Gone for sure: on this host and its pid is not running. A lock from another host is never judged stale. */
function isStale(info: LockInfo | null, path: string): boolean {
  if (info === null) {
    // Unreadable: created but not yet written (a few microseconds), or written by a process killed in between.
    try {
      return Date.now() - statSync(path).mtimeMs > TAKEOVER_STALE_MS;
    } catch {
      return true;
    }
  }
  return info.host === hostname() && info.pid !== process.pid && !alive(info.pid);
}

/**
 * readInfo, waiting up to about 50 ms while the lock exists but is still empty:
 * a holder that has just created it writes its pid microseconds later, and
 * the refusal should name that process. (Two commands started together hit
 * this window; with the compiled bin they start within milliseconds.)
 */
function readInfoSettled(path: string): LockInfo | null {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let info = readInfo(path);
  for (let i = 0; i < 50 && info === null && existsSync(path); i++) {
    Atomics.wait(pause, 0, 0, 1);
    info = readInfo(path);
  }
  return info;
}

function create(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new InputError('--out', `expected a directory where a lock file can be created, got ${(e as NodeJS.ErrnoException).code} for ${path}`);
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() } satisfies LockInfo));
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Lock `target` (creates `target.lock`), or throw an InputError naming the process that holds it. */
export function lockFile(target: string): FileLock {
  const path = `${target}.lock`;
  const takeover = `${path}.takeover`;
  let tookOverFrom: LockInfo | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(path)) return held(path, tookOverFrom);
    const info = readInfoSettled(path);
    if (!isStale(info, path)) {
      const who = info ? `process ${info.pid} on ${info.host} (since ${info.started})` : 'another process';
      throw new InputError('--out', `expected no other dmflow writing ${target}, got ${who}; wait for it to finish, or delete ${path} if that process is gone`);
    }
    // Stale. Only the holder of the takeover file may remove the lock.
    if (!create(takeover)) {
      const t = readInfo(takeover);
      if (isStale(t, takeover) && (() => { try { return Date.now() - statSync(takeover).mtimeMs > TAKEOVER_STALE_MS; } catch { return true; } })()) unlinkQuiet(takeover);
      continue;
    }
    try {
      // Re-read under the takeover file: the lock may have changed hands meanwhile.
      const again = readInfo(path);
      if (isStale(again, path) && (again === null || info === null || (again.pid === info.pid && again.started === info.started))) {
        unlinkQuiet(path);
        tookOverFrom = again ?? info;
      }
    } finally {
      unlinkQuiet(takeover);
    }
  }
  throw new InputError('--out', `expected to lock ${target}, got ${path} changing hands repeatedly; try again`);
}

function held(path: string, tookOverFrom: LockInfo | null): FileLock {
  let released = false;
  // No signal handlers: a sweep on one thread computes synchronously, so a
  // handler would delay Ctrl-C until the sweep ends. A lock left by a signal
  // is stale (its pid is gone) and the next sweep takes it over.
  const release = () => {
    if (released) return;
    released = true;
    // Remove only our own lock.
    if (readInfo(path)?.pid === process.pid) unlinkQuiet(path);
    process.off('exit', release);
  };
  process.on('exit', release);
  return { path, tookOverFrom, release };
}
