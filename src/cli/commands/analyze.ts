// dmflow analyze: coupling index, verdict, tangent-kernel norms and connectivity at t = 0, no integration.

import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../../model/errors.js';
import type { Spec } from '../../model/spec.js';
import { formatJson } from '../format.js';
import { loadSpec, print } from './shared.js';
import { SPEC_HELP } from './specHelp.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('print the coupling index, its verdict, the tangent-kernel norms and the observation-graph connectivity at t = 0, without integrating')
    .argument('[spec]', 'problem spec (JSON)')
    .addHelpText('after', SPEC_HELP)
    .option('--tangent-kernel <file>', 'also write the dense tangent kernels (observed x observed, unobserved x observed) as JSON to this file ("-": print them with the rest)')
    // The flag's name before 0.2.0 ("kernel" names the compute back-end now): refused with a pointer, for one release.
    .addOption(new Option('--kernel <file>').hideHelp())
    .action(async (path: string | undefined, opts: { tangentKernel?: string; kernel?: string }) => {
      if (opts.kernel !== undefined) throw new InputError('--kernel', 'expected --tangent-kernel <file> (the name of this flag since 0.2.0; "kernel" names the compute back-end), got --kernel');
      const file = opts.tangentKernel;
      const { value, dir } = await loadSpec(path);
      const { analyzeProblem } = await import('../../analysis/analyze.js');
      const { buildProblem } = await import('../../model/problem.js');
      const { requireDeepModel } = await import('../../model/udv/spec.js');
      requireDeepModel(value, 'dmflow analyze: the theorem families and the coupling kernel cover');
      const analysis = analyzeProblem(buildProblem(value as Spec, { baseDir: dir }), undefined, { dense: file !== undefined });
      if (file === undefined || file === '-') return print(analysis);
      const { dense, ...rest } = analysis;
      try {
        writeFileSync(file, formatJson({ observed: analysis.observed, ...dense }) + '\n');
      } catch (e) {
        throw new InputError('--tangent-kernel', `expected a writable file, got ${(e as NodeJS.ErrnoException).code ?? 'error'} for "${file}"`);
      }
      print(rest);
    });
}
