// dmflow summarize: per group, cell counts (failed, non-finite) and mean and
// standard deviation of the finite metrics, read from a results file line by line.

import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('summarize')
    .description('CSV per group of grid values: cells, failed, non-finite, and mean and standard deviation of the standard metrics over the finite cells')
    .argument('<results>', 'results file written by dmflow sweep or dmflow merge')
    .option('--by <keys>', 'comma-separated grid keys (default: every grid key of the sweep; "" for one group)')
    .action(async (path: string, opts: { by?: string }) => {
      const { summarizeFile, summaryCsv } = await import('../../experiments/summarize.js');
      const by = opts.by === undefined ? undefined : opts.by.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
      const summary = summarizeFile(path, by);
      process.stdout.write(summaryCsv(summary.rows, summary.by));
    });
}
