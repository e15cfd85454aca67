// dmflow run: integrate one spec and print the result.

import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import type { Spec } from '../../model/spec.js';
import type { FactorSpec } from '../../model/udv/spec.js';
import { parseCount, parseDuration, parseNumberList, parseProgress } from '../io.js';
import { loadSpec, print } from './shared.js';
import { SPEC_HELP } from './specHelp.js';
import { runExitCode } from '../exitCodes.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('integrate the gradient flow of a spec (the embedded diagonal task when no file is given) and print the result as JSON')
    .argument('[spec]', 'problem spec (JSON)')
    .addHelpText('after', SPEC_HELP)
    .option('--save-times <t1,t2,...>', 'add a trajectory of {t, loss, singularValues} at these times (dense output)')
    .option('--save-layers', 'include the factors W_1..W_L in the result (for warm starts)')
    .option('--samples <N>', 'add N log-spaced analysis samples (loss, spectrum, effective rank, nuclear norm, reconstruction error)')
    .option('--checkpoint <file>', 'save the whole run state to this file as it goes; run the same command again to resume from it')
    .option('--checkpoint-every <duration>', 'time between checkpoints (30s, 5m, 250ms; 0: every step)', '30s')
    .option('--max-time <duration>', 'wall-clock budget (90s, 10m, 1.5h): status "time-limit" with the state reached (overrides solver.maxWallTime)')
    .option('--no-plateau-stop', 'end the run only on lossTol, gradTol or a hard budget (tMax, maxSteps, maxEvals, --max-time): no saddle, minimum, integration-floor, slow-decay or stiffness stop')
    .option('--progress [seconds]', 'print progress on stderr even in a pipe, a line every few seconds (default 5)')
    .option('--verify', 'repeat the run at rtol/100, atol/100 (same lossTol) and report the distance of the two end states; "sensitive": true (exit 1) when it exceeds the verification threshold')
    .action(async (path: string | undefined, opts: { saveTimes?: string; saveLayers?: boolean; samples?: string; checkpoint?: string; checkpointEvery: string; maxTime?: string; plateauStop: boolean; progress?: string | boolean; verify?: boolean }) => {
      const { value, dir } = await loadSpec(path);
      const saveTimes = opts.saveTimes !== undefined ? parseNumberList(opts.saveTimes, '--save-times') : undefined;
      const samples = opts.samples !== undefined ? parseCount(opts.samples, '--samples') : undefined;
      const everyMs = parseDuration(opts.checkpointEvery, '--checkpoint-every');
      const checkpoint = opts.checkpoint !== undefined ? { path: opts.checkpoint, everyMs } : undefined;
      const maxTimeMs = opts.maxTime !== undefined ? parseDuration(opts.maxTime, '--max-time') : undefined;
      if (maxTimeMs !== undefined && !(maxTimeMs > 0)) throw new InputError('--max-time', `expected a duration > 0 such as 90s, 10m or 1.5h, got "${opts.maxTime}"`);
      const maxWallTime = maxTimeMs !== undefined ? maxTimeMs / 1000 : undefined;
      const progress = parseProgress(opts.progress);
      const { modelKind } = await import('../../model/udv/spec.js');
      const kind = modelKind(value);
      const factored = kind !== 'deep';
      if (factored && samples !== undefined) throw new InputError('--samples', `expected none for model "${kind}" (samples cover the deep model; use --save-times)`);
      if (factored && checkpoint) throw new InputError('--checkpoint', `expected none for model "${kind}" (checkpoints cover the deep model's runs)`);
      if (factored && opts.verify) throw new InputError('--verify', `expected none for model "${kind}" (verification covers the deep model's runs)`);
      if (factored && (maxWallTime !== undefined || !opts.plateauStop)) throw new InputError(maxWallTime !== undefined ? '--max-time' : '--no-plateau-stop', `expected none for model "${kind}" (the wall-clock budget and the plateau detector cover the deep model's runs)`);
      const spec = opts.plateauStop ? value : withPlateauStopOff(value);
      const { progressBar, runFraction } = await import('../progress.js'); // cli-progress: not for --help
      const bar = progressBar('dmflow run', progress);
      let loss0 = NaN;
      try {
        // The factored models (udv/udu) always report their factors; --save-layers changes nothing there.
        const result = factored
          ? (await import('../../experiments/factorRun.js')).runFactor(value as FactorSpec, {
            saveTimes,
            onProgress: (t, loss, lossTol) => {
              if (Number.isNaN(loss0)) loss0 = loss;
              bar.update(runFraction({ t, loss, loss0, lossTol, tMax: NaN }), `t = ${t.toExponential(2)}, loss = ${loss.toExponential(2)} -> ${lossTol.toExponential(1)}`);
            },
          })
          : (await import('../../experiments/run.js')).run(spec as Spec, {
            baseDir: dir,
            saveTimes,
            saveLayers: opts.saveLayers,
            samples,
            checkpoint,
            maxWallTime,
            verify: opts.verify,
            onProgress: (p) => {
              bar.update(runFraction(p), `t = ${p.t.toExponential(2)}, loss = ${p.loss.toExponential(2)} -> ${p.lossTol.toExponential(1)}, ${p.method} h = ${p.h.toExponential(1)}`);
            },
          });
        bar.stop();
        print(result);
        // The full result is printed whatever the status; the exit code says whether it is what was asked.
        process.exitCode = runExitCode(result as { status: string; sensitive?: boolean }, value);
      } finally {
        bar.stop();
      }
    });
}

/** The spec with solver.plateauStop = false (the spec's own validation still applies). */
function withPlateauStopOff(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  const solver = v.solver;
  if (solver !== undefined && (solver === null || typeof solver !== 'object' || Array.isArray(solver))) return value;
  return { ...v, solver: { ...(solver as object | undefined), plateauStop: false } };
}
