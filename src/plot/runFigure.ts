// The figure of one run: the loss and the singular values of W against t,
// from the run's analysis samples (or its saved trajectory), with the saddles
// shaded, the end state marked and a title naming the problem and the status.
// A Vega-Lite spec; rendering is in svg.ts.

import { InputError } from '../model/errors.js';
import { makeMask, makeTarget } from '../model/problem.js';
import { parseSpec } from '../model/spec.js';
import { axisWithTicks, colorScale, logDomain, logTicks, MUTED_GREY, tickLabels } from './axes.js';

interface Point { t: number; loss: number; singularValues: number[] }
interface Segment { tStart: number; tEnd: number; loss?: number; rank: number }
interface RankStep { t: number; rank: number }

export interface RunFigureOptions {
  /** Singular values drawn in colour with a legend entry (the rest grey, unlabelled); default 6. */
  top?: number;
  /** Scale of the t axis (default log). */
  tScale?: 'log' | 'linear';
  /** The t axis's range; default: see defaultTRange. */
  tRange?: [number, number];
  /** The run's spec (parsed JSON), to name the problem in the title. */
  spec?: unknown;
}

interface Ending { status?: string; t?: number; loss?: number; lossTol?: number; singularValues?: number[]; plateau?: { tFrom?: number; t?: number } }

/** Read the points to draw from a parsed result file; `source` names the file in errors. */
function pointsOf(result: unknown, source: string): { points: Point[]; from: 'samples' | 'trajectory'; segments: Segment[]; rankSteps: RankStep[]; end: Ending } {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new InputError('result', `expected a run result (a JSON object written by dmflow run) in ${source}, got ${Array.isArray(result) ? 'an array' : typeof result}`);
  }
  const r = result as { samples?: unknown; trajectory?: unknown; saddles?: { segments?: unknown; rankSteps?: unknown } } & Ending;
  const from = Array.isArray(r.samples) && r.samples.length > 0 ? 'samples' : Array.isArray(r.trajectory) && r.trajectory.length > 0 ? 'trajectory' : null;
  if (from === null) {
    throw new InputError('result', `expected "samples" (dmflow run --samples N) or a "trajectory" (--save-times) in ${source}, got neither`);
  }
  const raw = r[from] as unknown[];
  const points = raw.map((p, i) => {
    const q = p as Partial<Point>;
    if (typeof q?.t !== 'number' || typeof q.loss !== 'number' || !Array.isArray(q.singularValues)) {
      throw new InputError(`result.${from}[${i}]`, `expected {t, loss, singularValues}, got ${JSON.stringify(p)?.slice(0, 60)}`);
    }
    return q as Point;
  });
  const found = r.saddles?.segments, steps = r.saddles?.rankSteps;
  const segments = from === 'samples' && Array.isArray(found) ? (found as Segment[]) : [];
  const rankSteps = from === 'samples' && Array.isArray(steps) ? (steps as RankStep[]) : [];
  return { points, from, segments, rankSteps, end: r };
}

/**
 * The plateaus that are saddles. The samples' plateau detector
 * (src/analysis/saddles.ts) also finds the slow final approach to a minimum,
 * where the loss is flat on a log-t scale too; a saddle is a plateau that the
 * flow leaves by learning one more singular direction (Jacot et al. 2021; Li,
 * Luo & Lyu 2021): the rank rises after its start and before the next
 * plateau. A run that the stop rules ended at a saddle (status "saddle") has
 * its last plateau shaded too, when it overlaps the stop rule's window. A
 * depth-1 run (known from its spec) has no saddles.
 */
export function saddlePlateaus(segments: readonly Segment[], rankSteps: readonly RankStep[], end: Ending = {}, depth?: number): Segment[] {
  // Depth 1 is a convex quadratic: its early flat stretch is the flow not having moved yet.
  if (depth === 1) return [];
  return segments.filter((s, i) => {
    const next = segments[i + 1]?.tStart ?? Infinity;
    if (rankSteps.some((r) => r.t >= s.tStart && r.t <= next && r.rank > s.rank)) return true;
    const p = end.plateau;
    return end.status === 'saddle' && i === segments.length - 1 && p !== undefined && (p.t ?? -Infinity) >= s.tStart && (p.tFrom ?? Infinity) <= s.tEnd;
  });
}

/**
 * The default t range on a log axis: from a decade before the loss first
 * moves (falls by 1% of its first value) to the end of the samples, but not
 * before the first sample. Samples start at T / 1e6, and a long initial
 * plateau would otherwise fill most of the width.
 */
export function defaultTRange(points: readonly Point[], tEnd: number): [number, number] {
  const pos = points.filter((p) => p.t > 0);
  const first = pos[0];
  const moved = pos.find((p) => p.loss < 0.99 * first.loss);
  const start = moved ? Math.max(first.t, moved.t / 10) : first.t;
  return [start, Math.max(tEnd, pos[pos.length - 1].t)];
}

/** A number in the figure's text: three digits, m×10ⁿ outside [0.001, 10000]. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const r = Number(v.toPrecision(3));
  return tickLabels([r])[0];
}

/** "10x10 rank-3 target, 60 of 100 observed, depth 3, gaussian init productScale 1e-6" from a spec. */
export function describeProblem(specValue: unknown): { text: string; m: number; n: number; depth: number } {
  const spec = parseSpec(specValue, 'spec');
  const target = makeTarget(spec.target);
  const { m, n } = target;
  const mask = makeMask(spec.observed, m, n);
  let observed = 0;
  for (const v of mask) observed += v;
  const t = spec.target;
  const targetText = Array.isArray(t) ? 'target given' : t.kind === 'low-rank' ? `rank-${t.rank} target` : `${t.kind} target`;
  const init = spec.init as Record<string, unknown>;
  const initText = Object.entries(init).filter(([k]) => k !== 'kind' && k !== 'seed' && k !== 'layers' && k !== 'path')
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : JSON.stringify(v)}`).join(', ');
  const text = `${m}x${n} ${targetText}, ${observed} of ${m * n} observed, depth ${spec.depth}${spec.width !== undefined ? ` (width ${spec.width})` : ''}, ${init.kind} init${initText ? ` ${initText}` : ''}`;
  return { text, m, n, depth: spec.depth };
}

/**
 * Vega-Lite spec: two panels sharing the t axis, the loss (log scale) on top
 * with the loss tolerance dashed, the singular values of W (log scale) below,
 * the top k in colour with a legend and the others grey; saddles shaded in
 * both; the end state marked.
 */
export function runFigure(result: unknown, source = 'the result', options: RunFigureOptions = {}): {
  spec: object; from: 'samples' | 'trajectory'; points: number; plateaus: number; saddles: Segment[]; tRange: [number, number]; top: number;
} {
  const { points: all, from, segments, rankSteps, end } = pointsOf(result, source);
  const log = (options.tScale ?? 'log') === 'log';
  const drawable = all.filter((p) => (log ? p.t > 0 : p.t >= 0)); // log t: t = 0 has no place on the axis
  if (drawable.length < 2) {
    throw new InputError(`result.${from}`, `expected at least 2 points at t > 0 to draw, got ${drawable.length}`);
  }
  const tEnd = typeof end.t === 'number' && Number.isFinite(end.t) ? end.t : drawable[drawable.length - 1].t;
  const tRange: [number, number] = options.tRange ?? (log ? defaultTRange(drawable, tEnd) : [0, Math.max(tEnd, drawable[drawable.length - 1].t)]);
  if (log && !(tRange[0] > 0)) throw new InputError('--t-range', `expected a start > 0 on a log t axis, got ${tRange[0]}`);
  const inRange = (t: number) => t >= tRange[0] * (1 - 1e-12) && t <= tRange[1] * (1 + 1e-12);
  const shown = drawable.filter((p) => inRange(p.t));
  if (shown.length < 2) throw new InputError('--t-range', `expected at least 2 points of the run's ${from} inside [${tRange[0]}, ${tRange[1]}], got ${shown.length}`);
  // The end state: the result's final t, loss and singular values.
  const endSigma = Array.isArray(end.singularValues) ? end.singularValues : all[all.length - 1].singularValues;
  const endLoss = typeof end.loss === 'number' ? end.loss : all[all.length - 1].loss;
  const endShown = inRange(tEnd);

  const count = Math.max(...all.map((p) => p.singularValues.length));
  const top = Math.min(options.top ?? 6, count);
  const names = Array.from({ length: count }, (_, i) => `σ${i + 1}`);
  const loss = drawable.filter((p) => p.loss > 0).map((p) => ({ t: p.t, loss: p.loss }));
  const sigma = drawable.flatMap((p) => p.singularValues.map((s, i) => ({ t: p.t, sigma: s, index: names[i], i }))).filter((d) => d.sigma > 0);
  const endSigmaRows = endShown ? endSigma.map((s, i) => ({ t: tEnd, sigma: s, index: names[i], i })).filter((d) => d.sigma > 0) : [];

  // y domains from what lies in the t range (and the loss tolerance).
  const lossIn = loss.filter((d) => inRange(d.t)).map((d) => d.loss);
  // The loss tolerance widens the loss axis only when the end state is in view
  // (zoomed into the early dynamics it would flatten them).
  const tol = typeof end.lossTol === 'number' && end.lossTol > 0 ? end.lossTol : undefined;
  const lossDomain = logDomain(Math.min(...lossIn, endShown && tol !== undefined ? tol : Infinity), Math.max(...lossIn));
  const lossTol = tol !== undefined && tol >= lossDomain[0] && tol <= lossDomain[1] ? tol : undefined;
  const sigmaIn = sigma.filter((d) => inRange(d.t)).map((d) => d.sigma);
  const sigmaDomain = logDomain(Math.min(...sigmaIn), Math.max(...sigmaIn));

  const problem = options.spec !== undefined ? describeProblem(options.spec) : null;
  const saddles = saddlePlateaus(segments, rankSteps, end, problem?.depth);
  const shade = {
    data: { values: saddles.filter((s) => s.tEnd >= tRange[0] && s.tStart <= tRange[1]).map((s) => ({ tStart: Math.max(s.tStart, tRange[0]), tEnd: Math.min(s.tEnd, tRange[1]), rank: s.rank })) },
    mark: { type: 'rect', color: '#888', opacity: 0.2 },
    encoding: {
      x: { field: 'tStart', type: 'quantitative' },
      x2: { field: 'tEnd' },
      tooltip: [{ field: 'rank', title: 'saddle at rank' }],
    },
  };
  const tTicks = log ? logTicks(tRange[0], tRange[1], 8) : undefined;
  const x = {
    field: 't', type: 'quantitative', title: `t (${log ? 'log' : 'linear'} scale)`,
    scale: { type: log ? 'log' : 'linear', domain: tRange, nice: false, ...(log ? {} : { zero: false }) },
    ...(tTicks && tTicks.length >= 2 ? { axis: axisWithTicks(tTicks) } : log ? {} : { axis: { tickCount: 10 } }),
  };
  const yAxis = (domain: [number, number], title: string, field: string) => {
    const ticks = logTicks(domain[0], domain[1], 7);
    return { field, type: 'quantitative', title, scale: { type: 'log', domain, nice: false }, ...(ticks.length >= 2 ? { axis: axisWithTicks(ticks) } : {}) };
  };
  const width = 560, height = 210;
  const shaded = shade.data.values.length > 0 ? [shade] : [];
  // Not clipped: the end state sits on the right edge of the t axis.
  const endMark = { type: 'point', shape: 'diamond', filled: true, size: 70, opacity: 1 };

  const lossY = yAxis(lossDomain, 'loss', 'loss');
  const lossPanel = {
    width, height,
    title: { text: 'loss', anchor: 'start', fontSize: 12 },
    layer: [
      ...shaded,
      ...(lossTol !== undefined ? [
        { data: { values: [{ loss: lossTol }] }, mark: { type: 'rule', strokeDash: [5, 3], color: '#555', strokeWidth: 1 }, encoding: { y: { ...lossY } } },
        { data: { values: [{ loss: lossTol, t: tRange[0], label: `lossTol ${formatNumber(lossTol)}` }] }, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, fontSize: 10, color: '#555' }, encoding: { x: { ...x }, y: { ...lossY }, text: { field: 'label' } } },
      ] : []),
      { data: { values: loss }, mark: { type: 'line', clip: true, color: '#0072B2', strokeWidth: 2 }, encoding: { x, y: lossY } },
      ...(endShown && endLoss > 0 ? [{ data: { values: [{ t: tEnd, loss: endLoss, status: end.status ?? '' }] }, mark: { ...endMark, color: '#000' }, encoding: { x, y: lossY, tooltip: [{ field: 't' }, { field: 'loss' }, { field: 'status' }] } }] : []),
    ],
  };

  const palette = colorScale(names.slice(0, top));
  const sigmaY = yAxis(sigmaDomain, 'singular value of W', 'sigma');
  const color = { field: 'index', type: palette.type, title: `top ${top} of ${count}`, scale: palette.scale, legend: { symbolType: 'stroke', symbolStrokeWidth: 3, orient: 'right' } };
  const topRows = sigma.filter((d) => d.i < top), restRows = sigma.filter((d) => d.i >= top);
  const sigmaPanel = {
    width, height,
    title: { text: `singular values of W${top < count ? ` (σ${top + 1}–σ${count} grey)` : ''}`, anchor: 'start', fontSize: 12 },
    layer: [
      ...shaded,
      ...(restRows.length ? [{ data: { values: restRows }, mark: { type: 'line', clip: true, color: MUTED_GREY, strokeWidth: 1 }, encoding: { x, y: sigmaY, detail: { field: 'index' } } }] : []),
      { data: { values: topRows }, mark: { type: 'line', clip: true, strokeWidth: 2 }, encoding: { x, y: sigmaY, color } },
      ...(endSigmaRows.length ? [
        { data: { values: endSigmaRows.filter((d) => d.i >= top) }, mark: { ...endMark, size: 40, color: MUTED_GREY }, encoding: { x, y: sigmaY } },
        { data: { values: endSigmaRows.filter((d) => d.i < top) }, mark: endMark, encoding: { x, y: sigmaY, color, tooltip: [{ field: 'index', title: 'σ' }, { field: 'sigma', title: 'value' }] } },
      ] : []),
    ],
  };

  if (problem) checkSize(problem, result, endSigma);
  const statusText = end.status ? `status ${end.status}` : 'status unknown';
  const size = sizeOf(result, endSigma);
  const plateausLeft = segments.length - saddles.length;
  const subtitle = [
    `ended at t = ${formatNumber(tEnd)} with loss ${formatNumber(endLoss)}${tol !== undefined ? ` (lossTol ${formatNumber(tol)}${lossTol !== undefined ? ', dashed' : ''})` : ''}; ◆ the end state${endShown ? '' : ' (outside the t range)'}`,
    `from the run's ${from} (${drawable.length} points), t from ${formatNumber(tRange[0])} to ${formatNumber(tRange[1])}${options.tRange ? ' (--t-range)' : log && tRange[0] > drawable[0].t ? ', starting a decade before the loss first moves' : ''}`,
    saddles.length
      ? `shaded: ${saddles.length} saddle${saddles.length > 1 ? 's' : ''} (plateaus the flow leaves by a rank step)${plateausLeft ? `; ${plateausLeft} later plateau${plateausLeft > 1 ? 's' : ''} with no rank step after it not shaded` : ''}`
      : segments.length ? `no saddle: ${segments.length} plateau${segments.length > 1 ? 's' : ''} found, ${problem?.depth === 1 ? 'and depth 1 has no saddles' : 'none followed by a rank step'}` : from === 'samples' ? 'no plateau found in the samples' : 'saddles are found in samples only (--samples N)',
  ];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    title: { text: `${problem ? problem.text : `${size} run (--spec names the problem)`}: ${statusText}`, subtitle, anchor: 'start', fontSize: 13, subtitleFontSize: 11, subtitleColor: '#333' },
    vconcat: [lossPanel, sigmaPanel],
    spacing: 14,
    resolve: { legend: { color: 'independent' } },
  };
  return { spec, from, points: drawable.length, plateaus: segments.length, saddles, tRange, top };
}

/** "10x10" from the result's matrix, else "k singular values". */
function sizeOf(result: unknown, sigma: readonly number[]): string {
  const matrix = (result as { matrix?: unknown }).matrix;
  if (Array.isArray(matrix) && Array.isArray(matrix[0])) return `${matrix.length}x${(matrix[0] as unknown[]).length}`;
  return `${sigma.length}-singular-value`;
}

function checkSize(problem: { m: number; n: number }, result: unknown, sigma: readonly number[]): void {
  const matrix = (result as { matrix?: unknown }).matrix;
  const [m, n] = Array.isArray(matrix) && Array.isArray(matrix[0]) ? [matrix.length, (matrix[0] as unknown[]).length] : [NaN, NaN];
  const fits = Number.isNaN(m) ? sigma.length === Math.min(problem.m, problem.n) : m === problem.m && n === problem.n;
  if (!fits) {
    throw new InputError('--spec', `expected the spec of this run (${Number.isNaN(m) ? `${sigma.length} singular values` : `a ${m}x${n} W`}), got a ${problem.m}x${problem.n} target`);
  }
}

