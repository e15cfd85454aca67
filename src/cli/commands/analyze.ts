// dmflow analyze: coupling index, verdict, kernel norms and connectivity at t = 0, no integration.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import type { Spec } from '../../model/spec.js';
import { formatJson } from '../format.js';
import { loadSpec, print } from './shared.js';
import { SPEC_HELP } from './specHelp.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('print the coupling index, its verdict, the kernel norms and the observation-graph connectivity at t = 0, without integrating')
    .argument('[spec]', 'problem spec (JSON)')
    .addHelpText('after', SPEC_HELP)
    .option('--kernel <file>', 'also write the dense kernels (observed x observed, unobserved x observed) as JSON to this file ("-": print them with the rest)')
    .action(async (path: string | undefined, opts: { kernel?: string }) => {
      const { value, dir } = await loadSpec(path);
      const { analyzeProblem } = await import('../../analysis/analyze.js');
      const { buildProblem } = await import('../../model/problem.js');
      const { requireDeepModel } = await import('../../model/udv/spec.js');
      requireDeepModel(value, 'dmflow analyze: the theorem families and the coupling kernel cover');
      const analysis = analyzeProblem(buildProblem(value as Spec, { baseDir: dir }), undefined, { dense: opts.kernel !== undefined });
      if (opts.kernel === undefined || opts.kernel === '-') return print(analysis);
      const { dense, ...rest } = analysis;
      try {
        writeFileSync(opts.kernel, formatJson({ observed: analysis.observed, ...dense }) + '\n');
      } catch (e) {
        throw new InputError('--kernel', `expected a writable file, got ${(e as NodeJS.ErrnoException).code ?? 'error'} for "${opts.kernel}"`);
      }
      print(rest);
    });
}
