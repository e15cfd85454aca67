import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProblem, canonical, expandCells, parseSweep, runSweep, summarize, summaryCsv, readResults, singularValues, sweepHash, type Spec } from '../src/index.js';
import { BIN, cli } from './helpers/cli.js';
import { expectedSweepLine, lastLine } from './helpers/sweepLine.js';
import { randomSpec } from './helpers/randomSpecs.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-sweep-'));
const base = {
  target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2,
  init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 },
};

describe('sweep cells', () => {
  it('expands grid x trials, substitutes dotted paths and shifts every seed by the trial', () => {
    const cells = expandCells(parseSweep({ base: { ...base, target: { kind: 'low-rank', size: [2, 2], rank: 1, seed: 10 } }, grid: { depth: [2, 3], 'init.productScale': [0.1, 0.01] }, trials: 3 }));
    expect(cells).toHaveLength(12);
    const c = cells[5]; // depth 2, productScale 0.01, trial 2
    expect(c.cell).toEqual({ depth: 2, 'init.productScale': 0.01, trial: 2 });
    expect(c.spec.depth).toBe(2);
    expect((c.spec.init as { productScale: number; seed: number })).toEqual({ kind: 'gaussian', productScale: 0.01, seed: 2 });
    expect((c.spec.target as { seed: number }).seed).toBe(12);
    expect(new Set(cells.map((x) => x.key)).size).toBe(12);
  });

  it('grid values may be whole objects (observation patterns)', () => {
    const cells = expandCells(parseSweep({ base, grid: { observed: [[[1, 0], [0, 1]], [[1, 1], [1, 0]]] } }));
    expect(cells.map((c) => c.spec.observed)).toEqual([[[1, 0], [0, 1]], [[1, 1], [1, 0]]]);
  });

  it('refuses unknown sweep keys and bad grid paths in one line', () => {
    expect(() => parseSweep({ base, grid: {}, trails: 3 })).toThrow(/^sweep: unknown key "trails"/);
    expect(() => expandCells(parseSweep({ base, grid: { 'target.size': [1] } }))).toThrow(/expected "target" to be an object/);
  });
});

describe('trialSeeds', () => {
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

  it('"init": every trial builds the same target and mask and its own init; "all" (the default) draws seeded targets and masks anew (a population of specs)', () => {
    let gaussian = 0, seededTarget = 0, seededMask = 0;
    for (let i = 0; i < 60; i++) {
      const { spec, initKind } = randomSpec(27, i);
      const trials = 2 + (i % 4);
      if (initKind !== 'gaussian') {
        // No seed to vary: "init" trials would all be the same run.
        expect(() => expandCells(parseSweep({ base: spec, trials, trialSeeds: 'init' }))).toThrow(/^sweep\.trialSeeds: expected an init with a seed \(kind "gaussian"\) for "init" trials, got kind "/);
        continue;
      }
      gaussian++;
      const init = (p: ReturnType<typeof buildProblem>) => p.spec.init as { seed: number };
      const kept = expandCells(parseSweep({ base: spec, trials, trialSeeds: 'init' })).map((c) => buildProblem(c.spec));
      const fresh = expandCells(parseSweep({ base: spec, trials })).map((c) => buildProblem(c.spec));
      const t = spec.target as { seed?: number }, o = spec.observed as { kind?: string };
      if (t.seed !== undefined) seededTarget++;
      if (o.kind === 'random') seededMask++;
      for (let k = 1; k < trials; k++) {
        expect(same(kept[k].target, kept[0].target), `spec ${i} trial ${k}: target`).toBe(true);
        expect(same(kept[k].mask, kept[0].mask), `spec ${i} trial ${k}: mask`).toBe(true);
        expect(init(kept[k]).seed).toBe(init(kept[0]).seed + k);
        expect(same(kept[k].y0, kept[0].y0)).toBe(false);
        // Both modes give trial k the same init; "all" also moves every other seed.
        expect(same(kept[k].y0, fresh[k].y0)).toBe(true);
        expect(same(fresh[k].target, fresh[0].target)).toBe(t.seed === undefined);
        // A random mask of every entry is the same whatever its seed.
        const full = o.kind === 'random' && (spec.observed as { count: number }).count === kept[0].m * kept[0].n;
        expect(same(fresh[k].mask, fresh[0].mask)).toBe(o.kind !== 'random' || full);
      }
    }
    // The population covers both kinds of seeded problem data.
    expect(gaussian).toBeGreaterThan(5);
    expect(seededTarget).toBeGreaterThan(0);
    expect(seededMask).toBeGreaterThan(0);
  });

  it('an init without a seed gets seed k in trial k; a non-integer seed is left to the spec check', () => {
    const cells = expandCells(parseSweep({ base: { ...base, init: { kind: 'gaussian', std: 0.1 } }, trials: 3, trialSeeds: 'init' }));
    expect(cells.map((c) => (c.spec.init as { seed: number }).seed)).toEqual([0, 1, 2]);
    const one = expandCells(parseSweep({ base: { ...base, init: { kind: 'identity-plus-ones', a: 0.1 } }, trials: 1, trialSeeds: 'init' }));
    expect(one).toHaveLength(1);
  });

  it('"all" written out is the default: the same sweep and results-file hash; "init" is another sweep', () => {
    const plain = parseSweep({ base, trials: 2 });
    expect(sweepHash(parseSweep({ base, trials: 2, trialSeeds: 'all' }))).toBe(sweepHash(plain));
    expect(sweepHash(parseSweep({ base, trials: 2, trialSeeds: 'init' }))).not.toBe(sweepHash(plain));
    expect(() => parseSweep({ base, trialSeeds: 'problem' })).toThrow(/^sweep\.trialSeeds: invalid option: expected one of "all"\|"init"/);
  });

  it('the issue\'s 30x30 example: with "init", trials keep the target (top singular value), with "all" they do not', () => {
    const sweep = (trialSeeds?: 'init') => expandCells(parseSweep({
      base: { target: { kind: 'low-rank', size: [30, 30], rank: 2, seed: 1 }, observed: { kind: 'random', count: 360, seed: 2 }, depth: 3, init: { kind: 'gaussian', productScale: 1e-3, seed: 3 } } satisfies Spec,
      trials: 2, ...(trialSeeds ? { trialSeeds } : {}),
    }));
    const top = (cells: ReturnType<typeof sweep>) => cells.map((c) => { const p = buildProblem(c.spec); return singularValues(p.target, p.m, p.n)[0]; });
    const [a0, a1] = top(sweep()), [i0, i1] = top(sweep('init'));
    expect(a0).not.toBe(a1);
    expect(i0).toBe(i1);
  });
});

describe('dmflow sweep: shards, resume, summaries', () => {
  const sweepFile = join(dir, 'fig1.json');
  writeFileSync(sweepFile, JSON.stringify({ base, grid: { depth: [2, 4], 'init.productScale': [0.1, 0.001] }, trials: 30 }));
  
  it('shards split the cells disjointly and their files concatenate to the whole sweep', async () => {
    const sweep = parseSweep(JSON.parse(readFileSync(sweepFile, 'utf8')));
    const outs = [0, 1, 2].map((i) => join(dir, `shard${i}.jsonl`));
    for (let i = 0; i < 3; i++) await runSweep(sweep, { out: outs[i], workers: 1, shard: { index: i, count: 3 } });
    const keys = outs.flatMap((o) => readResults(o).map((l) => canonical(l.cell)));
    expect(keys).toHaveLength(120);
    expect(new Set(keys).size).toBe(120);
    // The same seeds give the same numbers however the work is split.
    const whole = join(dir, 'whole.jsonl');
    await runSweep(sweep, { out: whole, workers: 1 });
    const byKey = new Map(readResults(whole).map((l) => [canonical(l.cell), JSON.stringify(l.result)]));
    for (const o of outs) for (const l of readResults(o)) expect(JSON.stringify(l.result)).toBe(byKey.get(canonical(l.cell)));
  });

  it('a sweep killed mid-run and restarted ends with exactly one line per cell', async () => {
    const slow = join(dir, 'slow.json');
    writeFileSync(slow, JSON.stringify({ base: { ...base, solver: { rtol: 1e-12, atol: 1e-14, lossTol: 1e-20 } }, grid: { depth: [3, 4, 5], 'init.productScale': [1e-2, 1e-3] }, trials: 20 }));
    const out = join(dir, 'killed.jsonl');
    const child = spawn(process.execPath, [BIN, 'sweep', slow, '--out', out, '--workers', '2'], { stdio: 'ignore' });
    // Kill it once some, but not all, cells are written.
    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l.length > 0).length : 0);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => { if (lines() >= 5) { clearInterval(poll); resolve(); } }, 5);
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const before = lines() - 1; // the header line
    expect(before).toBeLessThan(120);
    // As if killed while writing a line.
    appendFileSync(out, '{"cell": {"depth": 3, "init.prod');
    const r = cli(['sweep', slow, '--out', out, '--workers', '2']);
    expect(r.status).toBe(0);
    const rows = readResults(out);
    expect(rows).toHaveLength(120);
    expect(new Set(rows.map((l) => canonical(l.cell))).size).toBe(120);
    expect(readFileSync(out, 'utf8').endsWith('\n')).toBe(true);
    expect(lastLine(r.stderr)).toBe(expectedSweepLine(out, 120 - before, before));
  });

  it('summarize prints the exact columns, and Fig. 1\'s depth effect shows on the disconnected pattern', () => {
    const out = join(dir, 'fig1.jsonl');
    expect(cli(['sweep', sweepFile, '--out', out]).status).toBe(0);
    const r = cli(['summarize', out, '--by', 'depth,init.productScale']);
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header).toBe('depth,init.productScale,n,failed,nonfinite,effectiveRank_mean,effectiveRank_std,loss_mean,loss_std,t_mean,t_std,nfev_mean,nfev_std,reconstructionError_mean,reconstructionError_std');
    const erank = new Map(rows.map((l) => { const f = l.split(','); return [`${f[0]}/${f[1]}`, Number(f[5])]; }));
    expect(erank.get('2/0.1')).toBeGreaterThan(1.15);
    expect(erank.get('2/0.001')).toBeGreaterThan(1.15);
    expect(erank.get('4/0.001')).toBeLessThan(1.05);
    expect(rows.every((l) => l.split(',').slice(2, 5).join(',') === '30,0,0')).toBe(true);
    // Without --by: every grid key of the sweep, the same table.
    expect(cli(['summarize', out]).stdout).toBe(r.stdout);
    // Library and CLI agree.
    const by = ['depth', 'init.productScale'];
    expect(summaryCsv(summarize(readResults(out), by), by)).toBe(r.stdout);
    const bad = cli(['summarize', out, '--by', 'width']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^dmflow: --by: expected grid keys of the sweep/);
  });
});

describe('dmflow sweep: exit code and closing line', () => {
  it('exits 0 when every cell ran, whatever their statuses, and ends with one line counting them (also on resume and per shard)', async () => {
    // maxSteps 3 stops the first cells of each trial early; the others converge.
    const file = join(dir, 'statuses.json');
    writeFileSync(file, JSON.stringify({ base, grid: { 'solver.maxSteps': [3, 100000] }, trials: 3 }));
    const out = join(dir, 'statuses.jsonl');
    const r = cli(['sweep', file, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const statuses = readResults(out).map((l) => l.result.status);
    expect(statuses).toEqual(['max-steps', 'max-steps', 'max-steps', 'converged', 'converged', 'converged']);
    // Nothing else on stderr in a pipe: the closing line only.
    expect(r.stderr).toBe(`dmflow sweep: 6 cells: 3 converged, 3 max-steps; 6 run now, 0 already in ${out}\n`);
    expect(r.stderr).toBe(`${expectedSweepLine(out, 6, 0)}\n`);
    // Resumed: every cell reused, still counted by status.
    const again = cli(['sweep', file, '--out', out]);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe(`dmflow sweep: 6 cells: 3 converged, 3 max-steps; 0 run now, 6 already in ${out}\n`);
    // A shard counts its own cells (0, 2, 4: max-steps, max-steps, converged).
    const shardOut = join(dir, 'statuses-shard.jsonl');
    const sh = cli(['sweep', file, '--out', shardOut, '--shard', '0/2']);
    expect(sh.status).toBe(0);
    expect(sh.stderr).toBe(`dmflow sweep: 3 cells of shard 0/2: 1 converged, 2 max-steps; 3 run now, 0 already in ${shardOut}\n`);
    // The library reports the same counts.
    const lib = await runSweep(parseSweep(JSON.parse(readFileSync(file, 'utf8'))), { out: join(dir, 'statuses-lib.jsonl'), workers: 1 });
    expect(lib.statuses).toEqual({ 'max-steps': 3, converged: 3 });
    // A sweep that cannot run its cells exits 2 with one line, and writes nothing.
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ base, grid: { depth: [2, 0] } }));
    const refused = cli(['sweep', bad, '--out', join(dir, 'bad.jsonl')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^dmflow: sweep cell \{"depth":0,"trial":0\}, spec\.depth: [^\n]*expected[^\n]*\n$/);
    expect(existsSync(join(dir, 'bad.jsonl'))).toBe(false);
  });
});

describe('sweep threads', () => {
  it('cells computed on worker threads are bit-identical to this thread\'s', async () => {
    // Large enough that this thread is still busy when the worker is up (about a second).
    const sweep = parseSweep({
      base: { target: { kind: 'low-rank', size: [5, 5], rank: 1, seed: 0 }, observed: { kind: 'random', count: 12, seed: 0 }, depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 0 }, solver: { method: 'auto', rtol: 1e-10, atol: 1e-13, lossTol: 1e-16 } },
      grid: { depth: [3, 4] }, trials: 30,
    });
    const here = join(dir, 'here.jsonl'), shared = join(dir, 'shared.jsonl');
    await runSweep(sweep, { out: here, workers: 1 });
    const s = await runSweep(sweep, { out: shared, workers: 2, workersAfterSeconds: 0, workerScript: new URL('../src/experiments/sweepWorker.mjs', import.meta.url) });
    expect(s.ran).toBe(60);
    console.log(`sweep threads: ${s.onWorkers} of 60 cells on the worker`);
    expect(s.onWorkers).toBeGreaterThan(0);
    const byKey = new Map(readResults(here).map((l) => [canonical(l.cell), JSON.stringify(l.result)]));
    const rows = readResults(shared);
    expect(rows).toHaveLength(60);
    for (const l of rows) expect(JSON.stringify(l.result)).toBe(byKey.get(canonical(l.cell)));
  }, 60_000);
});
