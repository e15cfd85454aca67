// dmflow glrl: Greedy Low-Rank Learning on a spec or an embedded example.

import type { Command } from 'commander';
import { InputError } from '../../model/errors.js';
import type { GlrlSpec } from '../../model/spec.js';
import { parseCount, parsePositive, readJsonFile } from '../io.js';
import { print } from './shared.js';
import { GLRL_HELP } from './specHelp.js';
import { glrlExitCode } from '../exitCodes.js';

/** Whether the GLRL spec sets its largest rank itself (glrl.maxRank). */
function maxRankInSpec(value: unknown): boolean {
  const g = value !== null && typeof value === 'object' ? (value as { glrl?: unknown }).glrl : undefined;
  return g !== null && typeof g === 'object' && (g as { maxRank?: unknown }).maxRank !== undefined;
}

export function register(program: Command): void {
  program
    .command('glrl')
    .description('Greedy Low-Rank Learning (Li, Luo & Lyu 2021) on a spec, or on an embedded example; prints the result as JSON')
    .argument('[spec]', 'problem spec (JSON); depth and init are ignored, a "glrl" object sets the options below')
    .addHelpText('after', GLRL_HELP)
    .option('--example <name>', 'embedded example: counter-example, rank-3, psd (default counter-example when no spec is given)')
    .option('--variant <v>', 'asymmetric (W = U V^T) or symmetric (W = U U^T)')
    .option('--epsilon <e>', 'size of each new rank-one component')
    .option('--max-rank <k>', 'largest rank')
    .option('--compare-nuclear', 'also compute the minimum-nuclear-norm completion (certified by its duality gap) and the distance to it')
    .action(async (path: string | undefined, opts: { example?: string; variant?: string; epsilon?: string; maxRank?: string; compareNuclear?: boolean }) => {
      if (path !== undefined && opts.example !== undefined) throw new InputError('--example', 'expected either a spec file or --example, got both');
      const { GLRL_EXAMPLES, glrlExample } = await import('../../experiments/glrlExamples.js');
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
      const epsilon = opts.epsilon !== undefined ? parsePositive(opts.epsilon, '--epsilon') : undefined;
      const { glrl } = await import('../../experiments/glrl.js');
      const result = glrl(value as GlrlSpec, { variant: opts.variant as 'asymmetric' | 'symmetric' | undefined, epsilon, maxRank });
      if (!opts.compareNuclear) print(result);
      else {
        const { compareWithNuclearNorm } = await import('../../experiments/glrlCompare.js');
        print({ ...result, nuclearNormCompletion: compareWithNuclearNorm(value as GlrlSpec, result) });
      }
      process.exitCode = glrlExitCode(result, maxRank !== undefined || maxRankInSpec(value));
    });
}
