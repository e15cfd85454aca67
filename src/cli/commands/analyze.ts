// dmflow analyze: coupling kernel and connectivity at t = 0, no integration.

import type { Command } from 'commander';
import { loadSpec, print } from './shared.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('print the coupling kernel, its verdict and the observation-graph connectivity at t = 0, without integrating')
    .argument('[spec]', 'problem spec (JSON)')
    .action(async (path: string | undefined) => {
      const { value, dir } = await loadSpec(path);
      const { analyzeProblem } = await import('../../analysis/analyze.js');
      const { buildProblem } = await import('../../model/problem.js');
      const { requireDeepModel } = await import('../../model/udv/spec.js');
      requireDeepModel(value, 'dmflow analyze: the theorem families and the coupling kernel cover');
      print(analyzeProblem(buildProblem(value, { baseDir: dir })));
    });
}
