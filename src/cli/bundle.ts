// The entry of the bundled command (scripts/bundle.mjs builds dist/cli/bundle.js
// from it; the bin, dist/src/cli/bin.js, loads that): the command on the main
// thread, a sweep's or conjecture search's worker on a worker thread, which the
// bin also starts. One file instead of the ~170 modules `dmflow run` loads
// otherwise (docs/performance.md, "Start-up").

import { isMainThread } from 'node:worker_threads';
import { main } from './main.js';
import { setWorkerScript } from './commands/shared.js';

/** Run the command (main thread; its exit code) or become a worker (worker thread; undefined). */
export async function start(bin: URL, argv: string[]): Promise<number | undefined> {
  if (!isMainThread) {
    await import('../experiments/sweepWorker.js');
    return undefined;
  }
  setWorkerScript(bin);
  return main(argv);
}
