// `npm run bench -- --vs-torch`: dmflow against the peer researchers actually
// use, full-batch gradient descent in PyTorch at small learning rates (issue
// 14). GD is explicit Euler on the gradient flow, so its end point is off the
// flow's limit by O(lr); the bench measures that distance and the time dmflow
// needs to be at least as close. Prints figures, asserts nothing.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildProblem, endToEnd, gradientField, runProblem, solveIvp, toRows, type RunResult } from '../src/index.js';
import { instanceOf, largeSpecs, ONE_THREAD_ENV, type Instance } from './workloads.js';

/** Debian's python3-torch installs for the system interpreter. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_gd.py', import.meta.url));

export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

function torchJob(job: object): string[] {
  const r = spawnSync(PYTHON, [SCRIPT], { env: { ...process.env, ...ONE_THREAD_ENV }, input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`bench/torch_gd.py failed: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}

export interface GdRun { lr: number; wall: number; steps: number; loss: number; converged: boolean; effectiveRank: number; matrix: number[][] }

/** Full-batch GD in PyTorch from the instance's layers, one run per learning rate. */
export function torchGd(instance: Instance, lrs: number[], maxSteps: number): GdRun[] {
  return torchJob({ instance, lrs, maxSteps }).map((l) => JSON.parse(l) as GdRun);
}

/** PyTorch's loss and gradient (layers in dmflow's order, row-major) at each instance's layers. */
export function torchGradients(instances: Instance[]): { loss: number; gradient: number[] }[] {
  return torchJob({ gradientAt: instances }).map((l) => JSON.parse(l));
}

/** ||A - B||_F / ||B||_F. */
export function relativeDistance(a: number[][], b: number[][]): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    for (let j = 0; j < b[i].length; j++) { num += (a[i][j] - b[i][j]) ** 2; den += b[i][j] ** 2; }
  }
  return Math.sqrt(num / den);
}

const LRS = [0.03, 0.01, 0.003];
/** Enough for lr 0.003 (about 77,000 steps to loss 1e-9) with room to spare. */
const MAX_STEPS = 400_000;
const TIGHT_RTOL = 1e-10;
/** Scanned from loose to tight; atol = rtol / 1000 as in the bench's specs. */
const SCAN_RTOLS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];

/** A GD end point this far (relative) from the flow's is another solution, not an approximation of it. */
const ANOTHER_SOLUTION = 0.1;

type Spec = (typeof largeSpecs)['50x50 rank 3'];

function dmflowRun(spec: Spec, rtol: number): { wall: number; r: RunResult } {
  const p = buildProblem({ ...spec, solver: { ...spec.solver, method: 'auto', rtol, atol: rtol * 1e-3 } });
  const start = performance.now();
  const r = runProblem(p);
  return { wall: (performance.now() - start) / 1000, r };
}

/** The torch / dmflow time ratio at lr 0.003's accuracy, or null when it could not be measured. */
export function benchVsTorch(): number | null {
  const name = '50x50 rank 3';
  const spec = largeSpecs[name];
  console.log(`\nvs PyTorch GD — ${name}: ${JSON.stringify(spec.observed)}, depth 3, std ${spec.init.std}, float64, to loss ${spec.solver.lossTol}`);
  if (!torchAvailable()) {
    console.log(`  torch: ${PYTHON} cannot import torch (Debian: apt-get install python3-torch), skipped`);
    return null;
  }
  const instance = instanceOf(buildProblem(spec));
  // The flow's end point at a tight tolerance is the reference every distance is taken from.
  const tight = dmflowRun(spec, TIGHT_RTOL);
  console.log(`  reference: dmflow auto, rtol ${TIGHT_RTOL.toExponential(0)}: ${tight.wall.toFixed(2)} s, nfev ${tight.r.nfev}, t ${tight.r.t.toPrecision(4)}, erank ${tight.r.effectiveRank.toFixed(3)} (${tight.r.status})`);
  const dflt = dmflowRun(spec, spec.solver.rtol);
  const dfltDist = relativeDistance(dflt.r.matrix, tight.r.matrix);
  console.log(`  dmflow auto, rtol ${spec.solver.rtol.toExponential(0)} (the bench's default settings): ${dflt.wall.toFixed(2)} s, nfev ${dflt.r.nfev} (${(dflt.wall / dflt.r.nfev * 1e6).toFixed(0)} us each), erank ${dflt.r.effectiveRank.toFixed(3)}, distance to reference ${dfltDist.toExponential(2)}`);

  const gd = torchGd(instance, LRS, MAX_STEPS);
  console.log(`  PyTorch GD (torch.optim.SGD, autograd, float64, 1 thread; loop time only):`);
  const gdDist = gd.map((g) => relativeDistance(g.matrix, tight.r.matrix));
  gd.forEach((g, i) => {
    console.log(`    lr ${String(g.lr).padEnd(5)}: ${g.wall.toFixed(2).padStart(6)} s, ${String(g.steps).padStart(6)} steps (${(g.wall / Math.max(g.steps, 1) * 1e6).toFixed(0)} us each), loss ${g.loss.toExponential(2)}${g.converged ? '' : ` (step cap ${MAX_STEPS} reached)`}, erank ${g.effectiveRank.toFixed(3)}, distance to reference ${gdDist[i].toExponential(2)}, distance / lr ${(gdDist[i] / g.lr).toPrecision(3)}`);
  });
  // GD is a first-order discretization of the flow: halving lr should halve its error.
  for (let i = 0; i + 1 < gd.length; i++) {
    const order = Math.log(gdDist[i] / gdDist[i + 1]) / Math.log(gd[i].lr / gd[i + 1].lr);
    console.log(`    observed order between lr ${gd[i].lr} and ${gd[i + 1].lr}: ${order.toFixed(2)} (first order: 1)`);
  }

  console.log(`  dmflow auto, rtol scan (atol = rtol / 1000):`);
  const scan = SCAN_RTOLS.map((rtol) => {
    const s = dmflowRun(spec, rtol);
    const dist = relativeDistance(s.r.matrix, tight.r.matrix);
    console.log(`    rtol ${rtol.toExponential(0)}: ${s.wall.toFixed(2).padStart(5)} s, nfev ${String(s.r.nfev).padStart(6)}, distance to reference ${dist.toExponential(2)} (${s.r.status})`);
    return { rtol, wall: s.wall, nfev: s.r.nfev, dist };
  });
  console.log(`  time dmflow needs for the accuracy GD reaches (loosest scanned rtol from which every tighter one is at least as close as GD):`);
  const chosen: number[] = [];
  let at0003: number | null = null;
  gd.forEach((g, i) => {
    if (gdDist[i] > ANOTHER_SOLUTION) {
      console.log(`    lr ${g.lr}: GD ends at another solution (distance ${gdDist[i].toExponential(2)}, erank ${g.effectiveRank.toFixed(2)} against ${tight.r.effectiveRank.toFixed(2)}): no accuracy to match`);
      return;
    }
    let k = scan.length;
    while (k > 0 && scan[k - 1].dist <= gdDist[i]) k--;
    if (k === scan.length) {
      console.log(`    lr ${g.lr}: no scanned rtol reaches distance ${gdDist[i].toExponential(2)}`);
      return;
    }
    const s = scan[k];
    chosen.push(s.rtol);
    const ratio = g.wall / s.wall;
    if (g.lr === 0.003) at0003 = ratio;
    const target = g.lr === 0.003 ? `  (target >= 20x: ${ratio >= 20 ? 'met' : 'MISSED'})` : '';
    console.log(`    lr ${g.lr}: GD distance ${gdDist[i].toExponential(2)} in ${g.wall.toFixed(2)} s; dmflow rtol ${s.rtol.toExponential(0)}: distance ${s.dist.toExponential(2)} in ${s.wall.toFixed(2)} s; torch / dmflow ${ratio.toFixed(1)}x, steps / evaluations ${(g.steps / s.nfev).toFixed(1)}x${target}`);
  });
  if (chosen.length) profile(spec, Math.max(...chosen), tight.r.matrix);
  return at0003;
}

/**
 * Where dmflow's evaluations go at a given rtol: "auto" runs Dormand–Prince
 * until its stiffness test fires; it tests on every accepted step. The same
 * integration with the test every 1000 steps (Hairer's NSTIFF, auto's interval
 * before issue 14) or every 10th (solveIvp's stiffCheckEvery, not a spec
 * option) shows what the check interval costs.
 */
function profile(spec: Spec, rtol: number, reference: number[][]): void {
  const p = buildProblem(spec);
  const options = { rtol, atol: rtol * 1e-3 };
  const dp = gradientField(p);
  const phase = solveIvp(dp.rhs, [0, p.spec.solver.tMax], p.y0, { ...options, method: 'dopri5', stop: () => dp.lastLoss <= spec.solver.lossTol });
  console.log(`  profile at rtol ${rtol.toExponential(0)}: Dormand–Prince alone (test every 1000 steps) until its first stiffness detection: ${phase.nfev} evaluations to t ${phase.t.toPrecision(3)}, loss ${dp.lastLoss.toExponential(1)} (${phase.status}); the rest of auto's evaluations are RKC's`);
  for (const every of [1000, 10]) {
    const f = gradientField(p);
    const start = performance.now();
    const r = solveIvp(f.rhs, [0, p.spec.solver.tMax], p.y0, { ...options, method: 'auto', stiffCheckEvery: every, stop: () => f.lastLoss <= spec.solver.lossTol });
    const wall = (performance.now() - start) / 1000;
    const dist = relativeDistance(toRows(endToEnd(p, r.y), p.m, p.n), reference);
    console.log(`    auto with the stiffness test every ${every} steps instead of every step: ${wall.toFixed(2)} s, nfev ${r.nfev}, distance to reference ${dist.toExponential(2)} (${r.status})`);
  }
}
