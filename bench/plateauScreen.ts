// A screen of the plateau statuses (saddle, slow-decay, integration-floor,
// stiff): each is a claim that the run would not reach lossTol soon if it went
// on. Every spec runs with its defaults; when it ends on a plateau status (or
// converged with a minimum label above lossTol, the same claim) it runs again uncut (solver.plateauStop false, tMax = 100x the stop time, the
// other budgets kept), and a stop is false when that run converges. Seeded
// and resumable: one JSON line per spec in --out, specs already there are
// skipped. Prints the counts per status, false stops, and the cost (nfev and
// wall time of the default runs).
//
//   npx tsx bench/plateauScreen.ts --pop fig1 --out fig1.jsonl [--trials 100]
//   npx tsx bench/plateauScreen.ts --pop random --count 2000 [--seed 1] --out random.jsonl
//   npx tsx bench/plateauScreen.ts --report fig1.jsonl [random.jsonl ...]
// --lib PATH runs the specs with another build's library (e.g. a base
// commit's dist/src/index.js); --uncut-lib PATH runs the uncut reruns with
// another one (a build where plateauStop false turns every rule off).

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expandCells, parseSweep } from '../src/experiments/sweep.js';
import { FIG1_MASKS, randomSpec } from '../test/helpers/randomSpecs.js';

const PLATEAU = ['saddle', 'slow-decay', 'integration-floor', 'stiff'] as const;
/** The uncut run has this many times the stop time to converge. */
const FACTOR = 100;

interface Lib {
  run: (spec: unknown) => {
    status: string; t: number; loss: number; lossTol: number; nfev: number; steps: number;
    warnings?: { rule: string; t: number }[]; minimum?: unknown;
  };
}

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };

interface Line {
  key: string;
  label: string;
  status: string;
  t: number;
  loss: number;
  lossTol: number;
  nfev: number;
  ms: number;
  warnings?: string[];
  minimum?: unknown;
  uncut?: { status: string; t: number; loss: number; nfev: number; ms: number; converged: boolean };
}

function report(files: string[]): void {
  for (const file of files) {
    const lines: Line[] = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const by: Record<string, number> = {};
    for (const l of lines) by[l.status] = (by[l.status] ?? 0) + 1;
    const nfev = lines.reduce((a, l) => a + l.nfev, 0);
    const ms = lines.reduce((a, l) => a + l.ms, 0);
    console.log(`${file}: ${lines.length} specs; nfev ${nfev} in all, default runs ${(ms / 1000).toFixed(1)} s`);
    console.log(`  statuses: ${Object.entries(by).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const minima = lines.filter((l) => l.minimum !== undefined);
    if (minima.length) {
      const kinds: Record<string, number> = {};
      for (const l of minima) { const k = typeof l.minimum === 'string' ? l.minimum : String((l.minimum as { kind?: string }).kind); kinds[k] = (kinds[k] ?? 0) + 1; }
      console.log(`  minimum labels: ${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    let falseStops = 0;
    const kindOf = (l: Line): string => (l.minimum !== undefined ? `minimum ${typeof l.minimum === 'string' ? l.minimum : (l.minimum as { kind: string }).kind}` : l.status);
    for (const s of [...PLATEAU, 'minimum rank-limited', 'minimum local']) {
      const given = lines.filter((l) => kindOf(l) === s && (l.uncut !== undefined || (PLATEAU as readonly string[]).includes(l.status)));
      if (given.length === 0) continue;
      const bad = given.filter((l) => l.uncut?.converged);
      const undecided = given.filter((l) => !l.uncut || (!l.uncut.converged && l.uncut.status !== 't-max'));
      falseStops += bad.length;
      console.log(`  ${s}: ${given.length} given, ${bad.length} false (the uncut run converges within ${FACTOR}x the stop time), ` +
        `${given.length - bad.length - undecided.length} true, ${undecided.length} undecided (the uncut run ended on ${[...new Set(undecided.map((l) => l.uncut?.status ?? 'nothing'))].join('/')})`);
      for (const l of bad.slice(0, 5)) console.log(`    false: ${l.key} ${l.label} stop t=${l.t.toExponential(2)} loss=${l.loss.toExponential(2)}; uncut converged at t=${l.uncut!.t.toExponential(2)}`);
    }
    console.log(`  false stops: ${falseStops}`);
    const warned: Record<string, { n: number; converged: number }> = {};
    for (const l of lines) for (const w of new Set(l.warnings ?? [])) {
      const c = (warned[w] ??= { n: 0, converged: 0 });
      c.n++;
      if (l.status === 'converged') c.converged++;
    }
    for (const [w, c] of Object.entries(warned)) console.log(`  warning ${w}: in ${c.n} runs, ${c.converged} of which converged`);
  }
}

async function main(): Promise<void> {
  if (opt('report') !== undefined) { report(args.slice(args.indexOf('--report') + 1)); return; }
  const out = opt('out');
  const pop = opt('pop');
  if (!out || (pop !== 'fig1' && pop !== 'random')) throw new Error('usage: --pop fig1|random --out FILE [--count N --seed S --trials T --lib PATH --uncut-lib PATH]');
  const load = async (p: string | undefined): Promise<Lib> => (await import(p ? pathToFileURL(resolve(p)).href : '../src/index.js')) as Lib;
  const lib = await load(opt('lib'));
  const uncutLib = await load(opt('uncut-lib') ?? opt('lib'));
  const done = new Set<string>(existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Line).key) : []);

  const specs: { key: string; label: string; spec: Record<string, unknown> }[] = [];
  if (pop === 'fig1') {
    const fig1 = JSON.parse(readFileSync(new URL('../examples/fig1-sweep.json', import.meta.url), 'utf8'));
    const trials = Number(opt('trials') ?? 100);
    FIG1_MASKS.forEach((mask, k) => {
      for (const c of expandCells(parseSweep({ ...fig1, base: { ...fig1.base, observed: mask }, trials }))) {
        specs.push({ key: `fig1 mask${k} ${c.key}`, label: `mask ${JSON.stringify(mask)} ${c.key}`, spec: c.spec });
      }
    });
  } else {
    const seed = Number(opt('seed') ?? 1), count = Number(opt('count') ?? 2000), from = Number(opt('from') ?? 0);
    for (let i = from; i < count; i++) { const r = randomSpec(seed, i); specs.push({ key: `random ${seed}:${i}`, label: r.label, spec: r.spec }); }
  }

  let n = 0;
  const todo = specs.filter((s) => !done.has(s.key));
  console.log(`${specs.length} specs, ${specs.length - todo.length} already in ${out}`);
  for (const s of todo) {
    const t0 = performance.now();
    const r = lib.run(s.spec);
    const line: Line = {
      key: s.key, label: s.label, status: r.status, t: r.t, loss: r.loss, lossTol: r.lossTol, nfev: r.nfev, ms: performance.now() - t0,
      ...(r.warnings?.length ? { warnings: r.warnings.map((w) => w.rule) } : {}), ...(r.minimum !== undefined ? { minimum: r.minimum } : {}),
    };
    // A minimum label above lossTol is the same claim: the run would not reach lossTol.
    if ((PLATEAU as readonly string[]).includes(r.status) || (r.minimum !== undefined && r.loss > r.lossTol)) {
      const solver = { ...(s.spec.solver as object | undefined), plateauStop: false, tMax: FACTOR * r.t };
      const t1 = performance.now();
      const u = uncutLib.run({ ...s.spec, solver });
      line.uncut = { status: u.status, t: u.t, loss: u.loss, nfev: u.nfev, ms: performance.now() - t1, converged: u.status === 'converged' && u.loss <= u.lossTol };
    }
    appendFileSync(out, JSON.stringify(line) + '\n');
    if (++n % 100 === 0) console.log(`${n}/${todo.length}`);
  }
  report([out]);
}

await main();
