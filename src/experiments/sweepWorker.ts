// Worker thread of a sweep: says it is ready once its modules are loaded, then
// runs the cells it is sent, one at a time (sweeps and conjecture searches).

import { parentPort } from 'node:worker_threads';
import { InputError } from '../model/errors.js';
import { run } from './run.js';
import { cellResult, computeCells, type Cell, type CellResult } from './sweep.js';
import type { Spec } from '../model/spec.js';

parentPort?.on('message', (msg: { i: number; spec: unknown; baseDir?: string; full?: boolean; verify?: boolean; batch?: { i: number; spec: Spec }[] }) => {
  if (msg.batch) {
    // A sweep's batch: computed together (in ensemble lanes where cells share a shape), answered in one message.
    const results: { i: number; result: CellResult }[] = [];
    const cells: Cell[] = msg.batch.map((b) => ({ cell: {}, spec: b.spec, key: String(b.i) }));
    try {
      computeCells(cells, msg.baseDir, (c, result) => { results.push({ i: Number(c.key), result }); });
      parentPort?.postMessage({ results });
    } catch (e) {
      const err = e as Error;
      parentPort?.postMessage({ results, error: e instanceof InputError ? { field: e.field, expected: e.expected, message: err.message } : { message: err.message } });
    }
    return;
  }
  try {
    // full: the whole result, matrix included (conjectures evaluate claims on it).
    const result = run(msg.spec as Spec, { baseDir: msg.baseDir, verify: msg.verify });
    parentPort?.postMessage({ i: msg.i, result: msg.full ? result : cellResult(result) });
  } catch (e) {
    const err = e as Error;
    parentPort?.postMessage({ i: msg.i, error: e instanceof InputError ? { field: e.field, expected: e.expected, message: err.message } : { message: err.message } });
  }
});
parentPort?.postMessage({ ready: true });
