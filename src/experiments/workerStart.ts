// When a pool of worker threads pays for itself: the one rule sweeps and
// conjecture searches share.

/**
 * A worker costs about a second of CPU to start (it loads and compiles the
 * library's modules), time that competes with this thread on a small machine.
 * Workers are started only once this thread's first runs show that the rest
 * will take longer than this.
 */
export const WORKER_WORTH_SECONDS = 2;
/** Time this thread spends on runs before it estimates how long the rest will take. */
const PROBE_SECONDS = 0.05;

/**
 * After `ranHere` runs in `elapsed` seconds on this thread, with `left` runs
 * still to start: is the rest worth starting workers for? `workersAfter` 0
 * starts them at once (tests).
 */
export function workersWorthStarting(elapsed: number, ranHere: number, left: number, workersAfter: number): boolean {
  return workersAfter === 0 || (elapsed >= PROBE_SECONDS && (elapsed / ranHere) * left > workersAfter);
}
