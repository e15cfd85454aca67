// Summaries of a sweep's results file (summary.ts), read line by line, so
// its size does not matter.

import type { ReadLinesOptions } from './lineReader.js';
import { forEachResult, type ResultLine } from './resultsFile.js';
import { Summarizer, type SummaryRow } from './summary.js';

export { SUMMARY_METRICS, hasNonFiniteMetrics, Summarizer, summarize, summaryCsv, type SummaryRow } from './summary.js';

type Line = ResultLine;

/** All results of a (small) file in memory; summaries and merges stream instead. */
export function readResults(path: string, options: ReadLinesOptions = {}): Line[] {
  const lines: Line[] = [];
  forEachResult(path, (r) => { lines.push(r); }, options);
  return lines;
}

/**
 * Summarize a results file, streaming. Without `by`, groups by every grid
 * key of the sweep: the header's, or for a file without one, every cell key
 * but the trial.
 */
export function summarizeFile(path: string, by?: string[], options: ReadLinesOptions = {}): { by: string[]; rows: SummaryRow[] } {
  let s: Summarizer | null = by ? new Summarizer(by) : null;
  let headerGrid: string[] | null = null;
  const header = forEachResult(path, (r) => {
    if (!s) s = new Summarizer(headerGrid ?? Object.keys(r.cell).filter((k) => k !== 'trial'));
    s.add(r);
  }, { ...options, onHeader: (h) => { headerGrid = h.grid; } });
  const used = s ?? new Summarizer(by ?? header?.grid ?? []);
  return { by: used.by, rows: used.rows() };
}
