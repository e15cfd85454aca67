// The dmflow command. Thin: it parses arguments, calls the library, prints.

import { Command, CommanderError } from 'commander';
import { DEFAULT_SPEC } from '../experiments/defaults.js';
import { run } from '../experiments/run.js';
import { InputError } from '../model/errors.js';
import { formatJson } from './format.js';
import { parseCount, parseNumberList, parsePositive, readJsonFile } from './io.js';
import { analyzeProblem } from '../analysis/analyze.js';
import { parseShard, parseSweep, runSweep } from '../experiments/sweep.js';
import { readResults, summarize, summaryCsv } from '../experiments/summarize.js';
import { buildProblem } from '../model/problem.js';
import { symbolicOde, type SymbolicOde } from '../model/symbolic.js';
import { theoremAt, theoremLimit } from '../../theorems/index.js';
import { checkSpec } from '../../theorems/check.js';
import { DEFAULT_SWEEP, limitSweep, toCsv } from '../../theorems/sweep.js';
import { writeFileSync } from 'node:fs';
import { progressBar } from './progress.js';
import { glrl } from '../experiments/glrl.js';
import { GLRL_EXAMPLES, glrlExample } from '../experiments/glrlExamples.js';
import { compareWithNuclearNorm } from '../experiments/glrlCompare.js';

function print(value: unknown): void {
  process.stdout.write(formatJson(value) + '\n');
}

/** Load a spec file, or the embedded default when no path is given. */
export function loadSpec(path: string | undefined): { value: unknown; dir: string } {
  return path === undefined ? { value: DEFAULT_SPEC, dir: process.cwd() } : readJsonFile(path);
}

function formatOde(ode: SymbolicOde): string {
  const lines = ['# Residuals', ...ode.residuals.map((r) => r.text), '', '# Gradient flow', ...ode.equations.map((e) => e.text), '', '# LaTeX', ...ode.equations.map((e) => e.tex), '',
    `# Check against the vector field at ${ode.check.points} random points: max relative difference ${ode.check.maxRelDiff.toExponential(2)} (${ode.check.pass ? 'pass' : 'FAIL'})`,
    ...ode.invariants.map((i) => `# dC_${i.l}/dt = 0: ${i.method === 'symbolic' ? 'simplifies to 0 symbolically' : `checked at random points (mathjs does not reduce it to 0), max |dC/dt| relative to |W| |dW/dt| d = ${i.maxRel.toExponential(2)}`} (${i.pass ? 'pass' : 'FAIL'})`)];
  return lines.join('\n') + '\n';
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
    .option('--samples <N>', 'add N log-spaced analysis samples (loss, spectrum, effective rank, nuclear norm, reconstruction error)')
    .action((path: string | undefined, opts: { saveTimes?: string; saveLayers?: boolean; samples?: string }) => {
      const { value, dir } = loadSpec(path);
      const saveTimes = opts.saveTimes !== undefined ? parseNumberList(opts.saveTimes, '--save-times') : undefined;
      const samples = opts.samples !== undefined ? parseCount(opts.samples, '--samples') : undefined;
      const bar = progressBar('dmflow run');
      let loss0 = NaN;
      try {
        const result = run(value, {
          baseDir: dir,
          saveTimes,
          saveLayers: opts.saveLayers,
          samples,
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

  program
    .command('sweep')
    .description('run a sweep (base spec x grid x trials) on worker threads, appending one JSON line per finished cell; re-running resumes')
    .argument('<sweep>', 'sweep file: {"base": spec, "grid": {"dotted.path": [values]}, "trials": n}')
    .requiredOption('--out <file>', 'results file (JSON lines), appended to')
    .option('--workers <n>', 'threads computing cells: this one plus n - 1 worker threads (default: one per core)')
    .option('--shard <i/n>', 'run only cells with index = i mod n (0 <= i < n)')
    .action(async (path: string, opts: { out: string; workers?: string; shard?: string }) => {
      const { value, dir } = readJsonFile(path, 'sweep');
      const sweep = parseSweep(value);
      const workers = opts.workers !== undefined ? parseCount(opts.workers, '--workers') : undefined;
      if (workers === 0) throw new InputError('--workers', 'expected at least 1');
      const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined;
      const bar = progressBar('dmflow sweep');
      try {
        const summary = await runSweep(sweep, {
          out: opts.out, workers, shard, baseDir: dir,
          workerScript: new URL('../experiments/sweepWorker.mjs', import.meta.url),
          onCell: (done, total) => bar.update(done / total, `${done}/${total} cells`),
        });
        bar.stop();
        process.stderr.write(`dmflow sweep: ${summary.ran} cells run, ${summary.skipped} already in ${opts.out}, ${summary.cells} in all\n`);
      } finally {
        bar.stop();
      }
    });

  program
    .command('summarize')
    .description('CSV of mean and standard deviation of the standard metrics of a results file, grouped by grid keys')
    .argument('<results>', 'results file written by dmflow sweep')
    .option('--by <keys>', 'comma-separated grid keys (e.g. depth,init.productScale)', '')
    .action((path: string, opts: { by: string }) => {
      const by = opts.by.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
      process.stdout.write(summaryCsv(summarize(readResults(path), by), by));
    });

  program
    .command('analyze')
    .description('print the coupling kernel, its verdict and the observation-graph connectivity at t = 0, without integrating')
    .argument('[spec]', 'problem spec (JSON)')
    .action((path: string | undefined) => {
      const { value, dir } = loadSpec(path);
      print(analyzeProblem(buildProblem(value, { baseDir: dir })));
    });

  program
    .command('ode')
    .description('derive the gradient-flow equations symbolically (mathjs) for a small model, print them as text and LaTeX, and check them')
    .argument('[spec]', 'problem spec (JSON), up to 4x4 and depth 3')
    .option('--json', 'print everything as JSON')
    .action((path: string | undefined, opts: { json?: boolean }) => {
      const { value, dir } = loadSpec(path);
      const ode = symbolicOde(buildProblem(value, { baseDir: dir }));
      if (opts.json) print(ode);
      else process.stdout.write(formatOde(ode));
      if (!ode.check.pass || ode.invariants.some((i) => !i.pass)) process.exitCode = 1;
    });

  program
    .command('limit')
    .description('print the closed-form limit W(inf) a theorem predicts for the spec (exit 2 when none covers it)')
    .argument('[spec]', 'problem spec (JSON)')
    .option('--at <t>', 'print W(t) instead, for families with closed-form trajectories')
    .action((path: string | undefined, opts: { at?: string }) => {
      const { value, dir } = loadSpec(path);
      if (opts.at !== undefined) {
        const t = Number(opts.at);
        if (!Number.isFinite(t) || t < 0) throw new InputError('--at', `expected a time >= 0, got "${opts.at}"`);
        print(theoremAt(value, t, { baseDir: dir }));
      } else print(theoremLimit(value, { baseDir: dir }));
    });

  program
    .command('check')
    .description('integrate the spec and compare with the theorem; exit 1 when they differ by more than --tol')
    .argument('[spec]', 'problem spec (JSON)')
    .option('--tol <x>', 'largest accepted difference (max entry, relative singular value)', '1e-6')
    .action((path: string | undefined, opts: { tol: string }) => {
      const { value, dir } = loadSpec(path);
      const report = checkSpec(value, parsePositive(opts.tol, '--tol'), { baseDir: dir });
      print(report);
      if (!report.pass) process.exitCode = 1;
    });

  program
    .command('limit-sweep')
    .description('CSV of the block-diagonal limit (Lam, N, effective rank) against alpha^L by depth and c (Figures 2 and 5)')
    .option('--depths <list>', 'depths', DEFAULT_SWEEP.depths.join(','))
    .option('--c <list>', 'off-diagonal init ratios c (W_l(0) = alpha (I + c J))', DEFAULT_SWEEP.cs.join(','))
    .option('--scales <list>', 'product scales alpha^L', DEFAULT_SWEEP.productScales.map((x) => x.toPrecision(3)).join(','))
    .option('--out <file>', 'write the CSV here instead of stdout')
    .action((opts: { depths: string; c: string; scales: string; out?: string }) => {
      const depths = parseNumberList(opts.depths, '--depths');
      depths.forEach((d) => { if (!Number.isInteger(d) || d < 1) throw new InputError('--depths', `expected integers >= 1, got ${d}`); });
      const cs = parseNumberList(opts.c, '--c');
      cs.forEach((c) => { if (c < 0) throw new InputError('--c', `expected c >= 0, got ${c}`); });
      const productScales = parseNumberList(opts.scales, '--scales');
      productScales.forEach((e) => { if (!(e > 0)) throw new InputError('--scales', `expected positive scales, got ${e}`); });
      const csv = toCsv(limitSweep({ depths, cs, productScales }));
      if (opts.out) writeFileSync(opts.out, csv); else process.stdout.write(csv);
    });

  program
    .command('glrl')
    .description('Greedy Low-Rank Learning (Li, Luo & Lyu 2021) on a spec, or on an embedded example; prints the result as JSON')
    .argument('[spec]', 'problem spec (JSON); depth and init are ignored, a "glrl" object sets the options below')
    .option('--example <name>', `embedded example: ${Object.keys(GLRL_EXAMPLES).join(', ')} (default counter-example when no spec is given)`)
    .option('--variant <v>', 'asymmetric (W = U V^T) or symmetric (W = U U^T)')
    .option('--epsilon <e>', 'size of each new rank-one component')
    .option('--max-rank <k>', 'largest rank')
    .option('--compare-nuclear', 'also compute the minimum-nuclear-norm completion (certified by its duality gap) and the distance to it')
    .action((path: string | undefined, opts: { example?: string; variant?: string; epsilon?: string; maxRank?: string; compareNuclear?: boolean }) => {
      if (path !== undefined && opts.example !== undefined) throw new InputError('--example', 'expected either a spec file or --example, got both');
      let value: unknown;
      if (path !== undefined) {
        value = readJsonFile(path).value;
      } else {
        const name = opts.example ?? 'counter-example';
        const example = glrlExample(name);
        if (!example) throw new InputError('--example', `expected one of ${Object.keys(GLRL_EXAMPLES).join(', ')}, got "${name}"`);
        value = example.spec;
      }
      if (opts.variant !== undefined && opts.variant !== 'asymmetric' && opts.variant !== 'symmetric') {
        throw new InputError('--variant', `expected asymmetric or symmetric, got "${opts.variant}"`);
      }
      const maxRank = opts.maxRank !== undefined ? parseCount(opts.maxRank, '--max-rank') : undefined;
      if (maxRank === 0) throw new InputError('--max-rank', 'expected a rank >= 1, got 0');
      const result = glrl(value, {
        variant: opts.variant as 'asymmetric' | 'symmetric' | undefined,
        epsilon: opts.epsilon !== undefined ? parsePositive(opts.epsilon, '--epsilon') : undefined,
        maxRank,
      });
      print(opts.compareNuclear ? { ...result, nuclearNormCompletion: compareWithNuclearNorm(value, result) } : result);
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
