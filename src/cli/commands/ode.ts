// dmflow ode: the gradient-flow equations derived symbolically (mathjs).

import type { Command } from 'commander';
import type { SymbolicOde } from '../../model/symbolic.js';
import type { Spec } from '../../model/spec.js';
import { loadSpec, print } from './shared.js';
import { SPEC_HELP } from './specHelp.js';

function formatOde(ode: SymbolicOde): string {
  const lines = ['# Residuals', ...ode.residuals.map((r) => r.text), '', '# Gradient flow', ...ode.equations.map((e) => e.text), '', '# LaTeX', ...ode.equations.map((e) => e.tex), '',
    `# Check against the vector field at ${ode.check.points} random points: max relative difference ${ode.check.maxRelDiff.toExponential(2)} (${ode.check.pass ? 'pass' : 'FAIL'})`,
    ...ode.invariants.map((i) => `# dC_${i.l}/dt = 0: ${i.method === 'symbolic' ? 'simplifies to 0 symbolically' : `checked at random points (mathjs does not reduce it to 0), max |dC/dt| relative to |W| |dW/dt| d = ${i.maxRel.toExponential(2)}`} (${i.pass ? 'pass' : 'FAIL'})`)];
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('ode')
    .description('derive the gradient-flow equations symbolically (mathjs) for a small model, print them as text and LaTeX, and check them')
    .argument('[spec]', 'problem spec (JSON), up to 4x4 and depth 3')
    .addHelpText('after', SPEC_HELP)
    .option('--json', 'print everything as JSON')
    .action(async (path: string | undefined, opts: { json?: boolean }) => {
      const { value, dir } = await loadSpec(path);
      const { symbolicOde } = await import('../../model/symbolic.js');
      const { buildProblem } = await import('../../model/problem.js');
      const ode = symbolicOde(buildProblem(value as Spec, { baseDir: dir }));
      if (opts.json) print(ode);
      else process.stdout.write(formatOde(ode));
      if (!ode.check.pass || ode.invariants.some((i) => !i.pass)) process.exitCode = 1;
    });
}
