// dmflow run: integrate one spec and print the result.

import type { Command } from 'commander';
import { parseCount, parseDuration, parseNumberList } from '../io.js';
import { progressBar } from '../progress.js';
import { loadSpec, print } from './shared.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('integrate the gradient flow of a spec (the embedded diagonal task when no file is given) and print the result as JSON')
    .argument('[spec]', 'problem spec (JSON)')
    .option('--save-times <t1,t2,...>', 'add a trajectory of {t, loss, singularValues} at these times (dense output)')
    .option('--save-layers', 'include the factors W_1..W_L in the result (for warm starts)')
    .option('--samples <N>', 'add N log-spaced analysis samples (loss, spectrum, effective rank, nuclear norm, reconstruction error)')
    .option('--checkpoint <file>', 'save the whole run state to this file as it goes; run the same command again to resume from it')
    .option('--checkpoint-every <duration>', 'time between checkpoints (30s, 5m, 250ms; 0: every step)', '30s')
    .action(async (path: string | undefined, opts: { saveTimes?: string; saveLayers?: boolean; samples?: string; checkpoint?: string; checkpointEvery: string }) => {
      const { value, dir } = await loadSpec(path);
      const saveTimes = opts.saveTimes !== undefined ? parseNumberList(opts.saveTimes, '--save-times') : undefined;
      const samples = opts.samples !== undefined ? parseCount(opts.samples, '--samples') : undefined;
      const everyMs = parseDuration(opts.checkpointEvery, '--checkpoint-every');
      const checkpoint = opts.checkpoint !== undefined ? { path: opts.checkpoint, everyMs } : undefined;
      const { run } = await import('../../experiments/run.js');
      const bar = progressBar('dmflow run');
      let loss0 = NaN;
      try {
        const result = run(value, {
          baseDir: dir,
          saveTimes,
          saveLayers: opts.saveLayers,
          samples,
          checkpoint,
          onProgress: (t, loss, lossTol) => {
            if (Number.isNaN(loss0)) loss0 = loss;
            // Progress in log-loss towards lossTol.
            const frac = Math.log(loss0 / loss) / Math.log(loss0 / Math.max(lossTol, 1e-300));
            bar.update(frac, `t = ${t.toExponential(2)}, loss = ${loss.toExponential(2)}`);
          },
        });
        bar.stop();
        print(result);
      } finally {
        bar.stop();
      }
    });
}
