// One fresh process: what `dmflow run` on the embedded default spends its
// start-up on, stage by stage, each stage importing (loading, compiling and
// evaluating) the modules it adds to the ones before, in the order the command
// needs them, then the run itself split into integration and analysis.
// Prints one JSON line: [stage, wall ms, CPU ms (all threads)] in order.
// Run by bench/startup.ts on the tsc build in dist/ (node bench/startupProbe.mjs).

const entry = performance.now();
const entryCpu = process.cpuUsage();
const dist = new URL('../dist/src/', import.meta.url);
const stages = [['node bootstrap (to the first line of a script)', entry, (entryCpu.user + entryCpu.system) / 1000]];
let lastWall = performance.now(), lastCpu = process.cpuUsage();
function mark(name) {
  const wall = performance.now(), cpu = process.cpuUsage(lastCpu);
  stages.push([name, wall - lastWall, (cpu.user + cpu.system) / 1000]);
  lastWall = performance.now(); lastCpu = process.cpuUsage();
}
const mod = (p) => import(new URL(p, dist).href);

await import('commander'); mark('commander');
const { makeProgram } = await mod('cli/main.js'); makeProgram(); mark('the command files and their options (what --help loads)');
await import('zod'); mark('zod (its ~95 files)');
await mod('model/spec.js'); mark("dmflow's spec schemas (zod objects built at import)");
await import('ml-matrix'); mark('ml-matrix');
await mod('linalg/packageRoot.js'); await mod('linalg/native.js'); mark('the native OpenBLAS binding (dlopen, loaded at import)');
await mod('linalg/wasm.js'); mark('the wasm kernels (read and compiled at import)');
await mod('experiments/run.js'); await mod('experiments/defaults.js'); await mod('cli/progress.js'); mark('the other modules of run (solvers, fields, analysis, stop rules, odex, cli-progress)');
const { buildProblem } = await mod('model/problem.js');
const { DEFAULT_SPEC } = await mod('experiments/defaults.js');
const { runProblem } = await mod('experiments/run.js');
const { solveIvp } = await mod('ode/solve.js');
const problem = buildProblem(DEFAULT_SPEC); mark('spec validation and problem construction');

// The run itself, profiled (node:inspector, 0.1 ms samples) to split it by the
// function on the stack: the integration (the field's construction, solveIvp
// with the field's evaluations and the stop rules inside it) and the analysis of
// the result (runResult and the rest).
const { Session } = await import('node:inspector');
const session = new Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 100 });
mark('(the profiler, not part of dmflow)');
await post('Profiler.start');
const t0 = performance.now(), c0 = process.cpuUsage();
const result = runProblem(problem);
const runWall = performance.now() - t0, runCpu = process.cpuUsage(c0);
const { profile } = await post('Profiler.stop');
session.disconnect();
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parts = { integration: 0, analysis: 0 };
for (let i = 0; i < profile.samples.length; i++) {
  let part = 'analysis';
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id).callFrame.functionName;
    if (f === 'solveIvp' || f === 'gradientField') { part = 'integration'; break; }
    if (f === 'runResult') break;
  }
  parts[part] += profile.timeDeltas[i];
}
const sum = Object.values(parts).reduce((a, b) => a + b, 0) || 1;
const share = (k) => parts[k] / sum;
const cpuMs = (runCpu.user + runCpu.system) / 1000;
stages.push([`the integration (the field, ${result.nfev} evaluations, ${result.steps} steps)`, runWall * share('integration'), cpuMs * share('integration')]);
stages.push(['the analysis of the result (spectrum, coupling, invariants, loss floor)', runWall * share('analysis'), cpuMs * share('analysis')]);
lastWall = performance.now(); lastCpu = process.cpuUsage();
const { formatJson } = await mod('cli/format.js');
formatJson(result);
mark('formatting the JSON output');
process.stdout.write(JSON.stringify(stages) + '\n');
