// The machine's memory, for the memory guard (resources.ts). A browser build
// substitutes memory.browser.ts.

import { totalmem } from 'node:os';

/** Bytes of memory of this machine (os.totalmem reads /proc/meminfo on each call: callers cache it). */
export function machineMemory(): number {
  return totalmem();
}
