// Where the time of a large `dmflow run` goes, on the generated family's
// instances (bench/families.ts, `--seed k`): the bin end to end against
// `node -e 0`; in process, the integration alone (solveIvp with the run's
// options and stop at lossTol) against the whole run (its analysis after);
// the integration's evaluations by phase (Dormand–Prince before the switch,
// RKC after), and the field's cost per evaluation timed on its own, so that
// evaluations x cost is the field's share and the rest of the integration is
// step arithmetic and bookkeeping. The figure a ratio target needs is set
// beside the floor these make: start-up + evaluations x cost per evaluation.
// Prints figures; asserts nothing.
//   npx tsx bench/breakdown.ts [--seed k] [--repeats r] [--skip-100]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProblem, gradientField, run, solveIvp, solveOptionsFromSpec, type Spec } from '../src/index.js';
import { timed } from './cliRuns.js';
import { DEFAULT_SEED, generatedFamily, type RunSpec } from './families.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median over `repeats` calls of a wall time in seconds. */
function medianOf(repeats: number, wall: () => number): number {
  return median(Array.from({ length: repeats }, wall));
}

/** `node -e 0`: the floor no command goes under. */
function nodeItself(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return (performance.now() - t0) / 1000;
}

export interface Breakdown {
  name: string; wall: number; nodeBare: number; startup: number; run: number; integration: number; analysis: number;
  nfev: number; hvp: number; hvpCost: number; nfevDp: number; nfevRkc: number; tSwitch: number | null; evalCost: number; field: number; arithmetic: number;
}

export function breakdown(name: string, spec: RunSpec, repeats: number, tiny: string): Breakdown {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-breakdown-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const nodeBare = medianOf(repeats, nodeItself);
  // Start-up: the bin on a 2x2 spec whose run costs a few hundred microseconds.
  const startup = medianOf(repeats, () => timed(['run', tiny]).wall);
  const wall = medianOf(repeats, () => timed(['run', file]).wall);

  const problem = buildProblem(spec as Spec);
  const field = gradientField(problem);
  const runs: number[] = [], integrations: number[] = [];
  let nfev = 0, nfevDp = 0, tSwitch: number | null = null, hvp = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run(spec as Spec);
    runs.push((performance.now() - t0) / 1000);
    let calls = 0, callsAtSwitch = -1;
    const rhs = (t: number, y: Float64Array, out: Float64Array) => { calls++; field.rhs(t, y, out); };
    const t1 = performance.now();
    const sol = solveIvp(rhs, [0, problem.spec.solver.tMax], problem.y0, solveOptionsFromSpec(problem.spec.solver, {
      jvp: field.jvp,
      // The field's loss at its last evaluation, as the run's stop rule reads it.
      stop: () => field.lastLoss <= spec.solver.lossTol,
      onSwitch: (t: number) => { if (callsAtSwitch < 0) { callsAtSwitch = calls; tSwitch = t; } },
    }));
    integrations.push((performance.now() - t1) / 1000);
    nfev = sol.nfev;
    hvp = field.hessianProducts / (i + 1);
    nfevDp = callsAtSwitch < 0 ? sol.nfev : callsAtSwitch;
  }
  // The field alone: evaluations at the initial point, timed in a loop.
  const out = new Float64Array(problem.y0.length);
  let k = 0;
  const t2 = performance.now();
  while (performance.now() - t2 < 500) { field.rhs(0, problem.y0, out); k++; }
  const evalCost = (performance.now() - t2) / 1000 / k;
  // A Hessian-vector product (RKC's spectral radius by Lanczos), timed the same way.
  const v = Float64Array.from(problem.y0, (_, i) => Math.sin(i + 1));
  let kh = 0;
  const t3 = performance.now();
  while (performance.now() - t3 < 300) { field.jvp(0, problem.y0, v, out); kh++; }
  const hvpCost = (performance.now() - t3) / 1000 / kh;
  const integration = median(integrations);
  // nfev counts a Hessian-vector product as 2 evaluations: the field's share is its rhs calls and products at their own costs.
  const fieldTime = (nfev - 2 * hvp) * evalCost + hvp * hvpCost;
  return {
    name, wall, nodeBare, startup: startup - nodeBare, run: median(runs), integration, analysis: median(runs) - integration,
    nfev, hvp, hvpCost, nfevDp, nfevRkc: nfev - nfevDp, tSwitch, evalCost, field: fieldTime, arithmetic: integration - fieldTime,
  };
}

/** A 2x2 spec whose run costs a few hundred microseconds: the bin on it times start-up. */
export function writeTinySpec(): string {
  const tiny = join(mkdtempSync(join(tmpdir(), 'dmflow-tiny-')), 'tiny.json');
  writeFileSync(tiny, JSON.stringify({ target: [[1, 0], [0, 1]], observed: { kind: 'all' }, depth: 2, init: { kind: 'gaussian', std: 0.5, seed: 1 } }));
  return tiny;
}

export function printBreakdown(b: Breakdown): void {
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  console.log(`  ${b.name}`);
  console.log(`    the bin end to end ${ms(b.wall)}: node itself ${ms(b.nodeBare)}, dmflow's start-up ${ms(b.startup)} (a 2x2 run through the bin, less node), the run in process ${ms(b.run)}`);
  console.log(`    the run: integration ${ms(b.integration)}, analysis after it ${ms(b.analysis)}`);
  console.log(`    integration: ${b.nfev} evaluations (${b.nfevDp} Dormand–Prince${b.tSwitch !== null ? ` to t = ${(b.tSwitch as number).toPrecision(3)}, ${b.nfevRkc} RKC` : ', no switch'}; a Hessian-vector product counts 2)`);
  console.log(`    field: ${(b.evalCost * 1e6).toFixed(1)} us an evaluation x ${b.nfev - 2 * b.hvp}, ${(b.hvpCost * 1e6).toFixed(1)} us a Hessian-vector product x ${b.hvp.toFixed(0)}: ${ms(b.field)} (${((100 * b.field) / b.integration).toFixed(0)}% of the integration); step arithmetic and bookkeeping ${ms(b.arithmetic)}`);
  const floor = b.nodeBare + b.startup + b.field;
  console.log(`    floor with free step arithmetic and analysis: node + start-up + field = ${ms(floor)}; with start-up free too: ${ms(b.field)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string, def: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
  const seed = arg('--seed', DEFAULT_SEED), repeats = arg('--repeats', 3);
  const fam = generatedFamily(seed);
  const tiny = writeTinySpec();
  console.log(`Where a large run's time goes (generated family, --seed ${seed}; median of ${repeats})`);
  printBreakdown(breakdown('50x50 rank 3, depth 3 (auto, rtol 1e-6, lossTol 1e-9)', fam.run50, repeats, tiny));
  if (!process.argv.includes('--skip-100')) printBreakdown(breakdown('100x100 rank 5, depth 3 (auto, rtol 1e-6, lossTol 1e-9)', fam.run100, repeats, tiny));
}
