// Worker thread of the pool (workerPool.ts) that sweeps and conjecture
// searches share: says it is ready once its modules are loaded, then computes
// the batches it is sent, answering each with its results in order.

import { parentPort } from 'node:worker_threads';
import { computeBatch, poolError, type PoolReply, type PoolRequest } from './workerPool.js';

parentPort?.on('message', (request: PoolRequest) => {
  const results: NonNullable<PoolReply['results']> = [];
  try {
    computeBatch(request, (i, result) => { results.push({ i, result }); });
    parentPort?.postMessage({ results } satisfies PoolReply);
  } catch (e) {
    parentPort?.postMessage({ results, error: poolError(e) } satisfies PoolReply);
  }
});
parentPort?.postMessage({ ready: true } satisfies PoolReply);
