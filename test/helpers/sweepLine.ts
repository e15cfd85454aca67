// The one line `dmflow sweep` ends with, computed from the results file itself:
// every cell of the file by status (converged first, then by name), then how
// many ran now and how many were already in the file (docs/sweeps.md).

import { readResults } from '../../src/experiments/summarize.js';

export function expectedSweepLine(out: string, ranNow: number, reused: number): string {
  const counts = new Map<string, number>();
  const rows = readResults(out);
  for (const l of rows) {
    const s = typeof l.result.status === 'string' ? l.result.status : 'no status';
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const names = [...counts.keys()].sort((a, b) => (a === 'converged' ? -1 : b === 'converged' ? 1 : a.localeCompare(b)));
  return `dmflow sweep: ${rows.length} cells: ${names.map((s) => `${counts.get(s)} ${s}`).join(', ')}; ${ranNow} run now, ${reused} already in ${out}`;
}

/** The last line of a command's stderr. */
export const lastLine = (stderr: string): string => stderr.trimEnd().split('\n').pop() ?? '';
