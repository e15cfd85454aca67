// dmflow sweep: a grid of runs on worker threads, one JSON line per cell.

import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import { parseCount, parseProgress, readJsonFile } from '../io.js';
import { workerScript } from './shared.js';
import { SWEEP_HELP } from './specHelp.js';

export function register(program: Command): void {
  program
    .command('sweep')
    .description('run a sweep (base spec x grid x trials) on worker threads, appending one JSON line per finished cell; re-running resumes')
    .argument('<sweep>', 'sweep file: {"base": spec, "grid": {"dotted.path": [values]}, "trials": n}')
    .addHelpText('after', SWEEP_HELP)
    .requiredOption('--out <file>', 'results file (JSON lines), appended to')
    .option('--workers <n>', 'threads computing cells: this one plus n - 1 worker threads (default and most: one per core)')
    .option('--shard <i/n|auto>', 'run only cells with index = i mod n (0 <= i < n); "auto": i and n from a Slurm array or Kubernetes Indexed Job')
    .option('--progress [seconds]', 'print progress on stderr even in a pipe, a line every few seconds (default 5)')
    .action(async (path: string, opts: { out: string; workers?: string; shard?: string; progress?: string | boolean }) => {
      const { value, dir } = readJsonFile(path, 'sweep');
      const { parseShard, parseSweep, runSweep, sweepLine } = await import('../../experiments/sweep.js');
      const sweep = parseSweep(value);
      const { checkSweepMemory } = await import('../../model/resources.js');
      checkSweepMemory(sweep);
      let workers = opts.workers !== undefined ? parseCount(opts.workers, '--workers') : undefined;
      if (workers === 0) throw new InputError('--workers', 'expected at least 1');
      const cores = availableParallelism();
      if (workers !== undefined && workers > cores) {
        // More threads than cores only adds memory (each worker holds its own modules).
        process.stderr.write(`dmflow sweep: --workers ${workers} capped at ${cores}, the cores of this machine\n`);
        workers = cores;
      }
      const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined;
      const { progressBar } = await import('../progress.js'); // cli-progress: not for --help
      const bar = progressBar('dmflow sweep', parseProgress(opts.progress));
      const started = Date.now();
      try {
        const summary = await runSweep(sweep, {
          out: opts.out, workers, shard, baseDir: dir, inputs: path === '-' ? [] : [path],
          workerScript: workerScript(),
          onCell: (done, total, ran) => {
            const rate = ran / Math.max(1e-3, (Date.now() - started) / 1000);
            bar.update(done / total, `${done}/${total} cells, ${rate.toPrecision(3)} cells/s`);
          },
        });
        bar.stop();
        if (summary.staleLockOf !== null) process.stderr.write(`dmflow sweep: took over the lock of process ${summary.staleLockOf}, which is gone\n`);
        // Exit 0 whatever the cells' statuses: each line carries its own; the one closing line counts them.
        process.stderr.write(`${sweepLine(summary, opts.out, shard)}\n`);
      } finally {
        bar.stop();
      }
    });
}
