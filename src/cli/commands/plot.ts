// dmflow plot run / plot sweep: pictures of a result file, headless (Vega-Lite
// to SVG, resvg for PNG). The plot stack is loaded only when a plot is drawn.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import { parseNumberList, readJsonFile } from '../io.js';

/** Write the figure: SVG or PNG by the extension of --out, else SVG to stdout. */
async function output(spec: object, out: string | undefined): Promise<void> {
  const format = out === undefined ? 'svg' : /\.svg$/i.test(out) ? 'svg' : /\.png$/i.test(out) ? 'png' : null;
  if (format === null) throw new InputError('--out', `expected a file name ending in .svg or .png, got "${out}"`);
  const { renderSvg, renderPng } = await import('../../plot/svg.js');
  const svg = await renderSvg(spec);
  if (out === undefined) { process.stdout.write(svg + '\n'); return; }
  writeFileSync(out, format === 'png' ? await renderPng(svg) : svg);
}

export function register(program: Command): void {
  const plot = program
    .command('plot')
    .description('draw a run result or a sweep results file as SVG or PNG');

  plot
    .command('run')
    .description('loss and singular values of W against t, from the samples (dmflow run --samples N) or the trajectory (--save-times) of a run result; saddles shaded, the end state marked, the problem (--spec) and the status in the title')
    .argument('<result>', 'result JSON written by dmflow run')
    .option('--spec <file>', 'the spec the run was made from, to name the problem in the title (size, target, observed count, depth, init)')
    .option('--top <k>', 'singular values drawn in colour with a legend entry; the others grey', '6')
    .option('--t-scale <scale>', 't axis: log or linear', 'log')
    .option('--t-range <a,b>', 't axis from a to b (default, log: a decade before the loss first moves to the end; linear: 0 to the end)')
    .option('--out <file>', 'write fig.svg or fig.png (default: SVG to stdout)')
    .action(async (path: string, opts: { spec?: string; top: string; tScale: string; tRange?: string; out?: string }) => {
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 1) throw new InputError('--top', `expected a whole number >= 1, got "${opts.top}"`);
      if (opts.tScale !== 'log' && opts.tScale !== 'linear') throw new InputError('--t-scale', `expected log or linear, got "${opts.tScale}"`);
      let tRange: [number, number] | undefined;
      if (opts.tRange !== undefined) {
        const r = parseNumberList(opts.tRange, '--t-range');
        if (r.length !== 2 || !(r[0] < r[1]) || r[0] < 0) throw new InputError('--t-range', `expected two times 0 <= a < b as "a,b", got "${opts.tRange}"`);
        tRange = [r[0], r[1]];
      }
      const { value } = readJsonFile(path, 'result');
      const spec = opts.spec !== undefined ? readJsonFile(opts.spec, '--spec').value : undefined;
      const { runFigure } = await import('../../plot/runFigure.js');
      const figure = runFigure(value, path, { top, tScale: opts.tScale, tRange, spec });
      await output(figure.spec, opts.out);
      if (opts.out) {
        const [a, b] = figure.tRange.map((t) => Number(t.toPrecision(3)));
        process.stderr.write(`dmflow plot run: ${figure.points} ${figure.from} points, t from ${a} to ${b}, ${figure.plateaus} plateaus found, ${figure.saddles.length} shaded as saddles -> ${opts.out}\n`);
      }
    });

  plot
    .command('sweep')
    .description('a result field against a grid key: per point the median over its cells with the interquartile range as a band (--band), one colour per value of --color, one panel per value of --facet; other grid keys that vary are pooled, and the subtitle names them')
    .argument('<results>', 'results file (JSON lines) written by dmflow sweep')
    .requiredOption('--x <key>', 'grid key on the x axis (e.g. init.productScale)')
    .requiredOption('--y <field>', 'result field on the y axis (e.g. effectiveRank)')
    .option('--color <key>', 'grid key: one line per value (e.g. depth)')
    .option('--facet <key>', 'grid key: one panel per value')
    .option('--log-x', 'log scale on the x axis')
    .option('--log-y', 'log scale on the y axis (positive values only)')
    .option('--band <kind>', 'band around the line: iqr (median, quartiles), std (mean ± 1 std), minmax (median, min-max) or none', 'iqr')
    .option('--facet-y <mode>', "panels' y scales: shared, independent, or auto (independent when their spans differ more than tenfold)", 'auto')
    .option('--out <file>', 'write fig.svg or fig.png (default: SVG to stdout)')
    .action(async (path: string, opts: { x: string; y: string; color?: string; facet?: string; logX?: boolean; logY?: boolean; band: string; facetY: string; out?: string }) => {
      const { readResults } = await import('../../experiments/summarize.js');
      const { sweepFigure } = await import('../../plot/sweepFigure.js');
      const figure = sweepFigure(readResults(path), opts, path);
      await output(figure.spec, opts.out);
      if (opts.out) process.stderr.write(`dmflow plot sweep: ${figure.cells} cells in ${figure.groups} groups${figure.pooled.length ? ` (pooled over ${figure.pooled.join(', ')})` : ''} -> ${opts.out}\n`);
    });
}
