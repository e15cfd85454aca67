// dmflow merge: gather shard files into one results file, one line per cell.

import type { Command } from 'commander';
import { readJsonFile } from '../io.js';

export function register(program: Command): void {
  program
    .command('merge')
    .description('merge the results files of a sweep\'s shards into one line per cell (in cell order); identical duplicates are dropped, conflicting ones refused; exit 1 when cells are missing')
    .argument('<results...>', 'results files of the sweep (e.g. shard*.jsonl)')
    .requiredOption('--sweep <file>', 'the sweep file the shards ran')
    .requiredOption('--out <file>', 'merged results file (written whole, under a temporary name first)')
    .action(async (inputs: string[], opts: { sweep: string; out: string }) => {
      const { value } = readJsonFile(opts.sweep, 'sweep');
      const { parseSweep } = await import('../../experiments/sweep.js');
      const { mergeShards } = await import('../../experiments/merge.js');
      const s = mergeShards(parseSweep(value), inputs, opts.out, { sweepPath: opts.sweep });
      const notes = [
        s.duplicates ? `${s.duplicates} identical duplicates dropped` : '',
        s.damagedTails ? `${s.damagedTails} half-written last lines left out` : '',
      ].filter(Boolean).join(', ');
      process.stderr.write(`dmflow merge: ${s.written} of ${s.cells} cells written to ${opts.out}${notes ? ` (${notes})` : ''}\n`);
      if (s.missing > 0) {
        process.stderr.write(`dmflow merge: ${s.missing} cells missing, e.g. ${s.firstMissing.map((c) => JSON.stringify(c)).join(' ')}\n`);
        process.exitCode = 1;
      }
    });
}
