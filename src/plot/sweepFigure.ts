// The figure of a sweep: one result field against one grid key, the mean over
// trials as a line with a ±1 standard deviation band, one colour per value of
// another grid key, optionally one panel per value of a third.

import { InputError } from '../model/errors.js';

interface Line { cell: Record<string, unknown>; result: Record<string, unknown> }

export interface SweepFigureOptions {
  x: string;
  y: string;
  color?: string;
  facet?: string;
  logX?: boolean;
}

const label = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function mean(xs: number[]): number { return xs.reduce((a, b) => a + b, 0) / xs.length; }
function std(xs: number[], m: number): number { return xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0; }

export function sweepFigure(lines: Line[], options: SweepFigureOptions, source = 'the results file'): { spec: object; groups: number; cells: number } {
  if (lines.length === 0) throw new InputError('results', `expected at least one result line in ${source}, got none (an empty sweep)`);
  const gridKeys = Object.keys(lines[0].cell ?? {});
  const checkKey = (flag: string, key: string | undefined) => {
    if (key !== undefined && !lines.every((l) => l.cell && key in l.cell)) {
      throw new InputError(flag, `expected a grid key of the sweep (${gridKeys.join(', ')}), got "${key}"`);
    }
  };
  checkKey('--x', options.x);
  checkKey('--color', options.color);
  checkKey('--facet', options.facet);
  const numericFields = Object.keys(lines[0].result ?? {}).filter((k) => lines.some((l) => typeof l.result?.[k] === 'number'));
  if (!numericFields.includes(options.y)) {
    throw new InputError('--y', `expected a numeric result field (${numericFields.join(', ')}), got "${options.y}"`);
  }

  // Group by (facet, colour, x); the y values of a group are its trials.
  const groups = new Map<string, { x: unknown; color: unknown; facet: unknown; ys: number[] }>();
  for (const l of lines) {
    const x = l.cell[options.x], color = options.color ? l.cell[options.color] : '', facet = options.facet ? l.cell[options.facet] : '';
    const id = JSON.stringify([facet, color, x]);
    if (!groups.has(id)) groups.set(id, { x, color, facet, ys: [] });
    const y = l.result[options.y];
    if (typeof y === 'number' && Number.isFinite(y)) groups.get(id)!.ys.push(y);
  }
  const numericX = [...groups.values()].every((g) => typeof g.x === 'number');
  if (options.logX && !(numericX && [...groups.values()].every((g) => (g.x as number) > 0))) {
    throw new InputError('--log-x', `expected positive numbers in grid key "${options.x}" for a log axis`);
  }
  const rows = [...groups.values()].filter((g) => g.ys.length > 0).map((g) => {
    const m = mean(g.ys), s = std(g.ys, m);
    return { x: numericX ? g.x : label(g.x), color: label(g.color), facet: label(g.facet), mean: m, lo: m - s, hi: m + s, n: g.ys.length };
  });
  if (rows.length === 0) throw new InputError('--y', `expected finite values of "${options.y}" in ${source}, got none`);

  const x = { field: 'x', type: numericX ? 'quantitative' : 'ordinal', title: options.x + (options.logX ? ' (log scale)' : ''), ...(options.logX ? { scale: { type: 'log' } } : {}) };
  // Nominal: distinct hues, even for numeric keys such as depth (a sequential
  // scale made the smallest value nearly invisible). Line symbols in the legend.
  const color = options.color ? { color: { field: 'color', type: 'nominal', title: options.color, legend: { symbolType: 'stroke', symbolStrokeWidth: 3 } } } : {};
  const bandColor = color;
  const layer = {
    width: 420,
    height: 280,
    layer: [
      { mark: { type: numericX ? 'area' : 'bar', fillOpacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: `${options.y} (mean ± 1 std over trials)` }, y2: { field: 'hi' }, ...bandColor } },
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, ...color, tooltip: [{ field: 'mean' }, { field: 'n', title: 'trials' }] } },
    ],
  };
  const spec = options.facet
    ? { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', data: { values: rows }, facet: { column: { field: 'facet', type: 'ordinal', title: options.facet } }, spec: layer, resolve: { scale: { y: 'shared' } } }
    : { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', data: { values: rows }, ...layer };
  return { spec, groups: rows.length, cells: lines.length };
}
