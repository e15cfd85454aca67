// Run a list of specs in order on this thread and worker threads until one
// of them stops the search: every spec before the first stopping one gets its
// result, later ones are not started. The search for a counterexample is
// sequential by nature, but the runs before the first failure are not.

import { Worker } from 'node:worker_threads';
import { InputError } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import { run, type RunResult } from './run.js';
import { WORKER_WORTH_SECONDS, workersWorthStarting } from './workerStart.js';

export interface OrderedSearchOptions {
  /** Threads: this one plus threads - 1 workers. */
  threads: number;
  /** The sweep worker's entry script. */
  workerScript: string | URL;
  baseDir?: string;
  /** Start workers only when the rest is estimated to take longer than this (seconds; 0: at once). */
  workersAfterSeconds?: number;
  /** Run with verification (run option verify). */
  verify?: boolean;
  /** Handle a finished run; return true when it stops the search. */
  onResult(i: number, result: RunResult): boolean;
}

/** Cells each worker holds at once. */
const IN_FLIGHT = 2;

/** Resolves with the number of runs done on workers. */
export function orderedSearch(specs: readonly unknown[], options: OrderedSearchOptions): Promise<number> {
  const { baseDir, verify } = options;
  const workersAfter = options.workersAfterSeconds ?? WORKER_WORTH_SECONDS;
  return new Promise((resolve, reject) => {
    let next = 0, inFlight = 0, stopped = false, settled = false, onWorkers = 0;
    const pool: Worker[] = [];
    const end = (e?: Error) => {
      if (settled) return;
      settled = true;
      // Answer only once every worker has exited: the caller then holds no
      // thread or message port of this search, and the process can exit.
      void Promise.allSettled(pool.map((w) => w.terminate())).then(() => (e ? reject(e) : resolve(onWorkers)));
    };
    const finish = (i: number, result: RunResult) => {
      inFlight--;
      if (options.onResult(i, result)) stopped = true;
      if (inFlight === 0 && (stopped || next >= specs.length)) end();
    };
    const take = (): number | null => {
      if (stopped || next >= specs.length) return null;
      inFlight++;
      return next++;
    };
    const feed = (w: Worker) => {
      const i = take();
      if (i !== null) w.postMessage({ i, spec: specs[i], baseDir, full: true, verify });
    };
    const startWorker = () => {
      if (settled) return; // the answer is known: a worker now would only keep the process alive
      const w = new Worker(options.workerScript);
      w.on('message', (msg: { ready?: boolean; i?: number; result?: RunResult; error?: { field?: string; expected?: string; message: string } }) => {
        if (settled) return;
        if (msg.ready) { for (let q = 0; q < IN_FLIGHT; q++) feed(w); return; }
        if (msg.error) {
          end(msg.error.field ? new InputError(msg.error.field, msg.error.expected ?? '') : new Error(msg.error.message));
          return;
        }
        onWorkers++;
        try {
          finish(msg.i as number, msg.result as RunResult);
        } catch (e) {
          end(e as Error);
          return;
        }
        feed(w);
      });
      w.on('error', (e) => end(e));
      // A worker that dies without an error event would leave its cells in flight forever.
      w.on('exit', (code) => { if (!settled) end(new Error(`a worker thread exited (code ${code}) before the search ended`)); });
      pool.push(w);
    };
    const start = performance.now();
    let ranHere = 0;
    const step = () => {
      if (settled) return;
      const i = take();
      if (i === null) {
        if (inFlight === 0) end();
        return; // the workers finish what they hold
      }
      try {
        finish(i, run(specs[i] as Spec, { baseDir, verify }));
      } catch (e) {
        end(e as Error);
        return;
      }
      ranHere++;
      if (settled) return; // that run ended the search
      if (pool.length === 0 && options.threads > 1 && workersWorthStarting((performance.now() - start) / 1000, ranHere, specs.length - next, workersAfter)) {
        for (let k = 1; k < options.threads; k++) startWorker();
      }
      setImmediate(step);
    };
    if (specs.length === 0) resolve(0); else setImmediate(step);
  });
}
