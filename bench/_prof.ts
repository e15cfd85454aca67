import { buildProblem, expandCells, parseSweep } from '../src/index.js';
import { runProblems } from '../src/experiments/ensembleRun.js';
import { runProblem } from '../src/experiments/run.js';
import { fig1Sweep } from './workloads.js';
const sweep = parseSweep({ ...fig1Sweep, trials: 300 });
const problems = expandCells(sweep).map((c) => buildProblem(c.spec));
const modes = (process.argv[2] ?? 'ens,one').split(',');
const best: Record<string, number> = {};
for (let rep = 0; rep < 5; rep++) for (const mode of modes) {
  const t = performance.now();
  if (mode === 'ens') runProblems(problems, {}, 32); else problems.map((p) => runProblem(p));
  const s = (performance.now() - t) / 1000;
  best[mode] = Math.min(best[mode] ?? Infinity, s);
}
console.log(best);
