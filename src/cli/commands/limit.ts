// dmflow limit / check / limit-sweep: the theorem module from the command line.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import type { Spec } from '../../model/spec.js';
import { parseNumberList, parsePositive } from '../io.js';
import { loadSpec, nonFinitePaths, print } from './shared.js';
import { SPEC_HELP } from './specHelp.js';

/** A closed form evaluated in double precision can overflow: say so instead of printing null. */
function printFinite(value: unknown): void {
  const bad = nonFinitePaths(value);
  if (bad.length > 0) {
    throw new InputError('spec', `the closed form is not finite in double precision at this scale (${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', ...' : ''}); rescale the target or the init`);
  }
  print(value);
}

// The defaults shown in --help, written out so that --help loads no theorem
// code; test/cli.test.ts checks them against theorems/sweep.ts's DEFAULT_SWEEP.
export const SWEEP_DEPTHS = '2,3,4';
export const SWEEP_CS = '0,0.001,0.1,0.5,1';
/** Largest limit-sweep, in layer solves: about 10 s. */
const LIMIT_SWEEP_MAX_LAYERS = 1e6;

export function register(program: Command): void {
  program
    .command('limit')
    .description('print the closed-form limit W(inf) a theorem predicts for the spec (exit 2 when none covers it)')
    .argument('[spec]', 'problem spec (JSON)')
    .addHelpText('after', SPEC_HELP)
    .option('--at <t>', 'print W(t) instead, for families with closed-form trajectories')
    .action(async (path: string | undefined, opts: { at?: string }) => {
      const { value, dir } = await loadSpec(path);
      const { theoremAt, theoremLimit } = await import('../../../theorems/index.js');
      if (opts.at !== undefined) {
        const t = Number(opts.at);
        if (!Number.isFinite(t) || t < 0) throw new InputError('--at', `expected a time >= 0, got "${opts.at}"`);
        printFinite(theoremAt(value as Spec, t, { baseDir: dir }));
      } else printFinite(theoremLimit(value as Spec, { baseDir: dir }));
    });

  program
    .command('check')
    .description('integrate the spec at tolerances derived from --tol and compare with the theorem; exit 1 when a deciding comparison fails')
    .argument('[spec]', 'problem spec (JSON)')
    .addHelpText('after', SPEC_HELP)
    .option('--tol <x>', 'largest accepted difference, relative to the largest singular value of the theorem\'s W(inf), for each deciding comparison '
      + '(entries and singular values at the run\'s final time T where the family gives W(T), else at t = inf; block-diagonal eigenspaces at T); '
      + 'the run is driven to rtol = tol/1000, atol = tol/1e5, lossTol = (tol/10)^2 x target energy where the spec\'s are looser', '1e-6')
    .option('--no-verify', 'skip the repeat at rtol/100, atol/100 (by default a run whose end state moves by more than the verification threshold fails)')
    .action(async (path: string | undefined, opts: { tol: string; verify: boolean }) => {
      const { value, dir } = await loadSpec(path);
      const tol = parsePositive(opts.tol, '--tol');
      const { checkSpec } = await import('../../experiments/check.js');
      const report = checkSpec(value as Spec, tol, { baseDir: dir, verify: opts.verify });
      print(report);
      if (!report.pass) process.exitCode = 1;
    });

  program
    .command('limit-sweep')
    .description('CSV of the block-diagonal limit (Lam, N, effective rank) against alpha^L by depth and c (Figures 2 and 5)')
    .option('--depths <list>', 'depths', SWEEP_DEPTHS)
    .option('--c <list>', 'off-diagonal init ratios c (W_l(0) = alpha (I + c J))', SWEEP_CS)
    .option('--scales <list>', 'product scales alpha^L (default: 13 log-spaced from 1e-6 to 1)')
    .option('--out <file>', 'write the CSV here instead of stdout')
    .action(async (opts: { depths: string; c: string; scales?: string; out?: string }) => {
      const depths = parseNumberList(opts.depths, '--depths');
      depths.forEach((d) => { if (!Number.isInteger(d) || d < 1) throw new InputError('--depths', `expected integers >= 1, got ${d}`); });
      const cs = parseNumberList(opts.c, '--c');
      cs.forEach((c) => { if (c < 0) throw new InputError('--c', `expected c >= 0, got ${c}`); });
      const { DEFAULT_SWEEP, limitSweep, toCsv } = await import('../../../theorems/sweep.js');
      const productScales = opts.scales !== undefined ? parseNumberList(opts.scales, '--scales') : DEFAULT_SWEEP.productScales;
      productScales.forEach((e) => { if (!(e > 0)) throw new InputError('--scales', `expected positive scales, got ${e}`); });
      // Each row solves for the limit with work proportional to its depth (about 10 us per layer):
      // refuse a sweep that would run for minutes before starting it.
      const layers = depths.reduce((a, d) => a + d, 0) * cs.length * productScales.length * DEFAULT_SWEEP.tasks.length;
      if (layers > LIMIT_SWEEP_MAX_LAYERS) {
        throw new InputError('--depths', `expected at most ${LIMIT_SWEEP_MAX_LAYERS.toExponential(0)} layer solves in all (sum of depths x c values x scales x ${DEFAULT_SWEEP.tasks.length} tasks), got ${layers.toExponential(2)}`);
      }
      const csv = toCsv(limitSweep({ depths, cs, productScales }));
      if (opts.out) writeFileSync(opts.out, csv); else process.stdout.write(csv);
    });
}
