// dmflow conjecture: property-test a claim about the flow on generated specs;
// a failing spec is shrunk to a minimal one. Exit 0 holds, 1 counterexample,
// 3 an integration failure (a run that did not converge), 2 bad input.

import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import type { Spec } from '../../model/spec.js';
import type { Generated } from '../../experiments/generators.js';
import { parseCount, readJsonFile } from '../io.js';
import { print, workerScript } from './shared.js';
import { CONJECTURE_HELP } from './specHelp.js';

export function register(program: Command): void {
  program
    .command('conjecture')
    .description('check a claim (mathjs expression) on specs drawn from generators; print holds, or a shrunk minimal counterexample (exit 1)')
    .argument('<conjecture>', 'conjecture file: {"generate": spec with generators, "given": expr, "claim": expr, "runs": n, "seed": k}')
    .addHelpText('after', CONJECTURE_HELP)
    .option('--runs <n>', 'instances to check (default: the file\'s "runs", else 100)')
    .option('--seed <k>', 'seed (default: the file\'s "seed", else 0)')
    .option('--workers <n>', 'threads for the runs before the first failure: this one plus n - 1 workers (default: one per core)')
    .option('--results <file>', 'keep every run in this JSON-lines file and reuse the runs already in it (resume a killed search, or re-check an edited claim)')
    .option('--replay <path>', 'replay the counterexample at this path (printed under "replay", with its seed), without shrinking')
    .option('--no-verify', 'do not repeat each run at rtol/100, atol/100 (by default a sensitive instance stops the search with status "sensitive")')
    .action(async (path: string, opts: { runs?: string; seed?: string; workers?: string; replay?: string; results?: string; verify: boolean }) => {
      const { value, dir } = readJsonFile(path, 'conjecture');
      const runs = opts.runs !== undefined ? parseCount(opts.runs, '--runs') : undefined;
      if (runs === 0) throw new InputError('--runs', 'expected at least 1');
      const seed = opts.seed !== undefined ? Number(opts.seed) : undefined;
      if (seed !== undefined && !Number.isInteger(seed)) throw new InputError('--seed', `expected an integer, got "${opts.seed}"`);
      const workers = opts.workers !== undefined ? parseCount(opts.workers, '--workers') : undefined;
      if (workers === 0) throw new InputError('--workers', 'expected at least 1');
      if (opts.replay !== undefined && !/^\d+(:\d+)*$/.test(opts.replay)) throw new InputError('--replay', `expected a path such as 12:0:3, got "${opts.replay}"`);
      const { checkConjecture, parseConjecture } = await import('../../experiments/conjecture.js');
      const file = parseConjecture(value);
      const { progressBar } = await import('../progress.js'); // cli-progress: not for --help
      const bar = progressBar('dmflow conjecture');
      try {
        const report = await checkConjecture({
          ...file,
          generate: file.generate as Generated<Spec>,
          runs: runs ?? file.runs,
          seed: seed ?? file.seed,
          workers,
          replay: opts.replay,
          results: opts.results,
          verify: opts.verify,
          baseDir: dir,
          workerScript: workerScript(),
          onProgress: (done, total) => bar.update(done / total, `${done}/${total} instances`),
        });
        bar.stop();
        // What the runs cost depends on timing (threads) and on the results file: stderr,
        // so that stdout is the same for the same file and seed.
        const { integrations, reused, onWorkers, ...shown } = report;
        print(shown);
        process.stderr.write(`dmflow conjecture: integrations ${integrations} (${reused} reused from ${opts.results ?? 'no results file'}), on worker threads ${onWorkers}\n`);
        // Exit 1 for anything but "holds": the JSON's status tells a counterexample from an
        // integration failure or a sensitive instance, and every dmflow command keeps to 0 / 1 (a check failed) / 2.
        if (report.status !== 'holds') process.exitCode = 1;
      } finally {
        bar.stop();
      }
    });
}
