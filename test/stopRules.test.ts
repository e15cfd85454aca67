// Stop rules (issue 20): tolerances that agree with rtol and the problem's
// scale, integration floors found fast and named, saddles the flow escapes
// left alone, a wall-clock budget, and progress that never prints NaN.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtaEstimator, formatDuration, runFraction } from '../src/cli/progress.js';
import { DEFAULT_LOSS_REL_TOL, lossTolerance, run, runFactor, suggestedTolerances, type FactorSpec, type Spec } from '../src/index.js';
import { PlateauWatch } from '../src/experiments/stopRules.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-stop-'));
const write = (name: string, value: unknown) => { const p = join(dir, name); writeFileSync(p, JSON.stringify(value)); return p; };
const json = (r: { status: number | null; stdout: string; stderr: string }) => {
  expect(r.stderr).not.toMatch(/NaN|Infinity|Error/);
  const out = JSON.parse(r.stdout);
  // docs/exit-codes.md: 0 when converged (or at the wall clock), 1 on a failure or plateau status; t-max depends on the spec (test/runExits.test.ts).
  if (out.status !== 't-max') expect(r.status).toBe(out.status === 'converged' || out.status === 'time-limit' ? 0 : 1);
  else expect([0, 1]).toContain(r.status);
  return JSON.parse(r.stdout);
};

// The problem at 40x40 (100x100 there): same depth, init and
// sampling ratio, and the same floor of Dormand–Prince at rtol 1e-8 (about
// 2e-14 here, 8e-13 there), so lossTol 1e-15 lies below it.
const floorSpec = (solver: Spec['solver']): Spec => ({
  target: { kind: 'low-rank', size: [40, 40], rank: 3, seed: 1 }, observed: { kind: 'random', count: 300, seed: 2 },
  depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 1 }, solver,
});

describe('tolerances that agree', () => {
  it('lossTol keeps its meaning, lossRelTol scales with the target energy, the default never asks below what rtol resolves', () => {
    const s = { rtol: 1e-8 };
    expect(lossTolerance({ ...s, lossTol: 1e-14 }, 500, 4000)).toEqual({ abs: 1e-14, scale: 500, source: 'lossTol' });
    expect(lossTolerance({ ...s, lossRelTol: 1e-10 }, 500, 4000).abs).toBeCloseTo(5e-8, 20);
    expect(lossTolerance(s, 500, 4000)).toEqual({ abs: 500 * DEFAULT_LOSS_REL_TOL, scale: 500, source: 'default' });
    // Loose rtol: (10 rtol)^2 of the scale, not 1e-12.
    expect(lossTolerance({ rtol: 1e-4 }, 2, 3).abs).toBeCloseTo(2e-6, 18);
    // No observed target energy: the initial loss is the scale.
    expect(lossTolerance(s, 0, 3).scale).toBe(3);
    // Both given: whichever the loss reaches first.
    expect(lossTolerance({ ...s, lossTol: 1e-20, lossRelTol: 1e-12 }, 2, 3)).toEqual({ abs: 2e-12, scale: 2, source: 'lossRelTol' });
  });

  it('the factored models (udv) follow the same rule', () => {
    // All four entries observed: target energy 1/2 (1 + 4 + 9 + 16) = 15.
    const spec = (solver: FactorSpec['solver']): FactorSpec => ({
      model: { kind: 'udv', rank: 2, ball: 'frobenius', radius: 10 }, target: [[1, 2], [3, 4]], observed: { kind: 'all' },
      init: { kind: 'gaussian', std: 0.1, seed: 1 }, solver,
    });
    const d = runFactor(spec({}));
    expect(d.lossTolSource).toBe('default');
    expect(d.lossTol).toBeCloseTo(15 * DEFAULT_LOSS_REL_TOL, 25);
    expect(d.status).toBe('converged');
    expect(d.loss).toBeLessThanOrEqual(d.lossTol);
    expect(d.lossRel).toBeCloseTo(d.loss / 15, 25);
    expect(d.message).toMatch(/default: 1\.00e-12 of the target energy 1\.50e\+1/);
    const rel = runFactor(spec({ lossRelTol: 1e-6 }));
    expect(rel.lossTolSource).toBe('lossRelTol');
    expect(rel.lossTol).toBeCloseTo(15e-6, 18);
    expect(rel.loss).toBeLessThanOrEqual(15e-6);
    expect(rel.loss).toBeGreaterThan(d.loss);
    expect(runFactor(spec({ lossTol: 1e-3 })).lossTol).toBe(1e-3);
  });

  it('suggested tolerances shrink rtol and atol by lossTol / (2 floor), rounded down', () => {
    expect(suggestedTolerances(1e-8, 1e-10, 8.2e-13, 1e-14)).toEqual({ rtol: 6e-11, atol: 6e-13 });
    expect(suggestedTolerances(1e-6, 1e-9, 1e-10, 1e-10)).toEqual({ rtol: 5e-7, atol: 5e-10 });
  });

  it('a run reports absolute and relative loss, the tolerance it aimed at and the estimated floor', () => {
    const r = run(floorSpec({}));
    expect(r.status).toBe('converged');
    expect(r.lossTolSource).toBe('default');
    const energy = r.lossTol / DEFAULT_LOSS_REL_TOL;
    expect(r.lossRel).toBeCloseTo(r.loss / energy, 25);
    expect(r.lossRel).toBeLessThanOrEqual(DEFAULT_LOSS_REL_TOL);
    expect(r.lossFloor).toBeGreaterThan(0);
    expect(r.lossFloor).toBeLessThan(r.lossTol);
  });
});

describe('integration floors, found fast and named', () => {
  it('dopri5 below its floor ends within a few times the time it took to get there, names the floor and the fixes; the fixes converge', () => {
    const r = json(cli(['run', write('floor.json', floorSpec({ method: 'dopri5', lossTol: 1e-15 }))]));
    expect(r.status).toBe('integration-floor');
    expect(r.loss).toBeGreaterThan(1e-15);
    const p = r.plateau;
    // The loss reached the floor near t = 1.75 (p.tFrom, where the window starts): ended within 4x + one record.
    expect(r.t).toBeLessThan(5 * p.tFrom);
    expect(p.dissipation).toBeGreaterThan(100 * p.loss); // the energy identity broken: the evidence
    expect(r.lossFloor / r.loss).toBeGreaterThan(0.1); // the estimate within a factor 10 of the floor
    expect(r.lossFloor / r.loss).toBeLessThan(10);
    expect(r.message).toMatch(/integration floor/);
    expect(r.message).toMatch(/"auto"/);
    expect(r.message).toContain(`solver.rtol ${p.suggestedRtol} with atol ${p.suggestedAtol}`);
    // The cheapest fixes both reach lossTol.
    const byAuto = json(cli(['run', write('floor-auto.json', floorSpec({ lossTol: 1e-15, method: 'auto' }))]));
    expect(byAuto.status).toBe('converged');
    expect(byAuto.loss).toBeLessThanOrEqual(1e-15);
    const byRtol = run(floorSpec({ method: 'dopri5', lossTol: 1e-15, rtol: p.suggestedRtol, atol: p.suggestedAtol }));
    expect(byRtol.status).toBe('converged');
    // Without the plateau rules (the stiffness rule included) only a budget ends it: here the step budget, well past the floor.
    const off = json(cli(['run', write('floor.json', floorSpec({ method: 'dopri5', lossTol: 1e-15, maxSteps: 3 * r.steps })), '--no-plateau-stop']));
    expect(off.status).toBe('max-steps');
    expect(off.t).toBeGreaterThan(r.t);
    expect(off.loss).toBeGreaterThan(1e-15);
  }, 120_000);

  it('lossTol 0 integrates the whole interval: no plateau cuts it', () => {
    const r = run({ ...floorSpec({ lossTol: 0, tMax: 20 }), target: { kind: 'low-rank', size: [8, 8], rank: 2, seed: 1 }, observed: { kind: 'random', count: 40, seed: 2 } });
    expect(['t-max', 'stiff']).toContain(r.status);
  });
});

// The a = -beta0 saddle of the first-column 2x2 model (theorems/firstColumn.md):
// the flow settles onto a saddle with loss 1/2 by t ~ 6, its gradient falls by
// 7 orders of magnitude, and rounding errors carry it away near t = 30.
const saddleSpec = (solver: Spec['solver']): Spec => {
  const a = 0.8, beta0 = -0.8, wh = [Math.cos(0.3), Math.sin(0.3)];
  return {
    target: [[wh[0], 0.37], [wh[1], -1.2]], observed: { kind: 'entries', entries: [[0, 0], [1, 0]] }, depth: 2,
    init: { kind: 'layers', layers: [[[beta0 * wh[0], 0.2], [beta0 * wh[1], -0.4]], [[a, 0], [0, a]]] }, solver,
  };
};

describe('saddles: named when the flow stays, never cut when it escapes', () => {
  for (const solver of [{}, { lossTol: 1e-14 }, { method: 'auto' }, { rtol: 1e-12, atol: 1e-14, lossTol: 1e-22 }] as const) {
    it(`the first-column saddle is escaped under the defaults (solver ${JSON.stringify(solver)})`, () => {
      const r = run(saddleSpec(solver), { samples: 200 });
      expect(r.status).toBe('converged');
      // It did rest on the saddle (loss 1/2) for a stretch, and left it after t = 20.
      const onSaddle = r.samples!.filter((s) => Math.abs(s.loss - 0.5) < 1e-6);
      expect(onSaddle.length).toBeGreaterThan(5);
      expect(Math.max(...onSaddle.map((s) => s.t))).toBeGreaterThan(20);
      expect(r.t).toBeGreaterThan(30);
    });
  }

  it('a saddle held by exact zeros (no unstable component) ends as "saddle" with its evidence; the flag turns the detector off', () => {
    const stuck = { target: [[3, 0], [0, 1]], observed: { kind: 'all' }, depth: 2, init: { kind: 'layers', layers: [[[0.5, 0], [0, 0]], [[0.5, 0], [0, 0]]] } };
    const r = json(cli(['run', write('stuck.json', stuck)]));
    expect(r.status).toBe('saddle');
    expect(r.loss).toBeCloseTo(0.5, 12);
    expect(r.plateau.t).toBeGreaterThanOrEqual(100 * r.plateau.tFrom);
    expect(r.plateau.gradNorm2Max).toBeLessThanOrEqual(100 * r.plateau.gradNoise2);
    expect(r.message).toMatch(/^saddle: /);
    const off = json(cli(['run', write('stuck.json', stuck), '--no-plateau-stop']));
    expect(off.status).not.toBe('saddle');
  });

  it('small-init depth 3 (GLRL rank-3 example, std 1e-4) rests on three saddles and converges', () => {
    const example = {
      target: { kind: 'low-rank', size: [6, 6], rank: 3, seed: 4 }, observed: { kind: 'random', count: 30, seed: 1 },
      depth: 3, init: { kind: 'gaussian', std: 1e-4, seed: 1 },
    } as const;
    for (const solver of [{ method: 'auto', rtol: 1e-10, atol: 1e-12, lossTol: 1e-16 }, {}, { method: 'auto' }] as const) {
      const r = run({ ...example, solver }, { samples: 200 });
      expect(r.status).toBe('converged');
      expect(r.saddles!.rankSteps.map((s) => s.rank)).toEqual([1, 2, 3]);
    }
  });

  it('a tiny init (std 1e-27 and 1e-81, depth 2) is not cut on the saddle it starts on: the plateau held since t = 0 has no escape-time bound', () => {
    // Found by the GLRL equivalence property (3x3 rank 1, seed 95024): the detector used to end
    // these runs as "saddle" at t ~ 1e-2, long before their escape at t ~ 200 and ~ 1e4.
    const spec = (std: number) => ({
      target: { kind: 'low-rank', size: [3, 3], rank: 1, seed: 95024 }, observed: { kind: 'random', count: 6, seed: 95025 },
      depth: 2, init: { kind: 'gaussian', std, seed: 95024 }, solver: { method: 'auto', rtol: 1e-11, atol: 1e-14, lossTol: 1e-18 },
    } as const);
    for (const std of [1e-27, 1e-81]) {
      const r = run(spec(std));
      expect(r.status).toBe('converged');
      expect(r.t).toBeGreaterThan(100);
    }
  });

  it('small-init depth 2 (std 1e-8) passes its saddles under the defaults', () => {
    const r = run({
      target: { kind: 'low-rank', size: [6, 6], rank: 3, seed: 4 }, observed: { kind: 'random', count: 30, seed: 1 },
      depth: 2, init: { kind: 'gaussian', std: 1e-8, seed: 1 },
    }, { samples: 200 });
    expect(r.status).toBe('converged');
    expect(r.saddles!.segments.map((s) => s.rank)).toEqual([0, 1]);
  });

  it('Fig. 3 warm start (20x20, rank 2, 156 then 234 observations, depth 2): the detector changes nothing', () => {
    const base = { target: { kind: 'low-rank', size: [20, 20], rank: 2, seed: 1 }, depth: 2, solver: { method: 'auto', rtol: 1e-6, atol: 1e-9, lossTol: 1e-9 } } as const;
    const pre = run({ ...base, observed: { kind: 'random', count: 156, seed: 2 }, init: { kind: 'gaussian', std: 0.01, seed: 3 } }, { saveLayers: true });
    const post = (plateauStop: boolean) => run({ ...base, solver: { ...base.solver, plateauStop }, observed: { kind: 'random', count: 234, seed: 2 }, init: { kind: 'layers', layers: pre.layers! } });
    const on = post(true), off = post(false);
    expect(on.status).toBe('converged');
    expect(on.t).toBe(off.t);
    expect(on.matrix).toEqual(off.matrix);
  }, 60_000);
});

describe('slow decay', () => {
  const noProbe = { gradientNoise: () => 0, lossFloor: () => 0 };
  const y = new Float64Array(1);
  const feed = (w: PlateauWatch, loss: (t: number) => number, g2: (t: number) => number, tEnd: number) => {
    for (let t = 1e-3; t <= tEnd; t *= 1.01) {
      const v = w.observe(t, loss(t), g2(t), y);
      if (v) return v;
    }
    return null;
  };

  it('a power law t^-0.2 towards zero: stopped with the fitted rate and the projected time', () => {
    const v = feed(new PlateauWatch(1e-12, 1e6, noProbe), (t) => t ** -0.2, (t) => (0.2 * t ** -0.2) / t, 1e6);
    expect(v?.kind).toBe('slow-decay');
    expect(v!.rate).toBeCloseTo(0.2, 6);
    expect(v!.tProjected / (v!.t * (v!.loss / 1e-12) ** 5)).toBeCloseTo(1, 6);
    expect(v!.t).toBeLessThan(1e-3 * 200); // two decades of records, no more
  });

  it('the same power law reaching lossTol before tMax runs on', () => {
    expect(feed(new PlateauWatch(1e-3, 1e30, noProbe), (t) => t ** -0.2, (t) => (0.2 * t ** -0.2) / t, 1e6)).toBeNull();
  });

  it('a watch restored from a saved memory decides every later step as the original does', () => {
    // A floor: the loss stalls at 1e-9 from t = 1 on while the dissipation goes on.
    const loss = (t: number) => 1e-9 + Math.exp(-10 * t);
    const g2 = (t: number) => 1e-6 + 10 * Math.exp(-10 * t);
    const y = new Float64Array(1);
    const whole = new PlateauWatch(1e-12, 1e6, noProbe);
    const verdicts: (object | null)[] = [];
    const ts: number[] = [];
    for (let t = 1e-3; t < 1e3; t *= 1.05) ts.push(t);
    for (const t of ts) verdicts.push(whole.observe(t, loss(t), g2(t), y));
    const firstVerdict = verdicts.findIndex((v) => v !== null);
    expect(firstVerdict).toBeGreaterThan(10);
    for (const cut of [1, 7, Math.floor(firstVerdict / 2), firstVerdict - 1]) {
      const before = new PlateauWatch(1e-12, 1e6, noProbe);
      for (const t of ts.slice(0, cut)) before.observe(t, loss(t), g2(t), y);
      const resumed = new PlateauWatch(1e-12, 1e6, noProbe);
      // Through JSON, as a checkpoint stores it.
      resumed.restore(JSON.parse(JSON.stringify(before.save())));
      const rest = ts.slice(cut).map((t) => resumed.observe(t, loss(t), g2(t), y));
      expect(rest).toEqual(verdicts.slice(cut));
      expect(resumed.trend()).toEqual(whole.trend());
    }
  });

  it('an exponential approach to a plateau, and an escape from it, are not slow decay', () => {
    // Loss 1/2 + e^-t, then at t = 30 a fall to zero.
    const loss = (t: number) => (t < 30 ? 0.5 + Math.exp(-t) : 0.5 * Math.exp(-(t - 30)) + Math.exp(-t));
    const g2 = (t: number) => (t < 30 ? Math.exp(-t) : 0.5 * Math.exp(-(t - 30)));
    expect(feed(new PlateauWatch(1e-12, 1e6, noProbe), loss, g2, 60)).toBeNull();
  });
});

describe('wall-clock budget', () => {
  it('--max-time ends a long run with status time-limit and its state; bad durations are refused', () => {
    // Gradient descent with a small step to lossTol 0: a billion steps of work, nothing else ends it.
    const spec = write('long.json', { ...floorSpec({ method: 'gd', lr: 1e-3, lossTol: 0, tMax: 1e6, maxSteps: 1e9 }), target: { kind: 'low-rank', size: [20, 20], rank: 3, seed: 1 }, observed: { kind: 'random', count: 150, seed: 2 } });
    const started = Date.now();
    const r = json(cli(['run', spec, '--max-time', '1.5s']));
    expect((Date.now() - started) / 1000).toBeLessThan(20);
    expect(r.status).toBe('time-limit');
    expect(r.t).toBeGreaterThan(0);
    expect(r.t).toBeLessThan(1e6);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.matrix).toHaveLength(20);
    expect(r.message).toMatch(/wall-clock budget of 1.5 s/);
    const bad = cli(['run', spec, '--max-time', '10 parsecs']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^dmflow: --max-time: expected a duration such as 30s, 5m, 1h or 250ms, got "10 parsecs"\n$/);
    const zero = cli(['run', spec, '--max-time', '0s']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/^dmflow: --max-time: expected a duration > 0 such as 90s, 10m or 1.5h, got "0s"\n$/);
    const badSpec = cli(['run', write('bad.json', floorSpec({ maxWallTime: -1 }))]);
    expect(badSpec.status).toBe(2);
    expect(badSpec.stderr).toMatch(/^dmflow: spec.solver.maxWallTime/);
  }, 60_000);

  it('with samples, the second pass ends where the first did', () => {
    const r = run({ ...floorSpec({ method: 'gd', lr: 1e-3, lossTol: 0, tMax: 1e6, maxSteps: 1e9, maxWallTime: 0.5 }), target: { kind: 'low-rank', size: [10, 10], rank: 2, seed: 1 }, observed: { kind: 'random', count: 50, seed: 2 } }, { samples: 20 });
    expect(r.status).toBe('time-limit');
    expect(r.samples!.at(-1)!.t).toBe(r.t);
  });
});

describe('honest progress', () => {
  it('durations: never NaN or Infinity', () => {
    for (const x of [NaN, Infinity, -Infinity, -1]) expect(formatDuration(x)).toBe('--');
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(59.6)).toBe('1 min 00 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
    expect(formatDuration(1e12)).toBe('> 99 h');
  });

  it('ETA only when the fraction grows', () => {
    const e = new EtaEstimator();
    expect(e.add(0.1, 0)).toBeNull(); // no history
    expect(e.add(0.1, 1)).toBeNull(); // no growth
    expect(e.add(NaN, 2)).toBeNull();
    expect(e.add(0.2, 2)).toBeCloseTo(16, 10); // 0.1 per 2 s, 0.8 to go
    const flat = new EtaEstimator();
    flat.add(0.5, 0);
    expect(flat.add(0.5, 100)).toBeNull();
    // Fast progress, then a plateau: no ETA once the recent rate has fallen.
    const stall = new EtaEstimator();
    for (let at = 0; at <= 2; at += 0.1) stall.add(0.4 * at, at);
    expect(stall.add(0.8, 2)).not.toBeNull();
    let last: number | null = 0;
    for (let at = 2.1; at <= 3; at += 0.1) last = stall.add(0.8, at);
    expect(last).toBeNull();
  });

  it('run fraction stays in [0, 1] on degenerate inputs', () => {
    const base = { t: 1, loss: 1, loss0: 10, lossTol: 1e-3, tMax: 1e6 };
    for (const p of [base, { ...base, lossTol: 0 }, { ...base, loss0: 1e-3 }, { ...base, loss: 0 }, { ...base, t: 0 }, { ...base, loss: NaN }, { ...base, loss0: Infinity }]) {
      const f = runFraction(p);
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThanOrEqual(1);
    }
    expect(runFraction({ ...base, loss: 1e-2 })).toBeCloseTo(0.75, 10); // log-loss: 3 of 4 decades
  });

  it('--progress in a pipe prints lines with method, step size and a sane ETA on stderr', () => {
    const r = cli(['run', write('prog.json', { ...floorSpec({ method: 'gd', lr: 1e-3, lossTol: 0, tMax: 1e6, maxSteps: 1e9 }), target: { kind: 'low-rank', size: [20, 20], rank: 3, seed: 1 }, observed: { kind: 'random', count: 150, seed: 2 } }), '--max-time', '2s', '--progress', '0.2']);
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(l).toMatch(/^dmflow run: \d+% \| ETA (--|[0-9][^|]*) \| t = \S+, loss = \S+ -> \S+, gd h = 1\.0e-3$/);
    expect(r.stderr).not.toMatch(/NaN|Infinity/);
    // Without --progress a pipe stays quiet.
    const quiet = cli(['run', write('prog2.json', floorSpec({ lossTol: 1e-15 }))]);
    expect(quiet.stderr).toBe('');
  }, 60_000);

  it('sweeps show cells done, rate and ETA', () => {
    const sweep = write('sweep.json', {
      base: { target: { kind: 'low-rank', size: [5, 5], rank: 1, seed: 0 }, observed: { kind: 'random', count: 12, seed: 0 }, depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 0 } },
      grid: { depth: [2, 3] }, trials: 50,
    });
    const r = cli(['sweep', sweep, '--out', join(dir, 'sweep.jsonl'), '--workers', '1', '--progress', '0.05']);
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('dmflow sweep: ') && l.includes('cells/s'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(/^dmflow sweep: \d+% \| ETA (--|[0-9][^|]*) \| \d+\/100 cells, [0-9.e+-]+ cells\/s$/);
  }, 60_000);
});
