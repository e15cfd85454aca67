import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantile, summarizeSample } from '../src/analysis/quantiles.js';
import { readResults, summarize } from '../src/experiments/summarize.js';
import { colorScale, isNiceLogTick, linearDomain, logDomain, logTicks, OKABE_ITO, tickLabels } from '../src/plot/axes.js';
import { defaultTRange, runFigure, saddlePlateaus } from '../src/plot/runFigure.js';
import { sweepFigure, type SweepRow } from '../src/plot/sweepFigure.js';
import { run } from '../src/experiments/run.js';
import { cli } from './helpers/cli.js';
import { randomSpec } from './helpers/randomSpecs.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-plot-'));
const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
const examples = join(import.meta.dirname, '..', 'examples');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

/** The texts of each group of marks with the given role class (axis labels, legend labels, ...). */
function textGroups(svg: string, role: string): string[][] {
  const groups = svg.split(`class="mark-text role-${role}"`).slice(1);
  return groups.map((g) => [...g.split('</g>')[0].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]));
}

/** Every `axis.values` array in a Vega-Lite spec, with the scale type beside it. */
function axes(spec: unknown, out: { type: string; values: number[] }[] = []): { type: string; values: number[] }[] {
  if (Array.isArray(spec)) spec.forEach((s) => axes(s, out));
  else if (spec && typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    const axis = o.axis as { values?: number[] } | undefined;
    if (axis?.values) out.push({ type: (o.scale as { type?: string } | undefined)?.type ?? 'linear', values: axis.values });
    Object.values(o).forEach((v) => axes(v, out));
  }
  return out;
}

const SUPERSCRIPT = '⁻⁰¹²³⁴⁵⁶⁷⁸⁹';
/** The number a tick label stands for: plain decimal, or m×10ⁿ with a superscript exponent. */
function labelValue(label: string): number {
  const m = /^(?:(\d)×)?10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(label);
  if (!m) return Number(label);
  const k = Number([...m[2]].map((c) => (c === '⁻' ? '-' : String(SUPERSCRIPT.indexOf(c) - 1))).join(''));
  return Number(`${m[1] ?? 1}e${k}`);
}
const PLAIN = /^-?\d+(\.\d+)?$/, POWER = /^(\d×)?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$/;
/** An axis's labels are all plain decimals or all m×10ⁿ. */
const oneFormat = (labels: string[]) => labels.every((l) => PLAIN.test(l)) || labels.every((l) => POWER.test(l));

// A saddle-to-saddle run (small init): samples with plateaus to shade.
const saddleSpec = { target: { kind: 'low-rank', size: [6, 6], rank: 2, seed: 1 }, observed: { kind: 'random', count: 28, seed: 2 }, depth: 3, init: { kind: 'gaussian', productScale: 1e-6, seed: 3 }, solver: { tMax: 200 } };
const sweepSpec = {
  base: { target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 } },
  grid: { depth: [2, 3], 'init.productScale': [0.1, 0.001], observed: [[[1, 0], [0, 1]], [[1, 1], [0, 1]]] },
  trials: 4,
};
let runFile = '', sweepFile = '', exampleRunFile = '';

beforeAll(() => {
  const r = cli(['run', write('saddle.json', JSON.stringify(saddleSpec)), '--samples', '60']);
  expect(r.status, r.stderr).toBe(0);
  runFile = write('run.json', r.stdout);
  sweepFile = join(dir, 'sweep.jsonl');
  const s = cli(['sweep', write('sweep.json', JSON.stringify(sweepSpec)), '--out', sweepFile, '--workers', '1']);
  expect(s.status, s.stderr).toBe(0);
  // The docs' saddle run (10x10, rank 3, 200 samples) held to lossTol 1e-13 up to t = 1e5: past its
  // three rank steps the loss creeps at about 6e-12 from t = 300 on, a plateau no rank step leaves.
  const saddleRun = JSON.parse(readFileSync(join(examples, 'saddle-run.json'), 'utf8'));
  const e = cli(['run', write('saddle-run-long.json', JSON.stringify({ ...saddleRun, solver: { lossTol: 1e-13, tMax: 1e5 } }))]);
  expect(e.status, e.stderr).toBe(0);
  exampleRunFile = write('saddle-run-result.json', e.stdout);
});

describe('quantiles', () => {
  it('linear interpolation between order statistics (R type 7, numpy linear)', () => {
    // R: quantile(c(1, 2, 3, 4), c(0.25, 0.5, 0.75)) gives 1.75 2.50 3.25.
    expect([0.25, 0.5, 0.75].map((p) => quantile([4, 1, 3, 2], p))).toEqual([1.75, 2.5, 3.25]);
    fc.assert(fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      (xs, p, q) => {
        const s = [...xs].sort((a, b) => a - b);
        expect(quantile(xs, 0)).toBe(s[0]);
        expect(quantile(xs, 1)).toBe(s[s.length - 1]);
        const [a, b] = [quantile(xs, Math.min(p, q)), quantile(xs, Math.max(p, q))];
        expect(a).toBeLessThanOrEqual(b);
        expect(a).toBeGreaterThanOrEqual(s[0]);
        expect(b).toBeLessThanOrEqual(s[s.length - 1]);
        const mid = s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        expect(summarizeSample(xs)!.median).toBeCloseTo(mid, 6);
        expect(quantile([...xs].reverse(), p)).toBe(quantile(xs, p));
      },
    ), { seed: 27, numRuns: 300 });
  });
});

describe('axes', () => {
  it('log ticks are 1, 2 or 5 x 10^k inside the range, labelled in one format that reads back to the tick', () => {
    fc.assert(fc.property(fc.double({ min: -40, max: 40, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true }), (a, span) => {
      const lo = 10 ** a, hi = 10 ** (a + span);
      const ticks = logTicks(lo, hi);
      expect(ticks.length).toBeLessThanOrEqual(8);
      if (span >= 1) expect(ticks.length).toBeGreaterThanOrEqual(1);
      for (const t of ticks) {
        expect(isNiceLogTick(t)).toBe(true);
        expect(t).toBeGreaterThanOrEqual(lo * (1 - 1e-9));
        expect(t).toBeLessThanOrEqual(hi * (1 + 1e-9));
      }
      const labels = tickLabels(ticks);
      expect(oneFormat(labels), labels.join(' ')).toBe(true);
      labels.forEach((l, i) => expect(labelValue(l)).toBe(ticks[i]));
      const [d0, d1] = logDomain(lo, hi);
      expect(d0).toBeLessThanOrEqual(lo);
      expect(d1).toBeGreaterThanOrEqual(hi);
      expect(isNiceLogTick(d0) && isNiceLogTick(d1)).toBe(true);
    }), { seed: 27, numRuns: 500 });
    // The case the issue showed: an axis holding both 0.000001 and 1e-7.
    expect(tickLabels([1e-7, 1e-6, 1e-5])).toEqual(['10⁻⁷', '10⁻⁶', '10⁻⁵']);
  });

  it('linear domains cover the data and stay inside the known range', () => {
    fc.assert(fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (lo, span, min) => {
      const hi = lo + span;
      const [a, b] = linearDomain(lo, hi, min);
      expect(a).toBeGreaterThanOrEqual(min);
      expect(a).toBeLessThanOrEqual(Math.max(lo, min) + 1e-9);
      expect(b).toBeGreaterThanOrEqual(hi - 1e-9);
    }), { seed: 27, numRuns: 300 });
  });

  it('palettes: distinct colour-blind-safe hues up to 10 series, Okabe–Ito up to 8, a sequential scheme beyond', () => {
    for (let n = 1; n <= 12; n++) {
      const c = colorScale(Array.from({ length: n }, (_, i) => i));
      const range = (c.scale as { range?: string[] }).range;
      if (n <= 10) {
        expect(new Set(range).size).toBe(n);
        if (n <= 8) expect(range).toEqual(OKABE_ITO.slice(0, n));
      } else {
        expect(c.palette).toBe('viridis');
        expect(c.type).toBe('ordinal');
      }
    }
  });
});

describe('dmflow plot run', () => {
  it('draws every sample at t > 0, one line per singular value, and one shaded rect per saddle in each panel', () => {
    const result = JSON.parse(readFileSync(runFile, 'utf8'));
    expect(result.saddles.segments.length).toBeGreaterThan(0);
    const fig = runFigure(result);
    expect(fig.from).toBe('samples');
    expect(fig.points).toBe(result.samples.filter((s: { t: number }) => s.t > 0).length);
    expect(fig.plateaus).toBe(result.saddles.segments.length);
    expect(fig.saddles.length).toBeGreaterThan(0);

    const svg = cli(['plot', 'run', runFile]);
    expect(svg.status, svg.stderr).toBe(0);
    expect(svg.stdout).toMatch(/^<svg/);
    expect(svg.stdout).toContain('t (log scale)');
    for (let i = 1; i <= 6; i++) expect(svg.stdout).toContain(`σ${i}`);
    // Vega draws one rect per saddle inside the t range in each of the two panels, labelled with its rank.
    const shown = fig.saddles.filter((s) => s.tEnd >= fig.tRange[0]);
    const rects = svg.stdout.match(/aria-roledescription="rect mark"/g) ?? [];
    expect(rects).toHaveLength(2 * shown.length);
    expect(svg.stdout).toContain(`saddle at rank: ${shown[0].rank}`);
  });

  it('--out fig.png writes a PNG at twice the SVG size; --out fig.svg the SVG', () => {
    const png = join(dir, 'run.png');
    const r = cli(['plot', 'run', runFile, '--out', png]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^dmflow plot run: \d+ samples points, t from \S+ to \S+, \d+ plateaus found, \d+ shaded as saddles -> /);
    const svgFile = join(dir, 'run.svg');
    expect(cli(['plot', 'run', runFile, '--out', svgFile]).status).toBe(0);
    const svg = readFileSync(svgFile, 'utf8');
    const [w, h] = [Number(svg.match(/width="(\d+)"/)![1]), Number(svg.match(/height="(\d+)"/)![1])];
    expect(pngSize(readFileSync(png))).toEqual([2 * w, 2 * h]);
  });

  it('a trajectory serves when there are no samples; bad input is a one-line error', () => {
    const t = cli(['run', write('traj-spec.json', JSON.stringify({ ...saddleSpec, solver: { tMax: 20 } })), '--save-times', '0,0.5,1,2,5,10,20']);
    expect(t.status).toBe(0);
    const fig = runFigure(JSON.parse(t.stdout));
    expect(fig.from).toBe('trajectory');
    expect(fig.points).toBe(6); // t = 0 has no place on a log axis
    expect(runFigure(JSON.parse(t.stdout), 'x', { tScale: 'linear' }).points).toBe(7);

    const plain = cli(['run', write('plain.json', JSON.stringify({ ...saddleSpec, solver: { tMax: 1 } }))]);
    const other = write('other-spec.json', JSON.stringify({ ...saddleSpec, target: { kind: 'low-rank', size: [5, 6], rank: 2, seed: 1 } }));
    const cases: [string[], RegExp][] = [
      [['plot', 'run', write('plain-result.json', plain.stdout)], /^dmflow: result: expected "samples" \(dmflow run --samples N\) or a "trajectory" \(--save-times\) in .*plain-result\.json, got neither\n$/],
      [['plot', 'run', write('array.json', '[1, 2]')], /^dmflow: result: expected a run result .*got an array\n$/],
      [['plot', 'run', join(dir, 'nope.json')], /^dmflow: result: expected a readable file, got ENOENT/],
      [['plot', 'run', runFile, '--out', join(dir, 'fig.pdf')], /^dmflow: --out: expected a file name ending in \.svg or \.png, got ".*fig\.pdf"\n$/],
      [['plot', 'run', runFile, '--top', '0'], /^dmflow: --top: expected a whole number >= 1, got "0"\n$/],
      [['plot', 'run', runFile, '--t-scale', 'sqrt'], /^dmflow: --t-scale: expected log or linear, got "sqrt"\n$/],
      [['plot', 'run', runFile, '--t-range', '5,1'], /^dmflow: --t-range: expected two times 0 <= a < b as "a,b", got "5,1"\n$/],
      [['plot', 'run', runFile, '--t-range', '0,10'], /^dmflow: --t-range: expected a start > 0 on a log t axis, got 0\n$/],
      [['plot', 'run', runFile, '--t-range', '1e9,1e10'], /^dmflow: --t-range: expected at least 2 points of the run's samples inside \[1000000000, 10000000000\], got 0\n$/],
      [['plot', 'run', runFile, '--spec', other], /^dmflow: --spec: expected the spec of this run \(a 6x6 W\), got a 5x6 target\n$/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
    }
  });

  it('shades the saddles of examples/saddle-run.json and not its slow final approach (held past its default lossTol)', () => {
    const result = JSON.parse(readFileSync(exampleRunFile, 'utf8'));
    const { segments, rankSteps } = result.saddles as { segments: { tStart: number; tEnd: number; rank: number; loss: number }[]; rankSteps: { t: number; rank: number }[] };
    const lastStep = Math.max(...rankSteps.map((s) => s.t));
    const final = segments.filter((s) => s.tStart > lastStep);
    expect(final.length).toBeGreaterThan(0); // the detector finds the final approach as a plateau
    expect(final.every((s) => s.loss < 1e-6 * segments[0].loss)).toBe(true);
    const fig = runFigure(result);
    expect(fig.saddles.length).toBe(segments.length - final.length);
    for (const s of fig.saddles) {
      expect(s.tStart).toBeLessThan(lastStep);
      expect(rankSteps.some((r) => r.t >= s.tStart && r.rank > s.rank)).toBe(true);
    }
    const svg = cli(['plot', 'run', exampleRunFile]).stdout;
    expect(svg.match(/aria-roledescription="rect mark"/g) ?? []).toHaveLength(2 * fig.saddles.length);
    // The criterion on synthetic plateaus: only those a rank step leaves are saddles; a run the stop rules ended at a saddle keeps its last one.
    const segs = [{ tStart: 1, tEnd: 2, rank: 0 }, { tStart: 3, tEnd: 4, rank: 1 }, { tStart: 10, tEnd: 100, rank: 2 }];
    expect(saddlePlateaus(segs, [{ t: 2, rank: 1 }, { t: 5, rank: 2 }])).toEqual(segs.slice(0, 2));
    expect(saddlePlateaus(segs, [{ t: 2, rank: 1 }])).toEqual(segs.slice(0, 1));
    expect(saddlePlateaus(segs, [{ t: 2, rank: 1 }, { t: 5, rank: 2 }], { status: 'saddle', plateau: { tFrom: 20, t: 80 } })).toEqual(segs);
  });

  it('on a population of runs, a plateau is shaded exactly when the rank, recounted from the samples, rises after it (never at depth 1)', () => {
    // Sizes 2-6, depths 1-4, product scales 1e-6..1 (saddles and plain descents), tMax 1e4.
    let shaded = 0, plain = 0, shallowRises = 0;
    for (let i = 0; i < 30; i++) {
      const r = randomSpec(27, i, { maxSide: 6, maxDepth: 4, minScale: 1e-6 });
      const result = run({ ...r.spec, solver: { ...(r.spec.solver as object | undefined), tMax: 1e4 } }, { samples: 80, maxWallTime: 5 });
      const samples = result.samples!;
      const segments = result.saddles!.segments;
      // The rank of a sample: singular values above 1% of the largest one along the run (docs/runs.md).
      const top = Math.max(...samples.map((p) => p.singularValues[0] ?? 0));
      const rank = (p: { singularValues: number[] }) => p.singularValues.filter((v) => v > 0.01 * top).length;
      const saddles = runFigure(result, r.label, { spec: r.spec }).saddles;
      const deep = (r.spec.depth as number) > 1;
      segments.forEach((seg, k) => {
        const next = segments[k + 1]?.tStart ?? Infinity;
        const rises = samples.some((p) => p.t >= seg.tStart && p.t <= next && rank(p) > seg.rank);
        // A run the stop rules ended at a saddle: its last plateau, where the stop rule's window falls on it.
        const p = result.plateau;
        const endedHere = result.status === 'saddle' && k === segments.length - 1 && p !== undefined && p.t >= seg.tStart && p.tFrom <= seg.tEnd;
        expect(saddles.includes(seg), `${r.label}: plateau ${k} at rank ${seg.rank}`).toBe(deep && (rises || endedHere));
        if (saddles.includes(seg)) shaded++;
        else plain++;
        if (!deep && rises) shallowRises++;
      });
    }
    expect(shaded).toBeGreaterThan(5);
    expect(plain).toBeGreaterThan(5);
    expect(shallowRises).toBeGreaterThan(0); // depth-1 runs whose rank rises after their early flat stretch: not saddles
  });

  it('σ legend: the top k beside the σ panel, the rest grey without entries; title with problem and status; end state marked', () => {
    const result = JSON.parse(readFileSync(exampleRunFile, 'utf8'));
    for (const k of [1, 3, 6, 10]) {
      const svg = cli(['plot', 'run', exampleRunFile, '--top', String(k), '--spec', join(examples, 'saddle-run.json')]).stdout;
      expect(svg.match(/aria-roledescription="legend"/g)).toHaveLength(1);
      expect(textGroups(svg, 'legend-label').flat()).toEqual(Array.from({ length: k }, (_, i) => `σ${i + 1}`));
      // 10 - k grey lines, no colour repeated among the k.
      const grey = svg.match(/aria-roledescription="line mark"[^>]*stroke="#b4b4b4"/g) ?? [];
      expect(grey).toHaveLength(10 - k);
      const title = textGroups(svg, 'title-text').flat().join(' ');
      expect(title).toContain('10x10 rank-3 target, 60 of 100 observed, depth 3, gaussian init productScale 10⁻⁶');
      expect(title).toContain(`status ${result.status}`);
      // The legend is drawn inside the σ panel's group (the second of the vconcat), at its right.
      const legendAt = svg.indexOf('aria-roledescription="legend"');
      expect(legendAt).toBeGreaterThan(svg.indexOf('concat_1_group'));
      expect(String(svg).slice(legendAt).match(/^[^>]*><g transform="translate\((\d+),0\)"/)?.[1]).toBe('578');
    }
    const fig = runFigure(result, 'x', { top: 3 });
    const loss = (fig.spec as { vconcat: { layer: { data?: { values: Record<string, unknown>[] }; mark: { shape?: string } }[] }[] }).vconcat[0];
    const end = loss.layer.find((l) => l.mark.shape === 'diamond')!;
    expect(end.data!.values).toEqual([{ t: result.t, loss: result.loss, status: result.status }]);
    const sigma = (fig.spec as { vconcat: { layer: { data?: { values: { t: number; sigma: number }[] }; mark: { shape?: string } }[] }[] }).vconcat[1];
    const ends = sigma.layer.filter((l) => l.mark.shape === 'diamond').flatMap((l) => l.data!.values);
    expect(ends.map((d) => d.sigma).sort((a, b) => b - a)).toEqual(result.singularValues.filter((s: number) => s > 0));
    expect(ends.every((d) => d.t === result.t)).toBe(true);
  });

  it('default t range: starts on the initial plateau at most a decade before the loss first moves; ticks 1/2/5 x 10^k in one format', () => {
    for (const file of [runFile, exampleRunFile]) {
      const result = JSON.parse(readFileSync(file, 'utf8'));
      const samples = result.samples as { t: number; loss: number }[];
      const [a, b] = defaultTRange(result.samples, result.t);
      expect(b).toBe(result.t);
      const first = samples[0];
      const startLoss = samples.filter((s) => s.t <= a).at(-1)!.loss;
      expect(startLoss).toBeGreaterThanOrEqual(0.99 * first.loss);
      const moved = samples.find((s) => s.loss < 0.99 * first.loss)!;
      expect(a === first.t || moved.t <= 10 * a * (1 + 1e-12)).toBe(true);

      const fig = runFigure(result, file);
      const found = axes(fig.spec);
      expect(found.length).toBeGreaterThanOrEqual(3);
      for (const ax of found) if (ax.type === 'log') expect(ax.values.every(isNiceLogTick), ax.values.join(',')).toBe(true);
      const svg = cli(['plot', 'run', file]).stdout;
      for (const labels of textGroups(svg, 'axis-label')) expect(oneFormat(labels), labels.join(' ')).toBe(true);
    }
    const lin = runFigure(JSON.parse(readFileSync(exampleRunFile, 'utf8')), 'x', { tScale: 'linear', tRange: [0, 50] });
    expect(lin.tRange).toEqual([0, 50]);
    expect(JSON.stringify(lin.spec)).toContain('"scale":{"type":"linear","domain":[0,50]');
  });
});

type Rows = SweepRow[];

describe('dmflow plot sweep', () => {
  it('--band std: mean and ±1 std over trials per group as summarize computes them, cut to the effective rank range [1, min(m, n)]', () => {
    const lines = readResults(sweepFile);
    const fig = sweepFigure(lines, { x: 'init.productScale', y: 'effectiveRank', color: 'depth', facet: 'observed', logX: true, band: 'std' });
    expect(fig.cells).toBe(2 * 2 * 2 * 4);
    expect(fig.groups).toBe(8);
    const rows: Rows = fig.rows;
    const reference = summarize(lines, ['observed', 'depth', 'init.productScale']);
    let cut = 0;
    for (const ref of reference) {
      const [observed, depth, scale] = ref.keys;
      const row = rows.find((r) => r.facet === JSON.stringify(observed) && r.color === String(depth) && r.x === scale)!;
      const [mean, std] = ref.metrics.effectiveRank!;
      expect(row.n).toBe(4);
      expect(row.center).toBeCloseTo(mean, 12);
      // The effective rank of a nonzero 2x2 matrix lies in [1, 2].
      expect(row.hi!).toBeCloseTo(Math.min(mean + std, 2), 12);
      expect(row.lo!).toBeCloseTo(Math.max(mean - std, 1), 12);
      if (mean - std < 1 || mean + std > 2) cut++;
    }
    expect(cut).toBeGreaterThan(0); // the data do reach past the range: the cut is tested
    expect((fig.spec as { title: { subtitle: string[] } }).title.subtitle).toContain('band cut to the range of effectiveRank, [1, 2] (min(m, n) = 2)');
  });

  it('default band: median and quartiles of each group, inside [1, rank bound] for every band kind', () => {
    const lines = readResults(sweepFile);
    const fig = sweepFigure(lines, { x: 'init.productScale', y: 'effectiveRank', color: 'depth', facet: 'observed', logX: true });
    expect(fig.band).toBe('iqr');
    for (const row of fig.rows) {
      const ys = lines.filter((l) => JSON.stringify(l.cell.observed) === row.facet && String(l.cell.depth) === row.color && l.cell['init.productScale'] === row.x).map((l) => l.result.effectiveRank as number).sort((a, b) => a - b);
      expect(ys).toHaveLength(4);
      expect(row.center).toBeCloseTo((ys[1] + ys[2]) / 2, 12);
      expect(row.lo).toBeCloseTo(quantile(ys, 0.25), 12);
      expect(row.hi).toBeCloseTo(quantile(ys, 0.75), 12);
    }
    for (const band of ['iqr', 'std', 'minmax', 'none']) {
      const f = sweepFigure(lines, { x: 'init.productScale', y: 'effectiveRank', color: 'depth', logX: true, band });
      for (const r of f.rows) for (const v of [r.center, r.lo, r.hi]) if (v !== undefined) { expect(v).toBeGreaterThanOrEqual(1); expect(v).toBeLessThanOrEqual(2); }
      const domain = JSON.stringify(f.spec).match(/"type":"linear","domain":\[([^\]]*)\]/)![1].split(',').map(Number);
      expect(domain[0]).toBeGreaterThanOrEqual(1);
      expect(domain[1]).toBeLessThanOrEqual(2);
    }
  });

  it('an error is never drawn below 0, whatever the band; log x ticks are 1/2/5 x 10^k; n per point in each point\'s <title>', () => {
    const lines = readResults(sweepFile);
    const std = sweepFigure(lines, { x: 'init.productScale', y: 'reconstructionError', color: 'depth', facet: 'observed', logX: true, band: 'std' });
    const reference = summarize(lines, ['observed', 'depth', 'init.productScale']);
    expect(reference.some((r) => r.metrics.reconstructionError![0] - r.metrics.reconstructionError![1] < 0)).toBe(true);
    for (const band of ['std', 'minmax', 'iqr']) {
      const f = band === 'std' ? std : sweepFigure(lines, { x: 'init.productScale', y: 'reconstructionError', color: 'depth', facet: 'observed', logX: true, band });
      for (const r of f.rows) expect(r.lo!).toBeGreaterThanOrEqual(0);
    }
    const xAxes = axes(std.spec).filter((a) => a.type === 'log');
    expect(xAxes.length).toBeGreaterThan(0);
    for (const a of xAxes) expect(a.values.every(isNiceLogTick)).toBe(true);

    const svg = cli(['plot', 'sweep', sweepFile, '--x', 'init.productScale', '--y', 'reconstructionError', '--color', 'depth', '--facet', 'observed', '--log-x', '--log-y']);
    expect(svg.status, svg.stderr).toBe(0);
    const titles = [...svg.stdout.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toHaveLength(8);
    for (const t of titles) expect(t).toMatch(/^observed \[\[.*\]\], depth [23], init\.productScale 0\.(1|001): median \S+, q1 \S+, q3 \S+, n = 4$/);
    for (const labels of textGroups(svg.stdout, 'axis-label')) expect(oneFormat(labels), labels.join(' ')).toBe(true);
  });

  it('--x over a grid key pools the other varying keys, names them in the subtitle, and keeps the axis to the data', () => {
    const lines = readResults(sweepFile);
    const fig = sweepFigure(lines, { x: 'depth', y: 'effectiveRank', logX: true });
    expect(fig.pooled).toEqual(['init.productScale', 'observed']);
    expect(fig.rows.map((r) => r.n)).toEqual([16, 16]);
    const subtitle = (fig.spec as { title: { subtitle: string[] } }).title.subtitle.join('\n');
    expect(subtitle).toContain('init.productScale ∈ {0.1, 0.001}');
    expect(subtitle).toContain('observed ∈ {[[1,0],[0,1]], [[1,1],[0,1]]}');
    const x = JSON.stringify(fig.spec).match(/"type":"log","domain":\[([^\]]*)\]/)![1].split(',').map(Number);
    expect(x[0]).toBeGreaterThan(1.9);
    expect(x[1]).toBeLessThan(3.2);
    // Named in --color or --facet, a key is no longer pooled.
    const named = sweepFigure(lines, { x: 'depth', y: 'effectiveRank', color: 'init.productScale', facet: 'observed' });
    expect(named.pooled).toEqual([]);
    expect(named.rows.every((r) => r.n === 4)).toBe(true);
  });

  it('panels get their own y scale when one panel\'s span is more than ten times another\'s', () => {
    const lines = [];
    for (const facet of ['calm', 'wild']) {
      for (let k = 0; k < 20; k++) {
        for (const x of [1, 2]) {
          const y = facet === 'wild' && k === 0 ? 100 : 0.5 + 0.01 * k;
          lines.push({ cell: { x, facet, trial: k }, result: { status: 'converged', reconstructionError: y } });
        }
      }
    }
    const domains = (f: ReturnType<typeof sweepFigure>) => (f.spec as { hconcat: object[] }).hconcat.map((p) => JSON.stringify(p).match(/"domain":\[([^\]]*)\]/g)!.at(-1));
    const auto = sweepFigure(lines, { x: 'x', y: 'reconstructionError', facet: 'facet', band: 'minmax' });
    expect(auto.facetY).toBe('independent');
    const [a, b] = domains(auto);
    expect(a).not.toBe(b);
    expect((auto.spec as { title: { subtitle: string[] } }).title.subtitle).toContain('y scales differ between panels');
    const shared = sweepFigure(lines, { x: 'x', y: 'reconstructionError', facet: 'facet', band: 'minmax', facetY: 'shared' });
    const [c, d] = domains(shared);
    expect(c).toBe(d);
    // With quartiles, the outlier stays out of the band and the spans are close: one scale.
    expect(sweepFigure(lines, { x: 'x', y: 'reconstructionError', facet: 'facet' }).facetY).toBe('shared');
  });

  it('writes SVG and PNG from the command, one panel per facet value, distinct Okabe–Ito colours per depth', () => {
    const svg = cli(['plot', 'sweep', sweepFile, '--x', 'init.productScale', '--y', 'effectiveRank', '--color', 'depth', '--facet', 'observed', '--log-x']);
    expect(svg.status, svg.stderr).toBe(0);
    expect(svg.stdout).toContain('init.productScale (log scale)');
    expect(svg.stdout).toContain('observed = [[1,0],[0,1]]');
    expect(svg.stdout).toContain('observed = [[1,1],[0,1]]');
    for (const c of OKABE_ITO.slice(0, 2)) expect(svg.stdout).toContain(`stroke="${c}"`);
    const png = join(dir, 'sweep.png');
    const r = cli(['plot', 'sweep', sweepFile, '--x', 'init.productScale', '--y', 'reconstructionError', '--color', 'depth', '--out', png]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(`dmflow plot sweep: 32 cells in 4 groups (pooled over observed) -> ${png}\n`);
    const [w, h] = pngSize(readFileSync(png));
    expect(w).toBeGreaterThan(800);
    expect(h).toBeGreaterThan(500);
  });

  it('--facet observed on the shipped examples/fig1-masks-sweep.json', () => {
    const out = join(dir, 'masks.jsonl');
    const s = cli(['sweep', join(examples, 'fig1-masks-sweep.json'), '--out', out, '--workers', '1']);
    expect(s.status, s.stderr).toBe(0);
    const r = cli(['plot', 'sweep', out, '--x', 'init.productScale', '--y', 'reconstructionError', '--color', 'depth', '--facet', 'observed', '--log-x', '--log-y']);
    expect(r.status, r.stderr).toBe(0);
    expect(textGroups(r.stdout, 'title-text').flat().sort()).toEqual(['observed = [[1,0],[0,1]]', 'observed = [[1,1],[0,1]]', 'reconstructionError against init.productScale by depth']);
  });

  it('unknown keys, an empty sweep, bad options and a log axis over non-positive values: one line, exit 2', () => {
    const empty = write('empty.jsonl', '');
    const cases: [string[], RegExp][] = [
      [['plot', 'sweep', sweepFile, '--x', 'width', '--y', 'effectiveRank'], /^dmflow: --x: expected a grid key of the sweep \(depth, init\.productScale, observed, trial\), got "width"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'rank'], /^dmflow: --y: expected a numeric result field \(t, loss, .*effectiveRank.*\), got "rank"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'loss', '--color', 'seed'], /^dmflow: --color: expected a grid key of the sweep .*got "seed"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'loss', '--facet', 'lr'], /^dmflow: --facet: expected a grid key .*got "lr"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'observed', '--y', 'loss', '--log-x'], /^dmflow: --log-x: expected positive numbers in grid key "observed"/],
      [['plot', 'sweep', empty, '--x', 'depth', '--y', 'loss'], /^dmflow: results: expected at least one result line in .*empty\.jsonl, got none \(an empty sweep\)\n$/],
      [['plot', 'sweep', sweepFile, '--y', 'loss'], /^dmflow: required option '--x <key>' not specified\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'loss', '--band', 'sem'], /^dmflow: --band: expected one of iqr, std, minmax, none, got "sem"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'loss', '--facet-y', 'free'], /^dmflow: --facet-y: expected one of auto, shared, independent, got "free"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'loss', '--band', 'std', '--log-y'], /^dmflow: --band: expected iqr, minmax or none with --log-y/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'rejected', '--log-y'], /^dmflow: --log-y: expected positive values of "rejected" for a log axis, got \d+ cells at or below 0\n$/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
    }
  });
});
