// dmflow summarize: mean and standard deviation of a results file by group.

import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('summarize')
    .description('CSV of mean and standard deviation of the standard metrics of a results file, grouped by grid keys')
    .argument('<results>', 'results file written by dmflow sweep')
    .option('--by <keys>', 'comma-separated grid keys (e.g. depth,init.productScale)', '')
    .action(async (path: string, opts: { by: string }) => {
      const { readResults, summarize, summaryCsv } = await import('../../experiments/summarize.js');
      const by = opts.by.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
      process.stdout.write(summaryCsv(summarize(readResults(path), by), by));
    });
}
