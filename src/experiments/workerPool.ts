// The one pool of worker threads that sweeps and conjecture searches share.
// Items (specs) are handed out in order, in batches, to this thread and to
// worker threads started once the work is worth them (workerStart.ts); every
// thread computes a batch with the same function (computeBatch), so where an
// item ran does not change its result. The pool answers once every item
// handed out has its result (or an item stops the search), and only after
// every worker has exited: the caller then holds no thread or message port.

import { Worker } from 'node:worker_threads';
import { InputError } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import { computeCells, type Cell, type CellResult } from './cells.js';
import { run } from './run.js';
import type { RunResult } from './runResult.js';
import { WORKER_WORTH_SECONDS, workersWorthStarting } from './workerStart.js';

/** What a batch computes: sweep cells (compact results, in ensemble lanes where they share a shape) or whole runs. */
export type PoolWork = { kind: 'cells' } | { kind: 'runs'; verify?: boolean };
type ResultOf<W extends PoolWork> = W extends { kind: 'cells' } ? CellResult : RunResult;

/** The message a worker is sent: a batch of items and how to compute them. */
export interface PoolRequest {
  batch: { i: number; spec: unknown }[];
  baseDir?: string;
  work: PoolWork;
}

/** A worker's error, as plain data (an InputError keeps its field and expectation). */
export interface PoolError { field?: string; expected?: string; message: string }

/** A worker's answer: ready once its modules are loaded, then the results of each batch (in order) and the error that cut it short, if any. */
export interface PoolReply {
  ready?: boolean;
  results?: { i: number; result: unknown }[];
  error?: PoolError;
}

/** Compute a batch, handing each result to `done` in the batch's order; throws at the first item that fails. */
export function computeBatch(request: PoolRequest, done: (i: number, result: unknown) => void): void {
  const { batch, baseDir, work } = request;
  if (work.kind === 'runs') {
    for (const { i, spec } of batch) done(i, run(spec as Spec, { baseDir, verify: work.verify }));
    return;
  }
  const cells: Cell[] = batch.map((b) => ({ cell: {}, spec: b.spec as Spec, key: String(b.i) }));
  computeCells(cells, baseDir, (c, result) => done(Number(c.key), result));
}

/** An error as a worker sends it. */
export function poolError(e: unknown): PoolError {
  const err = e as Error;
  return e instanceof InputError ? { field: e.field, expected: e.expected, message: err.message } : { message: err.message };
}

function fromPoolError(e: PoolError): Error {
  return e.field ? new InputError(e.field, e.expected ?? '') : new Error(e.message);
}

export interface PoolOptions<W extends PoolWork> {
  /** The items, in the order they are handed out. */
  specs: readonly unknown[];
  work: W;
  /** Threads: this one plus threads - 1 workers. */
  threads: number;
  /** The worker's entry script (sweepWorker.ts). */
  workerScript: string | URL;
  baseDir?: string;
  /** Most items in one batch: a thread takes a fair share of what is left, at most this (the last batches shrink, so threads end together). */
  maxBatch: number;
  /** Start workers only when the rest is estimated to take longer than this (seconds; 0: at once). */
  workersAfterSeconds?: number;
  /** A finished item, on whichever thread it ran; true stops handing out items (those already out still finish). */
  onResult(i: number, result: ResultOf<W>): boolean | void;
  /** What the pool serves ("sweep", "search"), for the message of a worker that dies. */
  serves: string;
}

/** Batches each worker holds at once: the next one waits in its queue while the main thread is busy. */
const IN_FLIGHT = 2;

/** Run the items on the pool; resolves with the number of items computed on worker threads. */
export function runPool<W extends PoolWork>(options: PoolOptions<W>): Promise<number> {
  const { specs, threads, baseDir, work, maxBatch } = options;
  const workersAfter = options.workersAfterSeconds ?? WORKER_WORTH_SECONDS;
  if (specs.length === 0) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    let next = 0, inFlight = 0, stopped = false, settled = false, onWorkers = 0;
    const pool: Worker[] = [];
    const end = (e?: unknown) => {
      if (settled) return;
      settled = true;
      void Promise.allSettled(pool.map((w) => w.terminate())).then(() => (e !== undefined ? reject(e) : resolve(onWorkers)));
    };
    const finish = (i: number, result: unknown) => {
      inFlight--;
      if (options.onResult(i, result as ResultOf<W>) === true) stopped = true;
      if (inFlight === 0 && (stopped || next >= specs.length)) end();
    };
    /** The next batch to hand out, or null when there is none. */
    const take = (): PoolRequest | null => {
      if (stopped || next >= specs.length) return null;
      const size = Math.min(maxBatch, Math.max(1, Math.ceil((specs.length - next) / threads)));
      const batch = [];
      for (let k = 0; k < size && next < specs.length; k++, next++) batch.push({ i: next, spec: specs[next] });
      inFlight += batch.length;
      return { batch, baseDir, work };
    };
    const feed = (w: Worker) => {
      const request = take();
      if (request) w.postMessage(request);
    };
    const startWorker = () => {
      const w = new Worker(options.workerScript);
      w.on('message', (msg: PoolReply) => {
        if (settled) return;
        if (msg.ready) { for (let q = 0; q < IN_FLIGHT; q++) feed(w); return; }
        // The results of a batch before its failing item come first.
        for (const r of msg.results ?? []) {
          onWorkers++;
          try {
            finish(r.i, r.result);
          } catch (e) {
            end(e);
          }
          if (settled) return;
        }
        if (msg.error) { end(fromPoolError(msg.error)); return; }
        feed(w);
      });
      w.on('error', (e) => end(e));
      // A worker that dies without an error event would leave its batch in flight and the caller waiting forever.
      w.on('exit', (code) => { if (!settled) end(new Error(`a worker thread exited (code ${code}) before the ${options.serves} ended`)); });
      pool.push(w);
    };
    // This thread's share: a batch at a time, yielding between batches so
    // that worker messages (results, readiness) are handled.
    const start = performance.now();
    let ranHere = 0;
    const step = () => {
      if (settled) return;
      const request = take();
      if (request === null) {
        if (inFlight === 0) end();
        return; // the workers finish what they hold
      }
      try {
        computeBatch(request, finish);
      } catch (e) {
        end(e);
        return;
      }
      ranHere += request.batch.length;
      if (settled) return; // that batch ended it: nothing may be left scheduled
      // Not once all is handed out or the answer is known: a worker started then would only keep the process alive.
      if (!stopped && next < specs.length && pool.length === 0 && threads > 1 &&
        workersWorthStarting((performance.now() - start) / 1000, ranHere, specs.length - next, workersAfter)) {
        for (let k = 1; k < threads; k++) startWorker();
      }
      setImmediate(step);
    };
    setImmediate(step);
  });
}
