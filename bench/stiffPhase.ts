// The stiff phase of the large runs (issue 14 point 2), side by side: dopri5;
// "auto" as it was (stiffness test every 1000 steps, Hairer's NSTIFF; RKC's
// spectral radius by power iteration on finite differences); auto testing on
// every step (the default since); and that with RKC's spectral radius from
// Lanczos on exact Hessian-vector products (options.jvp). Each integrates the
// gradient flow until the loss reaches the spec's lossTol, as a run does.
// Cost columns: nfev as the integrator counts it (a Hessian-vector product as
// 2 evaluations, plus one per point linearized at), and the field's own
// counters (rhs calls, Hessian-vector products, linearizations). Distance: of
// the end-to-end matrix from an rtol 1e-10 reference (auto, same stop).
// Wall times on a shared machine are noisy: each auto variant runs `repeats`
// times, the median is printed (dopri5 once).

import { buildProblem, effectiveRank, endToEnd, gradientField, singularValues, solveIvp, toRows, type Problem, type SolveIvpOptions } from '../src/index.js';
import { relativeDistance } from './vsTorch.js';
import { largeSpecs } from './workloads.js';

interface Variant { name: string; options: SolveIvpOptions; exact: boolean }

const VARIANTS: Variant[] = [
  { name: 'dopri5', options: { method: 'dopri5', onStiff: () => false }, exact: false },
  { name: 'auto, test every 1000 (old)', options: { method: 'auto', stiffCheckEvery: 1000 }, exact: false },
  { name: 'auto (default: power iteration)', options: { method: 'auto' }, exact: false },
  { name: 'auto, Lanczos on exact Hv', options: { method: 'auto' }, exact: true },
];

function integrate(p: Problem, options: SolveIvpOptions, exact: boolean) {
  const s = p.spec.solver;
  const lossTol = s.lossTol ?? 0;
  const f = gradientField(p);
  const start = performance.now();
  const r = solveIvp(f.rhs, [0, s.tMax], p.y0, {
    rtol: s.rtol, atol: s.atol, ...options, ...(exact ? { jvp: f.jvp } : {}), stop: () => f.lastLoss <= lossTol,
  });
  const wall = (performance.now() - start) / 1000;
  return { r, wall, field: f };
}

export function benchStiffPhase(skip100 = false, repeats = 3): void {
  console.log('\nStiff phase of the large runs (rtol 1e-6, to loss 1e-9; auto: median wall of ' + repeats + ' runs; shared machine: timings are noisy)');
  for (const [name, spec] of Object.entries(largeSpecs)) {
    if (skip100 && name.startsWith('100')) continue;
    const p = buildProblem(spec);
    const ref = integrate(buildProblem({ ...spec, solver: { ...spec.solver, rtol: 1e-10, atol: 1e-13 } }), { method: 'auto' }, false);
    const refW = toRows(endToEnd(p, ref.r.y), p.m, p.n);
    const refRank = effectiveRank(singularValues(endToEnd(p, ref.r.y), p.m, p.n));
    console.log(`  ${name} (${p.y0.length} parameters, field kernel ${ref.field.kernel}, Hessian-vector products ${ref.field.hessianKernel}); reference effective rank ${refRank.toPrecision(6)}`);
    console.log(`    ${'method'.padEnd(31)} ${'wall s'.padStart(7)} ${'nfev'.padStart(6)} ${'f calls'.padStart(8)} ${'Hv'.padStart(5)} ${'lin.'.padStart(5)} ${'steps'.padStart(6)} ${'erank'.padStart(9)} ${'dist. to ref'.padStart(12)}`);
    for (const v of VARIANTS) {
      // dopri5 takes ten times as long: once is enough to see it.
      const runs = Array.from({ length: v.name === 'dopri5' ? 1 : repeats }, () => integrate(p, v.options, v.exact));
      const walls = runs.map((x) => x.wall).sort((a, b) => a - b);
      const { r, field } = runs[0];
      const W = endToEnd(p, r.y);
      const dist = relativeDistance(toRows(W, p.m, p.n), refW);
      const erank = effectiveRank(singularValues(W, p.m, p.n));
      console.log(`    ${v.name.padEnd(31)} ${walls[Math.floor(walls.length / 2)].toFixed(2).padStart(7)} ${String(r.nfev).padStart(6)} ${String(field.evaluations).padStart(8)} ${String(field.hessianProducts).padStart(5)} ${String(field.hessianLinearizations).padStart(5)} ${String(r.naccept + r.nreject).padStart(6)} ${erank.toPrecision(6).padStart(9)} ${dist.toExponential(2).padStart(12)}${r.status === 'stopped' ? '' : `  (${r.status})`}`);
    }
  }
}

// Alone: npx tsx bench/stiffPhase.ts [--skip-100]; npm run bench prints it after the large runs.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) benchStiffPhase(process.argv.includes('--skip-100'));
