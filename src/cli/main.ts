// The dmflow command. Thin: it parses arguments, calls the library, prints.

import { Command, CommanderError } from 'commander';
import { DEFAULT_SPEC } from '../experiments/defaults.js';
import { run } from '../experiments/run.js';
import { InputError } from '../model/errors.js';
import { formatJson } from './format.js';
import { parseNumberList, readJsonFile } from './io.js';
import { progressBar } from './progress.js';

function print(value: unknown): void {
  process.stdout.write(formatJson(value) + '\n');
}

/** Load a spec file, or the embedded default when no path is given. */
export function loadSpec(path: string | undefined): { value: unknown; dir: string } {
  return path === undefined ? { value: DEFAULT_SPEC, dir: process.cwd() } : readJsonFile(path);
}

export function makeProgram(): Command {
  const program = new Command();
  program
    .name('dmflow')
    .description('Gradient flow of deep matrix factorization, checked against closed-form theorems')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.split('\n')[0] + '\n') });

  program
    .command('run')
    .description('integrate the gradient flow of a spec (the embedded diagonal task when no file is given) and print the result as JSON')
    .argument('[spec]', 'problem spec (JSON)')
    .option('--save-times <t1,t2,...>', 'add a trajectory of {t, loss, singularValues} at these times (dense output)')
    .option('--save-layers', 'include the factors W_1..W_L in the result (for warm starts)')
    .action((path: string | undefined, opts: { saveTimes?: string; saveLayers?: boolean }) => {
      const { value, dir } = loadSpec(path);
      const saveTimes = opts.saveTimes !== undefined ? parseNumberList(opts.saveTimes, '--save-times') : undefined;
      const bar = progressBar('dmflow run');
      let loss0 = NaN;
      try {
        const result = run(value, {
          baseDir: dir,
          saveTimes,
          saveLayers: opts.saveLayers,
          onProgress: (t, loss) => {
            if (Number.isNaN(loss0)) loss0 = loss;
            // Progress in log-loss towards lossTol, or failing that in log-time.
            const frac = Math.log(loss0 / loss) / Math.log(loss0 / 1e-20);
            bar.update(frac, `t = ${t.toExponential(2)}, loss = ${loss.toExponential(2)}`);
          },
        });
        bar.stop();
        print(result);
      } finally {
        bar.stop();
      }
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await makeProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`dmflow: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CommanderError) {
      // Commander already printed its one-line message; help and version are not errors.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof RangeError && e.message.startsWith('solveIvp:')) {
      process.stderr.write(`dmflow: ${e.message}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`dmflow: internal error: ${err.message}${process.env.DMFLOW_DEBUG ? '\n' + err.stack : ' (set DMFLOW_DEBUG=1 for the stack)'}\n`);
    return 1;
  }
}
