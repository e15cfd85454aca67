// The ensemble path (cells of one shape integrated together in Dormand–Prince
// lanes, src/ode/ensemble.ts) must give every cell exactly the result of a run
// alone. The same sweeps run through the built command with the ensemble on
// (the default) and off (DMFLOW_ENSEMBLE=0) and must write the same bytes;
// in-process, runProblems must equal runProblem for each problem, and must
// have used the lanes (so the comparison is not vacuous), over depths 1-4,
// several sizes, seeds, and every way a cell ends: converged, t-max,
// max-steps, max-evals, diverged, saddle, the stiffness test handing a lane
// back at "auto"'s switch, and runs the lanes do not take (samples, rkc).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProblem, expandCells, parseSweep, runSweep } from '../src/index.js';
import { runProblems, type StreamStats } from '../src/experiments/ensembleRun.js';
import { runProblem } from '../src/experiments/run.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-ensemble-'));
const fig1 = {
  target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2,
  init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 },
};
const stuck = { target: [[3, 0], [0, 1]], observed: { kind: 'all' }, depth: 2, init: { kind: 'layers', layers: [[[0.5, 0], [0, 0]], [[0.5, 0], [0, 0]]] } };

/** Sweeps, and the statuses each must show (so that every way of ending is covered). */
const sweeps: { name: string; sweep: object; statuses: string[]; inLanes: boolean }[] = [
  { name: 'depths 1-4, two scales, seeds', sweep: { base: fig1, grid: { depth: [1, 2, 3, 4], 'init.productScale': [0.1, 0.001] }, trials: 5 }, statuses: ['converged'], inLanes: true },
  {
    name: 'sizes 2x3, 3x3, 4x4 in one stream (the lanes change shape)',
    sweep: {
      base: { ...fig1, observed: { kind: 'random', count: 4, seed: 2 }, solver: { rtol: 1e-7, atol: 1e-10 } },
      grid: { target: [{ kind: 'low-rank', size: [3, 3], rank: 1, seed: 1 }, { kind: 'low-rank', size: [2, 3], rank: 1, seed: 1 }, { kind: 'low-rank', size: [4, 4], rank: 2, seed: 1 }], depth: [2, 3] },
      trials: 4,
    },
    statuses: ['converged'], inLanes: true,
  },
  {
    name: 'budgets: t-max, max-steps, max-evals',
    sweep: { base: fig1, grid: { 'solver.tMax': [0.5, 1e6], 'solver.maxSteps': [15, 1000000], 'solver.maxEvals': [60, 10000000] }, trials: 3 },
    statuses: ['converged', 'max-evals', 'max-steps', 't-max'], inLanes: true,
  },
  { name: 'diverged', sweep: { base: { ...fig1, init: { kind: 'gaussian', std: 0.5, seed: 0 } }, grid: { 'solver.divergeAt': [0.9, 1e8] }, trials: 6 }, statuses: ['converged', 'diverged'], inLanes: true },
  { name: 'saddle', sweep: { base: stuck, grid: { 'solver.rtol': [1e-6, 1e-8], 'solver.method': ['auto', 'dopri5'] } }, statuses: ['saddle'], inLanes: true },
  {
    name: 'stiffness test fires: auto switches to RKC, dopri5 asks its stiffness rule',
    sweep: {
      base: { ...fig1, target: { kind: 'low-rank', size: [3, 3], rank: 2, seed: 4 }, observed: { kind: 'random', count: 6, seed: 5 }, solver: { rtol: 1e-4, atol: 1e-7, lossTol: 0, tMax: 1e4 } },
      grid: { 'solver.method': ['auto', 'dopri5'] }, trials: 2,
    },
    statuses: ['t-max'], inLanes: false,
  },
  {
    name: 'runs the lanes do not take: samples, rkc, save times',
    sweep: { base: { ...fig1, save: { samples: 5 } }, grid: { 'solver.method': ['auto', 'rkc'], 'save.times': [[], [1, 2]] }, trials: 2 },
    statuses: ['converged'], inLanes: false,
  },
];

describe('ensemble lanes: each cell bit-identical to its run alone', () => {
  for (const { name, sweep, statuses, inLanes } of sweeps) {
    it(`${name}: dmflow sweep with and without the ensemble writes the same lines`, () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, JSON.stringify(sweep));
      const on = join(dir, `${name.replace(/\W+/g, '-')}.on.jsonl`), off = join(dir, `${name.replace(/\W+/g, '-')}.off.jsonl`);
      const a = cli(['sweep', file, '--out', on, '--workers', '1']);
      const b = cli(['sweep', file, '--out', off, '--workers', '1'], { env: { ...process.env, DMFLOW_ENSEMBLE: '0' } });
      // The lanes' arithmetic in TypeScript (where WebAssembly is absent) gives the same bytes too.
      const js = join(dir, `${name.replace(/\W+/g, '-')}.js.jsonl`);
      const c = cli(['sweep', file, '--out', js, '--workers', '1'], { env: { ...process.env, DMFLOW_ENSEMBLE: 'js' } });
      expect(a.status, a.stderr).toBe(0);
      expect(b.status, b.stderr).toBe(0);
      expect(c.status, c.stderr).toBe(0);
      const linesOn = readFileSync(on, 'utf8').split('\n'), linesOff = readFileSync(off, 'utf8').split('\n'), linesJs = readFileSync(js, 'utf8').split('\n');
      expect(linesOn.length).toBe(expandCells(parseSweep(sweep)).length + 2); // header, cells, final newline
      for (let i = 0; i < linesOff.length; i++) {
        expect(linesOn[i], `line ${i}`).toBe(linesOff[i]);
        expect(linesJs[i], `line ${i}`).toBe(linesOff[i]);
      }
      const seen = new Set(linesOn.slice(1, -1).map((l) => JSON.parse(l).result.status));
      expect([...seen].sort()).toEqual(statuses);
    }, 60_000);

    it(`${name}: runProblems equals runProblem cell by cell${inLanes ? ', through the lanes' : ''}`, () => {
      const problems = expandCells(parseSweep(sweep)).map((c) => buildProblem(c.spec));
      const stats: StreamStats = { inLanes: 0, handedBack: {}, alone: 0 };
      const together = runProblems(problems, {}, 8, stats);
      problems.forEach((p, i) => expect(together[i], `cell ${i}`).toEqual(runProblem(p)));
      expect(stats.inLanes + stats.alone + Object.values(stats.handedBack).reduce((s, k) => s + k, 0)).toBe(problems.length);
      if (inLanes) expect(stats.inLanes).toBeGreaterThan(0);
      else expect(stats.inLanes).toBe(0);
    }, 60_000);
  }

  it('the stiffness test hands lanes back, and lanes refill (more runs than lanes)', () => {
    const problems = expandCells(parseSweep(sweeps[5].sweep)).map((c) => buildProblem(c.spec));
    const stats: StreamStats = { inLanes: 0, handedBack: {}, alone: 0 };
    runProblems(problems, {}, 2, stats);
    expect(stats.handedBack['stiffness test fired']).toBeGreaterThan(0);
    const many = expandCells(parseSweep(sweeps[0].sweep)).map((c) => buildProblem(c.spec));
    const s2: StreamStats = { inLanes: 0, handedBack: {}, alone: 0 };
    const r = runProblems(many, {}, 3, s2);
    expect(s2.inLanes).toBeGreaterThan(30);
    many.forEach((p, i) => expect(r[i]).toEqual(runProblem(p)));
  }, 60_000);
});

describe('ensemble lanes on worker threads', () => {
  it('a sweep shared with a worker writes the same lines (in another order) as one thread without lanes', async () => {
    const sweep = parseSweep({ base: fig1, grid: { depth: [2, 3], 'init.productScale': [0.1, 0.001] }, trials: 1000 });
    const shared = join(dir, 'shared.jsonl'), alone = join(dir, 'alone.jsonl');
    // The built worker (ready in about 0.1 s; under tsx the source one takes longer than these cells).
    const s = await runSweep(sweep, { out: shared, workers: 2, workersAfterSeconds: 0, workerScript: new URL('../dist/src/experiments/sweepWorker.js', import.meta.url) });
    expect(s.onWorkers).toBeGreaterThan(0);
    const b = cli(['sweep', '-', '--out', alone, '--workers', '1'], { input: JSON.stringify(sweep), env: { ...process.env, DMFLOW_ENSEMBLE: '0' } });
    expect(b.status, b.stderr).toBe(0);
    const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n');
    expect(lines(shared).slice(1).sort()).toEqual(lines(alone).slice(1).sort());
    expect(lines(shared).length).toBe(4001);
  }, 120_000);
});
