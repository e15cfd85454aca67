// Summaries of a sweep's results file: mean and standard deviation of the
// standard metrics for each combination of the chosen grid keys.

import { readFileSync } from 'node:fs';
import { InputError } from '../model/errors.js';

export const SUMMARY_METRICS = ['effectiveRank', 'loss', 't', 'nfev', 'reconstructionError'] as const;

interface Line { cell: Record<string, unknown>; result: Record<string, unknown> }

export function readResults(path: string): Line[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('results', `expected a readable results file, got ${(e as NodeJS.ErrnoException).code ?? 'error'} for ${path}`);
  }
  const lines: Line[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      lines.push(JSON.parse(l));
    } catch {
      // A half-written last line (a sweep still running or killed) is not an error here.
      if (i === text.split('\n').length - 1) return;
      throw new InputError(`${path}:${i + 1}`, 'expected one JSON result per line');
    }
  });
  return lines;
}

function csvField(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function stats(xs: number[]): [number, number] {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return [mean, Math.sqrt(v)];
}

export interface SummaryRow { keys: unknown[]; n: number; metrics: Record<string, [number, number] | null> }

export function summarize(lines: Line[], by: string[]): SummaryRow[] {
  const groups = new Map<string, { keys: unknown[]; rows: Line[] }>();
  for (const line of lines) {
    const keys = by.map((k) => {
      if (!(k in line.cell)) throw new InputError('--by', `expected grid keys of the sweep (${Object.keys(line.cell).join(', ')}), got "${k}"`);
      return line.cell[k];
    });
    const id = JSON.stringify(keys);
    if (!groups.has(id)) groups.set(id, { keys, rows: [] });
    groups.get(id)!.rows.push(line);
  }
  const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return [...groups.values()]
    .sort((x, y) => { for (let i = 0; i < by.length; i++) { const c = cmp(x.keys[i], y.keys[i]); if (c !== 0) return c; } return 0; })
    .map(({ keys, rows }) => {
      const metrics: SummaryRow['metrics'] = {};
      for (const m of SUMMARY_METRICS) {
        const xs = rows.map((r) => r.result[m]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        metrics[m] = xs.length ? stats(xs) : null;
      }
      return { keys, n: rows.length, metrics };
    });
}

export function summaryCsv(rows: SummaryRow[], by: string[]): string {
  const header = [...by, 'n', ...SUMMARY_METRICS.flatMap((m) => [`${m}_mean`, `${m}_std`])];
  const body = rows.map((r) => [...r.keys.map(csvField), String(r.n), ...SUMMARY_METRICS.flatMap((m) => (r.metrics[m] ? r.metrics[m]!.map(String) : ['', '']))].join(','));
  return [header.join(','), ...body].join('\n') + '\n';
}
