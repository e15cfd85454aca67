// The dmflow command. Thin: it parses arguments, calls the library, prints.
// One file per command under commands/; each loads the library modules it
// needs only when it runs, so `dmflow --help` loads none of them.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { InputError } from '../model/errors.js';
import { SolverOptionError } from '../ode/errors.js';
import { register as registerRun } from './commands/run.js';
import { register as registerSweep } from './commands/sweep.js';
import { register as registerSummarize } from './commands/summarize.js';
import { register as registerAnalyze } from './commands/analyze.js';
import { register as registerOde } from './commands/ode.js';
import { register as registerLimit } from './commands/limit.js';
import { register as registerGlrl } from './commands/glrl.js';
import { register as registerMerge } from './commands/merge.js';
import { register as registerConjecture } from './commands/conjecture.js';
import { register as registerPlot } from './commands/plot.js';
import { register as registerExplore } from './commands/explore.js';

/**
 * The package version, read once from package.json: two folders up from
 * src/cli/ (sources under tsx or vitest), three from dist/src/cli/ (the build).
 */
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'dmflow') return pkg.version;
    } catch {
      // not there: try the next folder up
    }
  }
  return 'unknown';
}

export function makeProgram(): Command {
  const program = new Command();
  program
    .name('dmflow')
    .description('Gradient flow of deep matrix factorization, checked against closed-form theorems')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    // Commander's own errors ("error: unknown option '--x'") in the one-line form of every other error.
    .configureOutput({ writeErr: (s) => process.stderr.write(`dmflow: ${s.split('\n')[0].replace(/^error: /, '')}\n`) });

  for (const register of [registerRun, registerSweep, registerSummarize, registerAnalyze, registerOde, registerLimit, registerGlrl, registerMerge, registerConjecture, registerPlot, registerExplore]) register(program);

  return program;
}

/**
 * A reader that closed the pipe (`dmflow run | head`) has what it wanted: end
 * quietly with the command's own code instead of an unhandled EPIPE's stack.
 */
let pipeWatched = false;
function quietOnClosedPipe(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
      throw e;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  try {
    const program = makeProgram();
    if (argv.length === 0) {
      // Bare `dmflow`: the full help, as `dmflow --help` prints it.
      process.stdout.write(program.helpInformation());
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
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
    if (e instanceof SolverOptionError) {
      process.stderr.write(`dmflow: ${e.message}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`dmflow: internal error: ${err.message}${process.env.DMFLOW_DEBUG ? '\n' + err.stack : ' (set DMFLOW_DEBUG=1 for the stack)'}\n`);
    return 1;
  }
}
