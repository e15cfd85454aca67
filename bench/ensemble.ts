// Ensemble integration against one run at a time, in-process, on the Fig. 1
// sweep (bench/workloads.ts fig1Sweep): integrations per second, and whether
// the results agree bit for bit. `npx tsx bench/ensemble.ts [--trials 300] [--lanes 32]`.

import { buildProblem, expandCells, parseSweep } from '../src/index.js';
import { runProblems } from '../src/experiments/ensembleRun.js';
import { runProblem, type RunResult } from '../src/experiments/run.js';
import { fig1Sweep } from './workloads.js';

const arg = (name: string, dflt: number) => { const i = process.argv.indexOf(name); return i >= 0 ? Number(process.argv[i + 1]) : dflt; };
const trials = arg('--trials', 300);
const lanes = arg('--lanes', 32);
const sweep = parseSweep({ ...fig1Sweep, trials });
const problems = expandCells(sweep).map((c) => buildProblem(c.spec));

const time = (f: () => RunResult[]) => { const t = performance.now(); const r = f(); return { r, s: (performance.now() - t) / 1000 }; };
// Warm-up on a slice, then the timed runs.
runProblems(problems.slice(0, 300), {}, lanes); problems.slice(0, 300).forEach((p) => runProblem(p));
const one = time(() => problems.map((p) => runProblem(p)));
const ens = time(() => runProblems(problems, {}, lanes));
let differ = 0;
for (let i = 0; i < problems.length; i++) if (JSON.stringify(one.r[i]) !== JSON.stringify(ens.r[i])) differ++;
const rate = (s: number) => (problems.length / s).toFixed(0);
console.log(`${problems.length} runs (Fig. 1 sweep, ${trials} trials), build excluded, one thread:`);
console.log(`  one at a time: ${one.s.toFixed(3)} s = ${rate(one.s)}/s`);
console.log(`  ensemble (${lanes} lanes): ${ens.s.toFixed(3)} s = ${rate(ens.s)}/s (${(one.s / ens.s).toFixed(2)}x); results differing: ${differ}`);
