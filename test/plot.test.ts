import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readResults, summarize } from '../src/experiments/summarize.js';
import { runFigure } from '../src/plot/runFigure.js';
import { sweepFigure } from '../src/plot/sweepFigure.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-plot-'));
const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

// A saddle-to-saddle run (small init): samples with plateaus to shade.
const saddleSpec = { target: { kind: 'low-rank', size: [6, 6], rank: 2, seed: 1 }, observed: { kind: 'random', count: 28, seed: 2 }, depth: 3, init: { kind: 'gaussian', productScale: 1e-6, seed: 3 }, solver: { tMax: 200 } };
const sweepSpec = {
  base: { target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 } },
  grid: { depth: [2, 3], 'init.productScale': [0.1, 0.001], observed: [[[1, 0], [0, 1]], [[1, 1], [0, 1]]] },
  trials: 4,
};
let runFile = '', sweepFile = '';

beforeAll(() => {
  const r = cli(['run', write('saddle.json', JSON.stringify(saddleSpec)), '--samples', '60']);
  expect(r.status, r.stderr).toBe(0);
  runFile = write('run.json', r.stdout);
  sweepFile = join(dir, 'sweep.jsonl');
  const s = cli(['sweep', write('sweep.json', JSON.stringify(sweepSpec)), '--out', sweepFile, '--workers', '1']);
  expect(s.status, s.stderr).toBe(0);
});

describe('dmflow plot run', () => {
  it('draws every sample at t > 0, one line per singular value, and one shaded rect per plateau', () => {
    const result = JSON.parse(readFileSync(runFile, 'utf8'));
    expect(result.saddles.segments.length).toBeGreaterThan(0);
    const fig = runFigure(result);
    expect(fig.from).toBe('samples');
    expect(fig.points).toBe(result.samples.filter((s: { t: number }) => s.t > 0).length);
    expect(fig.plateaus).toBe(result.saddles.segments.length);

    const svg = cli(['plot', 'run', runFile]);
    expect(svg.status, svg.stderr).toBe(0);
    expect(svg.stdout).toMatch(/^<svg/);
    expect(svg.stdout).toContain('t (log scale)');
    for (let i = 1; i <= 6; i++) expect(svg.stdout).toContain(`σ${i}`);
    // Vega draws one rect per plateau in each of the two panels, labelled with its span.
    const rects = svg.stdout.match(/aria-roledescription="rect mark"/g) ?? [];
    expect(rects).toHaveLength(2 * result.saddles.segments.length);
    const first = result.saddles.segments[0];
    expect(svg.stdout).toContain(`plateau at rank: ${first.rank}`);
  });

  it('--out fig.png writes a PNG at twice the SVG size; --out fig.svg the SVG', () => {
    const png = join(dir, 'run.png');
    const r = cli(['plot', 'run', runFile, '--out', png]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^dmflow plot run: \d+ samples points, \d+ plateaus shaded -> /);
    const svgFile = join(dir, 'run.svg');
    expect(cli(['plot', 'run', runFile, '--out', svgFile]).status).toBe(0);
    const svg = readFileSync(svgFile, 'utf8');
    const [w, h] = [Number(svg.match(/width="(\d+)"/)![1]), Number(svg.match(/height="(\d+)"/)![1])];
    expect(pngSize(readFileSync(png))).toEqual([2 * w, 2 * h]);
  });

  it('a trajectory serves when there are no samples; a result with neither is a one-line error', () => {
    const t = cli(['run', write('traj-spec.json', JSON.stringify({ ...saddleSpec, solver: { tMax: 20 } })), '--save-times', '0,0.5,1,2,5,10,20']);
    expect(t.status).toBe(0);
    const fig = runFigure(JSON.parse(t.stdout));
    expect(fig.from).toBe('trajectory');
    expect(fig.points).toBe(6); // t = 0 has no place on a log axis

    const plain = cli(['run', write('plain.json', JSON.stringify({ ...saddleSpec, solver: { tMax: 1 } }))]);
    const cases: [string[], RegExp][] = [
      [['plot', 'run', write('plain-result.json', plain.stdout)], /^dmflow: result: expected "samples" \(dmflow run --samples N\) or a "trajectory" \(--save-times\) in .*plain-result\.json, got neither\n$/],
      [['plot', 'run', write('array.json', '[1, 2]')], /^dmflow: result: expected a run result .*got an array\n$/],
      [['plot', 'run', join(dir, 'nope.json')], /^dmflow: result: expected a readable file, got ENOENT/],
      [['plot', 'run', runFile, '--out', join(dir, 'fig.pdf')], /^dmflow: --out: expected a file name ending in \.svg or \.png, got ".*fig\.pdf"\n$/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
    }
  });
});

describe('dmflow plot sweep', () => {
  it('plots the mean and ±1 std over trials per group, as summarize computes them', () => {
    const lines = readResults(sweepFile);
    const fig = sweepFigure(lines, { x: 'init.productScale', y: 'effectiveRank', color: 'depth', facet: 'observed', logX: true });
    expect(fig.cells).toBe(2 * 2 * 2 * 4);
    expect(fig.groups).toBe(8);
    const rows = (fig.spec as { data: { values: { x: number; color: string; facet: string; mean: number; lo: number; hi: number; n: number }[] } }).data.values;
    const reference = summarize(lines, ['observed', 'depth', 'init.productScale']);
    for (const ref of reference) {
      const [observed, depth, scale] = ref.keys;
      const row = rows.find((r) => r.facet === JSON.stringify(observed) && r.color === String(depth) && r.x === scale)!;
      const [mean, std] = ref.metrics.effectiveRank!;
      expect(row.n).toBe(4);
      expect(row.mean).toBeCloseTo(mean, 12);
      expect(row.hi - row.mean).toBeCloseTo(std, 12);
      expect(row.mean - row.lo).toBeCloseTo(std, 12);
    }
  });

  it('writes SVG and PNG from the command, one panel per facet value', () => {
    const svg = cli(['plot', 'sweep', sweepFile, '--x', 'init.productScale', '--y', 'effectiveRank', '--color', 'depth', '--facet', 'observed', '--log-x']);
    expect(svg.status, svg.stderr).toBe(0);
    expect(svg.stdout).toContain('init.productScale (log scale)');
    expect(svg.stdout).toContain('[[1,0],[0,1]]');
    expect(svg.stdout).toContain('[[1,1],[0,1]]');
    const png = join(dir, 'sweep.png');
    const r = cli(['plot', 'sweep', sweepFile, '--x', 'init.productScale', '--y', 'reconstructionError', '--color', 'depth', '--out', png]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(`dmflow plot sweep: 32 cells in 4 groups -> ${png}\n`);
    const [w, h] = pngSize(readFileSync(png));
    expect(w).toBeGreaterThan(800);
    expect(h).toBeGreaterThan(500);
  });

  it('unknown keys, an empty sweep and a log axis over non-positive values: one line, exit 2', () => {
    const empty = write('empty.jsonl', '');
    const cases: [string[], RegExp][] = [
      [['plot', 'sweep', sweepFile, '--x', 'width', '--y', 'effectiveRank'], /^dmflow: --x: expected a grid key of the sweep \(depth, init\.productScale, observed, trial\), got "width"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'rank'], /^dmflow: --y: expected a numeric result field \(t, loss, .*effectiveRank.*\), got "rank"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'loss', '--color', 'seed'], /^dmflow: --color: expected a grid key of the sweep .*got "seed"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'depth', '--y', 'loss', '--facet', 'lr'], /^dmflow: --facet: expected a grid key .*got "lr"\n$/],
      [['plot', 'sweep', sweepFile, '--x', 'observed', '--y', 'loss', '--log-x'], /^dmflow: --log-x: expected positive numbers in grid key "observed"/],
      [['plot', 'sweep', empty, '--x', 'depth', '--y', 'loss'], /^dmflow: results: expected at least one result line in .*empty\.jsonl, got none \(an empty sweep\)\n$/],
      [['plot', 'sweep', sweepFile, '--y', 'loss'], /^dmflow: required option '--x <key>' not specified\n$/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
    }
  });
});
