// The memory a page may use, for the memory guard (resources.ts), in a browser:
// the JavaScript heap limit where the engine tells it (Chromium), else the
// device memory it reports (navigator.deviceMemory, in GiB, capped at 8 by
// the browsers), else 4 GiB.

import type * as NodeSide from './memory.js';

const GiB = 2 ** 30;

export const machineMemory: typeof NodeSide.machineMemory = () => {
  const g = globalThis as { performance?: { memory?: { jsHeapSizeLimit?: number } }; navigator?: { deviceMemory?: number } };
  const heap = g.performance?.memory?.jsHeapSizeLimit;
  if (typeof heap === 'number' && heap > 0) return 2 * heap;
  const device = g.navigator?.deviceMemory;
  return typeof device === 'number' && device > 0 ? device * GiB : 4 * GiB;
};
