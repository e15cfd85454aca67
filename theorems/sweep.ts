// Figure 2/5 data: singular values of the block-diagonal limit W(inf)
// against the init scale alpha^L, by depth and coupling c (W_l(0) = alpha (I + c J)).

import { effectiveRank } from '../src/analysis/spectrum.js';
import { blockSelfCheck } from './block/selfCheck.js';
import { solveBlockLimit } from './block/solve.js';
import type { BlockParams } from './block/types.js';

export interface LimitSweepTask {
  name: string;
  /** Number of blocks and block size: d = n q. */
  n: number;
  q: number;
}

export interface LimitSweepOptions {
  tasks?: LimitSweepTask[];
  depths?: number[];
  cs?: number[];
  productScales?: number[];
  s?: number;
}

export interface LimitSweepRow {
  task: string; d: number; n: number; q: number; depth: number; c: number;
  alpha: number; productScale: number; Lam: number; N: number;
  /** log10 N: exact also where N leaves the double range (N and log10N are NaN for a task with one block, n = 1: no E2). */
  log10N: number;
  effectiveRank: number;
  /** The theorem's self-check: 'exact' or 'inexact' (block/selfCheck.ts). */
  status: 'exact' | 'inexact';
}

export const DEFAULT_SWEEP: Required<LimitSweepOptions> = {
  tasks: [{ name: 'diagonal', n: 4, q: 1 }, { name: 'block-diagonal', n: 3, q: 2 }],
  depths: [2, 3, 4],
  cs: [0, 1e-3, 0.1, 0.5, 1],
  productScales: Array.from({ length: 13 }, (_, i) => 10 ** (-6 + i * 0.5)),
  s: 1,
};

export function blockParams(n: number, q: number, depth: number, alpha: number, c: number, s = 1): BlockParams {
  return { d: n * q, n, q, s, a: new Array(depth).fill(alpha), b: new Array(depth).fill(alpha * c) };
}

export function limitSweep(options: LimitSweepOptions = {}): LimitSweepRow[] {
  const o = { ...DEFAULT_SWEEP, ...options };
  const rows: LimitSweepRow[] = [];
  for (const task of o.tasks) {
    for (const depth of o.depths) {
      for (const c of o.cs) {
        for (const productScale of o.productScales) {
          const alpha = Math.pow(productScale, 1 / depth);
          const p = blockParams(task.n, task.q, depth, alpha, c, o.s);
          const sol = solveBlockLimit(p);
          const sv = [sol.Lam, ...new Array(p.n - 1).fill(sol.N), ...new Array(p.d - p.n).fill(0)];
          const log10N = sol.exact ? sol.exact.logN / Math.LN10 : Math.log10(Math.abs(sol.N));
          const { status } = blockSelfCheck(sol);
          rows.push({ task: task.name, d: p.d, n: p.n, q: p.q, depth, c, alpha, productScale, Lam: sol.Lam, N: sol.N, log10N, effectiveRank: effectiveRank(sv), status });
        }
      }
    }
  }
  return rows;
}

export function toCsv(rows: LimitSweepRow[]): string {
  const cols: (keyof LimitSweepRow)[] = ['task', 'd', 'n', 'q', 'depth', 'c', 'alpha', 'productScale', 'Lam', 'N', 'log10N', 'effectiveRank', 'status'];
  return [cols.join(','), ...rows.map((r) => cols.map((k) => String(r[k])).join(','))].join('\n') + '\n';
}
