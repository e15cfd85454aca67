// The figure of a sweep: one result field against one grid key, per point the
// median over its cells with the interquartile range as a band (or mean ± std,
// min–max, none), one colour per value of another grid key and one panel per
// value of a third. Every other grid key that varies is pooled into the points,
// and the subtitle says so. Bands stay inside the range the quantity can take.

import { summarizeSample } from '../analysis/quantiles.js';
import { InputError } from '../model/errors.js';
import { axisWithTicks, colorScale, linearDomain, logDomain, logTicks } from './axes.js';

interface Line { cell: Record<string, unknown>; result: Record<string, unknown> }

export const BANDS = ['iqr', 'std', 'minmax', 'none'] as const;
export type Band = (typeof BANDS)[number];
export const FACET_Y = ['auto', 'shared', 'independent'] as const;
export type FacetY = (typeof FACET_Y)[number];

export interface SweepFigureOptions {
  x: string;
  y: string;
  color?: string;
  facet?: string;
  logX?: boolean;
  logY?: boolean;
  /** Band around the line (default iqr: median and quartiles). */
  band?: string;
  /** Panels' y scales (default auto: independent when their spans differ more than tenfold). */
  facetY?: string;
}

/** One point of the figure: the cells sharing a facet, colour and x value. */
export interface SweepRow {
  x: number | string;
  color: string;
  facet: string;
  /** The line: the median (the mean for band std). */
  center: number;
  /** The band's edges, inside the quantity's known range (absent for band none). */
  lo?: number;
  hi?: number;
  /** Cells with a finite value, and of those, how many did not end "converged". */
  n: number;
  notConverged: number;
  /** What the point's <title> (hover text) says. */
  description?: string;
}

export interface KnownRange {
  min: number;
  max: number;
  /** Where the range comes from, for the docs and the subtitle. */
  why: string;
}

/** Result fields that are norms, counts, times or losses: never below 0. */
const NON_NEGATIVE = ['loss', 'lossRel', 'lossTol', 'lossFloor', 'gradNorm', 't', 'nfev', 'steps', 'rejected', 'reconstructionError', 'invariantDrift'];

/**
 * The range a result field can take, where it is known: the effective rank
 * (Roy & Vetterli 2007) of a nonzero W lies in [1, min(m, n)], min(m, n) read
 * as the number of singular values in the results; the losses, norms, errors,
 * times and counts are >= 0. null for any other field (nothing is cut).
 */
export function knownRange(field: string, lines: readonly Line[]): KnownRange | null {
  if (field === 'effectiveRank') {
    let bound = 0, least = Infinity;
    for (const l of lines) {
      const sv = l.result.singularValues;
      if (Array.isArray(sv)) bound = Math.max(bound, sv.length);
      const v = l.result.effectiveRank;
      if (typeof v === 'number' && Number.isFinite(v)) least = Math.min(least, v);
    }
    // W = 0 has effective rank 0 (no singular value to weigh); only then is 0 in range.
    const min = least < 1 ? 0 : 1;
    return bound > 0 ? { min, max: bound, why: `min(m, n) = ${bound}` } : { min, max: Infinity, why: 'effective rank' };
  }
  if (NON_NEGATIVE.includes(field)) return { min: 0, max: Infinity, why: 'non-negative' };
  return null;
}

const label = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const keyOf = (v: unknown) => JSON.stringify(v);
const fmt = (v: number) => Number(v.toPrecision(4)).toString();

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(flag, `expected one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

const BAND_TEXT: Record<Band, string> = {
  iqr: 'median (line) and interquartile range (band)',
  std: 'mean (line) ± 1 standard deviation (band)',
  minmax: 'median (line) and min–max range (band)',
  none: 'median',
};

type Group = { x: unknown; color: unknown; facet: unknown; ys: number[]; notConverged: number };

/** The options checked against the results: grid keys, a numeric y field, band and panel scales. */
function checkedOptions(lines: Line[], options: SweepFigureOptions): { gridKeys: string[]; band: Band; facetY: FacetY } {
  const gridKeys = Object.keys(lines[0].cell ?? {});
  const checkKey = (flag: string, key: string | undefined) => {
    if (key !== undefined && !lines.every((l) => l.cell && Object.hasOwn(l.cell, key))) {
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
  const band = oneOf('--band', options.band, BANDS, 'iqr');
  const facetY = oneOf('--facet-y', options.facetY, FACET_Y, 'auto');
  if (band === 'std' && options.logY) throw new InputError('--band', 'expected iqr, minmax or none with --log-y (mean ± std is not a summary on a log scale), got "std"');
  return { gridKeys, band, facetY };
}

/** The cells grouped by (facet, colour, x) in the order they come (the sweep's grid order), with the finite y values of each. */
function groupCells(lines: Line[], options: SweepFigureOptions): Group[] {
  const groups = new Map<string, Group>();
  for (const l of lines) {
    const x = l.cell[options.x], color = options.color ? l.cell[options.color] : '', facet = options.facet ? l.cell[options.facet] : '';
    const id = keyOf([facet, color, x]);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { x, color, facet, ys: [], notConverged: 0 }));
    const y = l.result[options.y];
    if (typeof y === 'number' && Number.isFinite(y)) {
      g.ys.push(y);
      if (l.result.status !== 'converged') g.notConverged++;
    }
  }
  return [...groups.values()];
}

/** One row per group with values: the line's centre, the band cut to the known range, and the hover text. */
function summaryRows(groups: Group[], options: SweepFigureOptions, band: Band, range: KnownRange | null, numericX: boolean): { rows: SweepRow[]; clipped: boolean } {
  const clip = (v: number) => (range ? Math.min(range.max, Math.max(range.min, v)) : v);
  let clipped = false;
  const rows: SweepRow[] = [];
  for (const g of groups) {
    const s = summarizeSample(g.ys);
    if (!s) continue;
    const row: SweepRow = { x: numericX ? (g.x as number) : label(g.x), color: label(g.color), facet: label(g.facet), center: band === 'std' ? s.mean : s.median, n: s.n, notConverged: g.notConverged };
    if (band !== 'none') {
      const [lo, hi] = band === 'iqr' ? [s.q1, s.q3] : band === 'minmax' ? [s.min, s.max] : [s.mean - s.std, s.mean + s.std];
      row.lo = clip(lo);
      row.hi = clip(hi);
      if (row.lo !== lo || row.hi !== hi) clipped = true;
    }
    const where = [options.facet && `${options.facet} ${row.facet}`, options.color && `${options.color} ${row.color}`, `${options.x} ${numericX ? fmt(row.x as number) : row.x}`].filter(Boolean).join(', ');
    const edges = band === 'none' ? '' : band === 'std' ? `, std ${fmt(s.std)}` : band === 'iqr' ? `, q1 ${fmt(s.q1)}, q3 ${fmt(s.q3)}` : `, min ${fmt(s.min)}, max ${fmt(s.max)}`;
    row.description = `${where}: ${band === 'std' ? 'mean' : 'median'} ${fmt(row.center)}${edges}, n = ${s.n}${g.notConverged ? ` (${g.notConverged} not converged)` : ''}`;
    rows.push(row);
  }
  return { rows, clipped };
}

/**
 * The x encoding: domain from the data; ticks at 1, 2, 5 x 10^k on a log axis
 * (at the grid values when fewer than two of those fall inside), at the grid
 * values on a linear axis with few of them; an ordinal axis for non-numeric x.
 */
function xEncoding(rows: SweepRow[], options: SweepFigureOptions, numericX: boolean): object {
  const xs = [...new Set(rows.map((r) => r.x))];
  if (!numericX) return { field: 'x', type: 'ordinal', title: options.x, sort: xs, axis: { labelAngle: 0 } };
  const xv = (xs as number[]).sort((a, b) => a - b);
  const lo = xv[0], hi = xv[xv.length - 1];
  let ticks = options.logX ? logTicks(lo, hi) : xv.length <= 12 ? xv : undefined;
  if (options.logX && ticks!.length < 2) ticks = xv;
  // 3% of the span as a margin, so the end points are not drawn on the frame.
  const domain = lo === hi ? undefined : options.logX ? [lo / (hi / lo) ** 0.03, hi * (hi / lo) ** 0.03] : [lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)];
  return {
    field: 'x', type: 'quantitative', title: options.x + (options.logX ? ' (log scale)' : ''),
    scale: { type: options.logX ? 'log' : 'linear', ...(domain ? { domain } : {}), nice: false, ...(options.logX ? {} : { zero: false }) },
    ...(ticks ? { axis: axisWithTicks(ticks) } : {}),
  };
}

/** The y domain of each panel (facet) from what is drawn (line and band), cut to the known range, and whether panels share it. */
function yScales(rows: SweepRow[], facets: string[], options: SweepFigureOptions, range: KnownRange | null, facetYOption: FacetY) {
  const extent = (rs: SweepRow[]) => {
    let lo = Infinity, hi = -Infinity;
    for (const r of rs) for (const v of [r.center, r.lo, r.hi]) if (v !== undefined) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return [lo, hi] as [number, number];
  };
  const domainOf = ([lo, hi]: [number, number]): [number, number] => options.logY
    ? logDomain(lo, hi, range?.min ?? 0, range?.max ?? Infinity)
    : linearDomain(lo, hi, range?.min ?? -Infinity, range?.max ?? Infinity);
  const spans = facets.map((f) => {
    const [lo, hi] = extent(rows.filter((r) => r.facet === f));
    return options.logY ? Math.log10(hi / lo) : hi - lo;
  });
  const spread = Math.max(...spans) / Math.max(Math.min(...spans), 1e-12 * Math.max(...spans), Number.MIN_VALUE);
  const facetY: 'shared' | 'independent' = facetYOption === 'auto' ? (facets.length > 1 && spread > 10 ? 'independent' : 'shared') : facetYOption;
  const sharedDomain = domainOf(extent(rows));
  const domainFor = (facet: string) => (facetY === 'independent' ? domainOf(extent(rows.filter((r) => r.facet === facet))) : sharedDomain);
  return { facetY, domainFor };
}

interface PanelContext {
  rows: SweepRow[];
  facets: string[];
  options: SweepFigureOptions;
  band: Band;
  numericX: boolean;
  xEnc: object;
  facetY: 'shared' | 'independent';
  domainFor: (facet: string) => [number, number];
}

/** The Vega-Lite layers of one panel: band (area and edges, or error bars), line and points with their hover text. */
function panelSpec(c: PanelContext, facet: string, first: boolean) {
  const { rows, facets, options, band, numericX, xEnc, facetY } = c;
  const colorValues = [...new Set(rows.map((r) => r.color))];
  const palette = colorScale(colorValues);
  const colorEnc = options.color
    ? { color: { field: 'color', type: palette.type, title: options.color, scale: palette.scale, legend: { symbolType: 'stroke', symbolStrokeWidth: 3 } } }
    : { color: { value: '#0072B2' } };
  const offset = !numericX && options.color ? { xOffset: { field: 'color', type: 'nominal', sort: colorValues } } : {};
  const yTitle = `${options.y}${options.logY ? ' (log scale)' : ''}`;
  const tooltip = [
    { field: 'x', title: options.x },
    ...(options.color ? [{ field: 'color', title: options.color }] : []),
    ...(options.facet ? [{ field: 'facet', title: options.facet }] : []),
    { field: 'center', title: band === 'std' ? 'mean' : 'median', format: '.4~g' },
    ...(band === 'none' ? [] : [
      { field: 'lo', title: band === 'iqr' ? 'q1' : band === 'minmax' ? 'min' : 'mean − std', format: '.4~g' },
      { field: 'hi', title: band === 'iqr' ? 'q3' : band === 'minmax' ? 'max' : 'mean + std', format: '.4~g' },
    ]),
    { field: 'n', title: 'n' },
    { field: 'notConverged', title: 'not converged' },
  ];
  const domain = c.domainFor(facet);
  const ticks = options.logY ? logTicks(domain[0], domain[1], 7) : undefined;
  const y = (field: string) => ({
    field, type: 'quantitative', title: first || facetY === 'independent' ? yTitle : null,
    scale: { type: options.logY ? 'log' : 'linear', domain, nice: false, ...(options.logY ? {} : { zero: false }) },
    ...(ticks && ticks.length >= 2 ? { axis: axisWithTicks(ticks) } : {}),
  });
  const bandLayer = band === 'none' ? [] : numericX
    ? [{ mark: { type: 'area', fillOpacity: 0.1 }, encoding: { x: xEnc, y: y('lo'), y2: { field: 'hi' }, ...colorEnc } },
       { mark: { type: 'line', strokeWidth: 0.8, strokeDash: [3, 2], opacity: 0.7 }, encoding: { x: xEnc, y: y('lo'), ...colorEnc } },
       { mark: { type: 'line', strokeWidth: 0.8, strokeDash: [3, 2], opacity: 0.7 }, encoding: { x: xEnc, y: y('hi'), ...colorEnc } }]
    : [{ mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: xEnc, ...offset, y: y('lo'), y2: { field: 'hi' }, ...colorEnc } }];
  return {
    width: facets.length > 1 ? 340 : 440,
    height: 280,
    ...(options.facet ? { title: { text: `${options.facet} = ${facet}`, fontSize: 12, fontWeight: 'normal' } } : {}),
    data: { values: rows.filter((r) => r.facet === facet) },
    layer: [
      ...bandLayer,
      ...(numericX ? [{ mark: { type: 'line', strokeWidth: 2 }, encoding: { x: xEnc, y: y('center'), ...colorEnc } }] : []),
      { mark: { type: 'point', filled: true, size: 36, opacity: 1 }, encoding: { x: xEnc, ...offset, y: y('center'), ...colorEnc, tooltip, description: { field: 'description' } } },
    ],
  };
}

interface SubtitleFacts {
  lines: Line[];
  rows: SweepRow[];
  options: SweepFigureOptions;
  band: Band;
  numericX: boolean;
  pooled: string[];
  clipped: boolean;
  range: KnownRange | null;
  facetY: 'shared' | 'independent';
}

/** The subtitle: what the line and band are over how many cells, what is pooled, cut or not converged. */
function subtitleLines(f: SubtitleFacts): string[] {
  const { lines, rows, options, band, pooled, range } = f;
  const valuesOf = (k: string) => [...new Set(lines.map((l) => keyOf(l.cell[k])))].map((s) => JSON.parse(s) as unknown);
  const ns = rows.map((r) => r.n);
  const nMin = Math.min(...ns), nMax = Math.max(...ns);
  const trialsPer = new Set(lines.map((l) => keyOf(l.cell.trial))).size;
  const nText = nMin === nMax ? `${nMin}` : `${nMin}–${nMax}`;
  const trials = `${trialsPer} trial${trialsPer === 1 ? '' : 's'}`;
  // Without a numeric x there is no line: points with error bars.
  const bandText = f.numericX ? BAND_TEXT[band] : BAND_TEXT[band].replace('(line)', '(point)').replace('(band)', '(bar)');
  const subtitle = [
    pooled.length === 0 && nMin === nMax && nMin === trialsPer
      ? `${bandText} over the ${trials} of each point`
      : `${bandText} over n = ${nText} cells per point`,
    ...(pooled.length ? [`each point pools ${pooled.map((k) => `${k} ∈ {${valuesOf(k).map(label).join(', ')}}`).join(' × ')} × ${trials} (name a key in --color or --facet to separate it)`] : []),
    ...(f.clipped && range ? [`band cut to the range of ${options.y}, [${fmt(range.min)}, ${range.max === Infinity ? '∞)' : `${fmt(range.max)}]`} (${range.why})`] : []),
    ...(f.facetY === 'independent' ? ['y scales differ between panels'] : []),
  ];
  const notConverged = rows.reduce((c, r) => c + r.notConverged, 0);
  if (notConverged > 0) subtitle.push(`${notConverged} of ${ns.reduce((a, b) => a + b, 0)} cells did not converge (status other than "converged")`);
  return subtitle;
}

export function sweepFigure(lines: Line[], options: SweepFigureOptions, source = 'the results file'): {
  spec: object; rows: SweepRow[]; groups: number; cells: number; band: Band; pooled: string[]; range: KnownRange | null; facetY: 'shared' | 'independent';
} {
  if (lines.length === 0) throw new InputError('results', `expected at least one result line in ${source}, got none (an empty sweep)`);
  const { gridKeys, band, facetY: facetYOption } = checkedOptions(lines, options);

  // Grid keys other than x, colour, facet and trial that take several values
  // are pooled into each point: the figure says which.
  const named = new Set([options.x, options.color, options.facet, 'trial']);
  const pooled = gridKeys.filter((k) => !named.has(k) && new Set(lines.map((l) => keyOf(l.cell[k]))).size > 1);

  const groups = groupCells(lines, options);
  const numericX = groups.every((g) => typeof g.x === 'number');
  if (options.logX && !(numericX && groups.every((g) => (g.x as number) > 0))) {
    throw new InputError('--log-x', `expected positive numbers in grid key "${options.x}" for a log axis`);
  }
  if (options.logY) {
    const bad = groups.reduce((c, g) => c + g.ys.filter((v) => !(v > 0)).length, 0);
    if (bad > 0) throw new InputError('--log-y', `expected positive values of "${options.y}" for a log axis, got ${bad} cells at or below 0`);
  }

  const range = knownRange(options.y, lines);
  const { rows, clipped } = summaryRows(groups, options, band, range, numericX);
  if (rows.length === 0) throw new InputError('--y', `expected finite values of "${options.y}" in ${source}, got none`);

  const xEnc = xEncoding(rows, options, numericX);
  const facets = [...new Set(rows.map((r) => r.facet))];
  const { facetY, domainFor } = yScales(rows, facets, options, range, facetYOption);
  const panels: PanelContext = { rows, facets, options, band, numericX, xEnc, facetY, domainFor };

  const subtitle = subtitleLines({ lines, rows, options, band, numericX, pooled, clipped, range, facetY });
  const title = { text: `${options.y} against ${options.x}${options.color ? ` by ${options.color}` : ''}`, subtitle, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#333' };
  const head = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', padding: 8, title };
  const spec = facets.length > 1 || options.facet
    ? { ...head, hconcat: facets.map((f, i) => panelSpec(panels, f, i === 0)), resolve: { scale: { color: 'shared', y: 'independent' } }, spacing: 16 }
    : { ...head, ...panelSpec(panels, facets[0], true) };
  return { spec, rows, groups: rows.length, cells: lines.length, band, pooled, range, facetY };
}
