// Start-up of the built command: wall time of `dmflow --help` and of `dmflow
// run` on the embedded default, above a bare `node -e 0` (the floor no
// command can go under). Medians of several runs; the machine is shared, so
// the figures move with its load.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function wall(args: string[], repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    times.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  }
  return median(times);
}

export function benchStartup(repeats = 9): { node: number; help: number; run: number } {
  // Time what npm ci builds: the compiled bin in dist/, fresh from the sources.
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  const node = wall(['-e', '0'], repeats);
  const help = wall([bin, '--help'], repeats);
  const run = wall([bin, 'run'], repeats);
  return { node, help, run };
}
