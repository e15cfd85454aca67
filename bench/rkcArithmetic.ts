// npx tsx bench/rkcArithmetic.ts [--seeds 29,30,31,32,33] [--repeats 3] [--before <bin.js>]
// Runge–Kutta–Chebyshev's vector arithmetic (src/ode/rkcArithmetic.ts) in
// WebAssembly SIMD against the TypeScript loops, on the generated 50x50
// family (bench/families.ts; DMFLOW_RKC_ARITHMETIC selects the kind):
//  1. one step's arithmetic (first stage, s - 1 stage combinations, error sum)
//     at the family's state length and mean stage count, in process, warm;
//  2. for scale, one evaluation of the field there (native BLAS where it
//     loads) and one vector copy, what fusing a stage combination into the
//     field's output write could save at most;
//  3. `dmflow run` end to end (fresh process each, js and wasm interleaved,
//     median of the repeats), methods rkc and auto: the process's CPU time
//     (user + system, all threads: less sensitive than wall time to other
//     load on a shared machine), wall time, garbage collection pauses
//     (--trace-gc), evaluations (which must agree); with
//     --before, also another build's bin (e.g. a checkout before this change).
// Prints figures, asserts nothing; the machine is shared, so timings are noisy.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProblem, gradientField } from '../src/index.js';
import { rkcArithmetic, RKC_WASM_FROM, type RkcArithmetic, type RkcArithmeticKind } from '../src/ode/rkcArithmetic.js';
import { generatedFamily } from './families.js';

const BIN = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));
const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const seeds = arg('--seeds', '29,30,31,32,33').split(',').map(Number);
const repeats = Number(arg('--repeats', '3'));
const before = arg('--before', '');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** Microseconds per call of fn, median of 7 batches sized to ~20 ms. */
function timeUs(fn: () => void): number {
  let reps = 1;
  for (;;) { const t = performance.now(); for (let r = 0; r < reps; r++) fn(); if (performance.now() - t > 20 || reps > 1e6) break; reps *= 2; }
  const out: number[] = [];
  for (let b = 0; b < 7; b++) { const t = performance.now(); for (let r = 0; r < reps; r++) fn(); out.push(((performance.now() - t) * 1000) / reps); }
  return median(out);
}

/** One RKC step's arithmetic with s stages on vectors of length n (coefficients of a plausible size). */
function stepArithmetic(ar: RkcArithmetic, n: number, s: number): () => void {
  const v = Array.from({ length: 9 }, () => { const x = ar.vector(); for (let i = 0; i < n; i++) x[i] = Math.sin(i + x.length); return x; });
  const [y, yNew, F0, F1, A, B, C, Fj, atol] = v;
  atol.fill(1e-9);
  return () => {
    ar.axpy(A, y, 0.01, F0);
    let p2 = y, p1 = A, out = B;
    for (let j = 2; j <= s; j++) {
      const o = j === s ? yNew : out;
      ar.stage(o, y, p1, p2, Fj, F0, -0.1, 1.9, -0.95, 0.02, -0.01);
      const free = p2 === y ? C : p2;
      p2 = p1; p1 = o; out = free;
    }
    ar.errorSum(y, yNew, F0, F1, atol, 1e-6, 0.004);
  };
}

type Kind = RkcArithmeticKind | 'before';

function runBin(spec: string, method: string, kind: Kind): { cpu: number; wall: number; gc: number; nfev: number } {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--trace-gc', '--require', CPU, kind === 'before' ? before : BIN, 'run', spec], {
    encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, DMFLOW_RKC_ARITHMETIC: kind === 'before' ? '' : kind },
  });
  const wall = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`dmflow run ${method}: exit ${r.status}: ${r.stderr}`);
  let gc = 0;
  for (const m of r.stdout.matchAll(/: (?:Scavenge|Mark-Compact|Mark-Sweep)[^,]*?MB, ([\d.]+) \//g)) gc += Number(m[1]);
  return { cpu: Number(/dmflow-cpu ([\d.]+)/.exec(r.stderr)?.[1]), wall, gc: gc / 1000, nfev: Number(/"nfev": (\d+)/.exec(r.stdout)?.[1]) };
}

// Where wasm starts to pay (RKC_WASM_FROM): a step's arithmetic (5 stages) and a stepper's wasm instance, by length.
const small: string[] = [];
for (const n of [2, 8, 32, 64, 128, 512]) {
  const js = timeUs(stepArithmetic(rkcArithmetic(n, 'js'), n, 5)), wasm = timeUs(stepArithmetic(rkcArithmetic(n, 'wasm'), n, 5));
  const inst = timeUs(() => { const a = rkcArithmetic(n, 'wasm'); for (let k = 0; k < 11; k++) a.vector(); });
  small.push(`n ${n}: js ${js.toFixed(2)} us, wasm ${wasm.toFixed(2)} us a step; a wasm instance with its vectors ${inst.toFixed(1)} us`);
}
console.log(`Small states (RKC_WASM_FROM = ${RKC_WASM_FROM}):\n  ${small.join('\n  ')}`);

const dir = mkdtempSync(join(tmpdir(), 'dmflow-rkc-'));
/** Preloaded into each run: prints the process's CPU seconds on exit. */
const CPU = join(dir, 'cpu.cjs');
writeFileSync(CPU, "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('dmflow-cpu ' + (u.user + u.system) / 1e6 + '\\n'); });\n");
console.log(`RKC arithmetic, wasm SIMD vs TypeScript loops: generated 50x50 family, seeds ${seeds.join(', ')}; ${repeats} repeats (median); shared machine, timings noisy`);
for (const seed of seeds) {
  const spec = generatedFamily(seed).run50;
  const p = buildProblem(spec);
  const n = p.y0.length;
  // Stages per step: from the rkc run (its nfev and steps), in the first repeat below.
  const rows: string[] = [];
  const kinds: Kind[] = before ? ['before', 'js', 'wasm'] : ['js', 'wasm'];
  const e2e: Record<string, Record<Kind, { cpu: number[]; wall: number[]; gc: number[]; nfev: number[] }>> = {};
  for (const method of ['rkc', 'auto']) {
    const file = join(dir, `s${seed}-${method}.json`);
    writeFileSync(file, JSON.stringify({ ...spec, solver: { ...spec.solver, method } }));
    const none = () => ({ cpu: [] as number[], wall: [] as number[], gc: [] as number[], nfev: [] as number[] });
    e2e[method] = { before: none(), js: none(), wasm: none() };
    for (let r = 0; r < repeats; r++) {
      for (const kind of r % 2 ? [...kinds].reverse() : kinds) {
        const x = runBin(file, method, kind);
        const e = e2e[method][kind];
        e.cpu.push(x.cpu); e.wall.push(x.wall); e.gc.push(x.gc); e.nfev.push(x.nfev);
      }
    }
  }
  const steps = Number(/"steps": (\d+)/.exec(spawnSync(process.execPath, [BIN, 'run', join(dir, `s${seed}-rkc.json`)], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout)?.[1]);
  const s = Math.max(2, Math.round(e2e.rkc.js.nfev[0] / steps));
  const per: Record<RkcArithmeticKind, number> = { js: 0, wasm: 0 };
  for (let r = 0; r < repeats; r++) for (const kind of ['js', 'wasm'] as const) per[kind] += timeUs(stepArithmetic(rkcArithmetic(n, kind), n, s)) / repeats;
  const field = gradientField(p);
  const dy = new Float64Array(n);
  const fieldUs = timeUs(() => field.rhs(0, p.y0, dy));
  const a = new Float64Array(n), b = new Float64Array(n);
  const copyUs = timeUs(() => a.set(b));
  rows.push(`seed ${seed}: n = ${n}, ~${s} stages a step (rkc: ${e2e.rkc.js.nfev[0]} evaluations, ${steps} steps)`);
  rows.push(`  one step's arithmetic: js ${per.js.toFixed(1)} us, wasm ${per.wasm.toFixed(1)} us (${(per.js / per.wasm).toFixed(2)}x)`);
  rows.push(`  one field evaluation (${field.kernel}) ${fieldUs.toFixed(1)} us; one vector copy ${copyUs.toFixed(2)} us (fusing a stage into the field's write saves at most about this, ${((100 * copyUs) / fieldUs).toFixed(1)}% of an evaluation)`);
  for (const method of ['rkc', 'auto']) {
    const m = e2e[method];
    const all = kinds.flatMap((k) => m[k].nfev);
    const same = all.every((x) => x === all[0]);
    const col = (k: Kind) => `${k} cpu ${median(m[k].cpu).toFixed(3)} s, wall ${median(m[k].wall).toFixed(3)} s, gc ${median(m[k].gc).toFixed(3)} s`;
    rows.push(`  dmflow run, ${method}: ${kinds.map(col).join('; ')}; evaluations ${same ? `${all[0]} in every run` : `DIFFER ${kinds.map((k) => `${k} ${m[k].nfev}`).join(' ')}`}`);
  }
  console.log(rows.join('\n'));
}
