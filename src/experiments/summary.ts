// Summaries of a sweep's results (the lines, however read): for each
// combination of the chosen grid keys, how many cells, how many failed
// (status other than "converged") or have non-finite metrics, and mean and
// standard deviation of the standard metrics over the cells whose metrics are
// finite, one running accumulator per group. summarize.ts reads them from a
// results file; a page (web/) from the cells it computed.

import { InputError } from '../model/errors.js';
import type { ResultLine } from './resultsFile.js';

export const SUMMARY_METRICS = ['effectiveRank', 'loss', 't', 'nfev', 'reconstructionError'] as const;

type Line = ResultLine;

function csvField(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A cell whose numbers are not all finite: JSON writes NaN as null, so a NaN
 * loss or singular value reads back as null. Its effective rank (NaN from
 * NaN singular values; 0 in older files) means nothing, so none of its
 * metrics is averaged.
 * reconstructionError is null by design when every entry is observed.
 */
export function hasNonFiniteMetrics(result: Record<string, unknown>): boolean {
  for (const m of ['effectiveRank', 'loss', 't', 'nfev'] as const) if (!isFiniteNumber(result[m])) return true;
  const sv = result.singularValues;
  if (sv !== undefined && (!Array.isArray(sv) || !sv.every(isFiniteNumber))) return true;
  const re = result.reconstructionError;
  return re !== undefined && re !== null && !isFiniteNumber(re);
}

/**
 * Running mean and variance (Welford 1962): one pass, no list of values kept.
 * The sum of squared deviations is kept as scale^2 * ssq, scale the largest
 * deviation factor seen (as LAPACK's dlassq does), so that it does not
 * overflow for values up to 1e300.
 */
class Moments {
  n = 0;
  mean = 0;
  private scale = 0;
  private ssq = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    // d and x - mean have the same sign: the term is |d| |x - mean| >= 0, and |d| is the larger factor.
    const a = Math.abs(d), b = Math.abs(x - this.mean);
    if (a > this.scale) {
      this.ssq *= (this.scale / a) ** 2;
      this.scale = a;
    }
    if (a > 0) this.ssq += (a / this.scale) * (b / this.scale);
  }
  stats(): [number, number] | null {
    return this.n === 0 ? null : [this.mean, this.n > 1 ? this.scale * Math.sqrt(this.ssq / (this.n - 1)) : 0];
  }
}

class Group {
  n = 0;
  failed = 0;
  nonFinite = 0;
  readonly metrics = SUMMARY_METRICS.map(() => new Moments());
  constructor(readonly keys: unknown[]) {}
  add(result: Record<string, unknown>): void {
    this.n++;
    if (result.status !== 'converged') this.failed++;
    if (hasNonFiniteMetrics(result)) {
      this.nonFinite++;
      return;
    }
    SUMMARY_METRICS.forEach((m, i) => { const v = result[m]; if (isFiniteNumber(v)) this.metrics[i].add(v); });
  }
}

export interface SummaryRow {
  keys: unknown[];
  /** Cells in the group. */
  n: number;
  /** Cells whose status is not "converged". */
  failed: number;
  /** Cells with a non-finite metric: left out of every mean. */
  nonFinite: number;
  metrics: Record<string, [number, number] | null>;
}

/** Groups results by `by` as they come. */
export class Summarizer {
  private readonly groups = new Map<string, Group>();
  constructor(readonly by: string[]) {}
  add(line: Line): void {
    const keys = this.by.map((k) => {
      if (!Object.hasOwn(line.cell, k)) throw new InputError('--by', `expected grid keys of the sweep (${Object.keys(line.cell).join(', ')}), got "${k}"`);
      return line.cell[k];
    });
    const id = JSON.stringify(keys);
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, (g = new Group(keys)));
    g.add(line.result);
  }
  rows(): SummaryRow[] {
    const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return [...this.groups.values()]
      .sort((x, y) => { for (let i = 0; i < this.by.length; i++) { const c = cmp(x.keys[i], y.keys[i]); if (c !== 0) return c; } return 0; })
      .map((g) => {
        const metrics: SummaryRow['metrics'] = {};
        SUMMARY_METRICS.forEach((m, i) => { metrics[m] = g.metrics[i].stats(); });
        return { keys: g.keys, n: g.n, failed: g.failed, nonFinite: g.nonFinite, metrics };
      });
  }
}

export function summarize(lines: Iterable<Line>, by: string[]): SummaryRow[] {
  const s = new Summarizer(by);
  for (const l of lines) s.add(l);
  return s.rows();
}

export function summaryCsv(rows: SummaryRow[], by: string[]): string {
  const header = [...by, 'n', 'failed', 'nonfinite', ...SUMMARY_METRICS.flatMap((m) => [`${m}_mean`, `${m}_std`])];
  const body = rows.map((r) => [...r.keys.map(csvField), String(r.n), String(r.failed), String(r.nonFinite), ...SUMMARY_METRICS.flatMap((m) => (r.metrics[m] ? r.metrics[m]!.map(String) : ['', '']))].join(','));
  return [header.join(','), ...body].join('\n') + '\n';
}
