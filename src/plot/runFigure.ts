// The figure of one run: loss and singular values of W against log t, from the
// run's analysis samples (or its saved trajectory), with the plateaus that
// saddle detection found shaded. A Vega-Lite spec; rendering is in svg.ts.

import { InputError } from '../model/errors.js';

interface Point { t: number; loss: number; singularValues: number[] }
interface Segment { tStart: number; tEnd: number; rank: number }

/** Read the points to draw from a parsed result file; `source` names the file in errors. */
function pointsOf(result: unknown, source: string): { points: Point[]; from: 'samples' | 'trajectory'; segments: Segment[] } {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new InputError('result', `expected a run result (a JSON object written by dmflow run) in ${source}, got ${Array.isArray(result) ? 'an array' : typeof result}`);
  }
  const r = result as { samples?: unknown; trajectory?: unknown; saddles?: { segments?: unknown } };
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
  }).filter((p) => p.t > 0); // log t: t = 0 has no place on the axis
  if (points.length < 2) {
    throw new InputError(`result.${from}`, `expected at least 2 points at t > 0 to draw, got ${points.length}`);
  }
  const found = r.saddles?.segments;
  const segments = from === 'samples' && Array.isArray(found) ? (found as Segment[]) : [];
  return { points, from, segments };
}

/**
 * Vega-Lite spec: two panels sharing log t, the loss (log scale) on top and
 * every singular value of W (log scale) below, plateaus shaded in both.
 */
export function runFigure(result: unknown, source = 'the result'): { spec: object; from: 'samples' | 'trajectory'; points: number; plateaus: number } {
  const { points, from, segments } = pointsOf(result, source);
  const loss = points.filter((p) => p.loss > 0).map((p) => ({ t: p.t, loss: p.loss }));
  const sigma = points.flatMap((p) => p.singularValues.map((s, i) => ({ t: p.t, sigma: s, index: `σ${i + 1}` }))).filter((d) => d.sigma > 0);
  const tDomain = [points[0].t, points[points.length - 1].t];
  const shade = {
    data: { values: segments.map((s) => ({ tStart: Math.max(s.tStart, tDomain[0]), tEnd: Math.min(s.tEnd, tDomain[1]), rank: s.rank })) },
    mark: { type: 'rect', color: '#999', opacity: 0.18 },
    encoding: {
      x: { field: 'tStart', type: 'quantitative' },
      x2: { field: 'tEnd' },
      tooltip: [{ field: 'rank', title: 'plateau at rank' }],
    },
  };
  const x = { field: 't', type: 'quantitative', title: 't (log scale)', scale: { type: 'log', domain: tDomain, nice: false } };
  const panel = (data: object[], y: object, extra: object, title: string) => ({
    width: 560,
    height: 220,
    title,
    layer: [
      ...(segments.length > 0 ? [shade] : []),
      { data: { values: data }, mark: { type: 'line', point: points.length <= 40 }, encoding: { x, y, ...extra } },
    ],
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    vconcat: [
      panel(loss, { field: 'loss', type: 'quantitative', title: 'loss', scale: { type: 'log' } }, { color: { value: '#1f77b4' } }, `Loss (from the run's ${from})`),
      panel(sigma, { field: 'sigma', type: 'quantitative', title: 'singular value of W', scale: { type: 'log' } },
        { color: { field: 'index', type: 'nominal', title: null, sort: null } },
        segments.length > 0 ? 'Singular values of W; shaded: plateaus (saddles)' : 'Singular values of W'),
    ],
  };
  return { spec, from, points: points.length, plateaus: segments.length };
}
