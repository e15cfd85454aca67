// dmflow plot run / plot sweep: pictures of a result file, headless (Vega-Lite
// to SVG, resvg for PNG). The plot stack is loaded only when a plot is drawn.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import { readJsonFile } from '../io.js';

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
    .description('loss and singular values of W against log t, from the samples (dmflow run --samples N) or the trajectory (--save-times) of a run result; plateaus (saddles) shaded')
    .argument('<result>', 'result JSON written by dmflow run')
    .option('--out <file>', 'write fig.svg or fig.png (default: SVG to stdout)')
    .action(async (path: string, opts: { out?: string }) => {
      const { value } = readJsonFile(path, 'result');
      const { runFigure } = await import('../../plot/runFigure.js');
      const figure = runFigure(value, path);
      await output(figure.spec, opts.out);
      if (opts.out) process.stderr.write(`dmflow plot run: ${figure.points} ${figure.from} points, ${figure.plateaus} plateaus shaded -> ${opts.out}\n`);
    });

  plot
    .command('sweep')
    .description('a result field against a grid key: mean over trials with a ±1 std band, one colour per value of --color, one panel per value of --facet')
    .argument('<results>', 'results file (JSON lines) written by dmflow sweep')
    .requiredOption('--x <key>', 'grid key on the x axis (e.g. init.productScale)')
    .requiredOption('--y <field>', 'result field on the y axis (e.g. effectiveRank)')
    .option('--color <key>', 'grid key: one line per value (e.g. depth)')
    .option('--facet <key>', 'grid key: one panel per value')
    .option('--log-x', 'log scale on the x axis')
    .option('--out <file>', 'write fig.svg or fig.png (default: SVG to stdout)')
    .action(async (path: string, opts: { x: string; y: string; color?: string; facet?: string; logX?: boolean; out?: string }) => {
      const { readResults } = await import('../../experiments/summarize.js');
      const { sweepFigure } = await import('../../plot/sweepFigure.js');
      const figure = sweepFigure(readResults(path), opts, path);
      await output(figure.spec, opts.out);
      if (opts.out) process.stderr.write(`dmflow plot sweep: ${figure.cells} cells in ${figure.groups} groups -> ${opts.out}\n`);
    });
}
