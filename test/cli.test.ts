import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { cli } from './helpers/cli.js';
import { blockSpec } from '../src/index.js';
import { packagesRun } from './helpers/packagesRun.js';
import { perLayerGuess } from './helpers/perLayerGuess.js';
import { big, refBlockDepth2, refBlockOneBlock, refBlockPerLayer, relErr, type D } from './helpers/reference50.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-cli-'));
const write = (name: string, value: unknown) => { const p = join(dir, name); writeFileSync(p, JSON.stringify(value)); return p; };

/** check's comparison of the entries with W(inf). */
const entriesAtInf = (report: { comparisons: { compare: string; t: unknown; absolute?: number }[] }) => report.comparisons.find((c) => c.compare === 'entries' && c.t === 'inf')!;

const diag3 = (depth: number, a: number, solver = {}) => ({
  target: { kind: 'ones', size: [3, 3] }, observed: { kind: 'block-diagonal', blocks: [1, 1, 1] },
  depth, init: { kind: 'identity-plus-ones', a, b: a / 2 }, solver,
});

describe('dmflow limit / check / limit-sweep', () => {
  it('limit prints the theorem, W(inf) and its singular values', () => {
    const r = cli(['limit', write('l.json', diag3(3, 0.3))]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.theorem).toBe('block-diagonal');
    expect(out.singularValues[0].toFixed(6)).toBe('2.898543');
    expect(out.singularValues[1].toFixed(6)).toBe('0.050729');
    expect(out.matrix).toHaveLength(3);
  });

  it('limit refuses a random mask with Gaussian init: exit 2 and the failed hypotheses', () => {
    const r = cli(['limit', write('g.json', { target: { kind: 'low-rank', size: [4, 4], rank: 1, seed: 1 }, observed: { kind: 'random', count: 8, seed: 1 }, depth: 3, init: { kind: 'gaussian', std: 0.1, seed: 1 } })]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dmflow: spec: no theorem covers it \(block-diagonal: target must be s 1 1\^T/);
  });

  it('limit --at gives W(t) for the trajectory families', () => {
    const r = cli(['limit', write('s.json', { target: [[1.5]], observed: { kind: 'all' }, depth: 2, init: { kind: 'layers', layers: [[[0.1]], [[0.1]]] } }), '--at', '1']);
    expect(r.status).toBe(0);
    const x = JSON.parse(r.stdout).matrix[0][0];
    expect(x).toBeCloseTo((1.5 * 0.01) / (0.01 + 1.49 * Math.exp(-3)), 12);
  });

  it('check: exit 0 within --tol, exit 1 beyond it', () => {
    const good = cli(['check', write('c.json', diag3(3, 0.3, { rtol: 1e-11, atol: 1e-13, lossTol: 1e-20 })), '--tol', '1e-8']);
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout).pass).toBe(true);
    const bad = cli(['check', write('c2.json', diag3(3, 0.3, { tMax: 0.3 })), '--tol', '1e-8']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).pass).toBe(false);
  });

  it('limit-sweep writes the CSV of Figure 2/5', () => {
    const out = join(dir, 'sweep.csv');
    const r = cli(['limit-sweep', '--depths', '2,3', '--c', '0,0.5', '--scales', '1e-4,0.1', '--out', out]);
    expect(r.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('task,d,n,q,depth,c,alpha,productScale,Lam,N,log10N,effectiveRank,status');
    expect(lines).toHaveLength(1 + 2 * 2 * 2 * 2);
    const bad = cli(['limit-sweep', '--depths', '0']);
    expect(bad.status).toBe(2);
  });

  it('limit-sweep at depth 16 and scale 1e-300, and limit at a = 1e-5, depth 6: exact, self-checked (issue 17)', () => {
    const out = join(dir, 'deep.csv');
    const r = cli(['limit-sweep', '--depths', '6,16', '--c', '0.5', '--scales', '1e-300,1e-24', '--out', out]);
    expect(r.status).toBe(0);
    const [head, ...rows] = readFileSync(out, 'utf8').trim().split('\n');
    const cols = head.split(',');
    for (const row of rows.map((l) => l.split(','))) {
      expect(row[cols.indexOf('status')]).toBe('exact');
      // N >= 0 bounds Lam by n s q (= d for s = 1, q = d/n).
      expect(Number(row[cols.indexOf('Lam')])).toBeLessThanOrEqual(Number(row[cols.indexOf('d')]));
    }
    const spec = { target: { kind: 'ones', size: [6, 6], scale: 1 }, observed: { kind: 'block-diagonal', blocks: [2, 2, 2] }, depth: 6, init: { kind: 'identity-plus-ones', a: 1e-5, b: 5e-6 } };
    const lim = cli(['limit', write('tiny.json', spec)]);
    expect(lim.status).toBe(0);
    const got = JSON.parse(lim.stdout);
    expect(got.status).toBe('exact');
    expect(got.details.selfCheck.max).toBeLessThanOrEqual(1e-12);
    expect(got.details.Lam).toBe(6);
  });

  it('limit and check on a per-layer large init whose smallest E1 layer crosses zero: exact, and the integrator agrees (issue 17)', () => {
    // Lam < 0 at the limit: the product overshoots s q, the flow shrinks it past zero.
    const spec = { target: { kind: 'ones', size: [4, 4], scale: 1e-3 }, observed: { kind: 'block-diagonal', blocks: [2, 2] }, depth: 3, init: { kind: 'identity-plus-ones', a: [1, 1.0001, 1.0002], b: [3, 6, 9] } };
    const lim = cli(['limit', write('cross.json', spec)]);
    expect(lim.status).toBe(0);
    const got = JSON.parse(lim.stdout);
    expect(got.status).toBe('exact');
    expect(got.details.method).toBe('signed-tail');
    expect(got.details.Lam).toBeLessThan(0);
    expect(got.details.Lam / 2 + got.details.N / 2).toBeCloseTo(2e-3, 15);
    const chk = cli(['check', write('cross.json', spec), '--tol', '1e-6']);
    const report = JSON.parse(chk.stdout);
    expect(report.theoremStatus).toBe('exact');
    const eigen = report.comparisons.find((c: { compare: string }) => c.compare === 'eigenspaces');
    expect(eigen.details['Lam (E1, limit)'].relToItself).toBeLessThan(1e-6);
    expect(eigen.details['N (E2, limit)'].relToItself).toBeLessThan(1e-6);
    expect(chk.status).toBe(0);
  });

  it('limit on a per-layer init that doubles cannot pin: solved in 45 digits, exact against the 50-digit reference (issue 17)', () => {
    // Depth 2, a = [1e-3, 1e3], b = [1e-3, 0]: N ~ 2e-12 is a small remainder
    // of the fit Lam/2 + N/2 = 1 (a double solution erred by 4.8e-5 in N).
    const a = [10 ** -2.999999999999995, 10 ** 2.9999999999999942];
    const spec = { target: { kind: 'ones', size: [2, 2], scale: 1 }, observed: { kind: 'block-diagonal', blocks: [1, 1] }, depth: 2, init: { kind: 'identity-plus-ones', a, b: [a[0], 0] } };
    const lim = cli(['limit', write('remainder.json', spec)]);
    expect(lim.status).toBe(0);
    const got = JSON.parse(lim.stdout);
    expect(got.status).toBe('exact');
    expect(got.details.method).toBe('extended-precision');
    const ref = refBlockDepth2(2, 2, 1, 1, a, [a[0], 0]);
    expect(relErr(got.details.N, ref.N)).toBeLessThanOrEqual(1e-12);
    expect(relErr(got.details.Lam, ref.Lam)).toBeLessThanOrEqual(1e-12);
  });

  it('limit on one block (everything observed) with per-layer a and b at depth >= 3: the target, exact (issue 25, point 11)', () => {
    // E2 has dimension 0 with one block; the E1–E2 routes divided by 1 - 1/n = 0 and every such spec was refused.
    const spec = { target: { kind: 'ones', size: [2, 2], scale: 1 }, observed: { kind: 'block-diagonal', blocks: [2] }, depth: 3, init: { kind: 'identity-plus-ones', a: [0.1, 0.5, 0.2], b: [0.04, 0.4, 0.04] } };
    const lim = cli(['limit', write('one-block.json', spec)]);
    expect(lim.stderr).toBe('');
    expect(lim.status).toBe(0);
    const got = JSON.parse(lim.stdout);
    expect(got.status).toBe('exact');
    expect(got.matrix).toEqual([[1, 1], [1, 1]]);
    expect(got.singularValues).toEqual([2, 0]);
    expect(got.details.Lam).toBe(2);
    expect(got.details.N).toBeUndefined();
    const ref = refBlockOneBlock(2, 2, 1, spec.init.a, spec.init.b);
    got.details.layers.lam.forEach((v: number, l: number) => expect(relErr(v, ref.lam[l])).toBeLessThanOrEqual(1e-12));
    // A 1x1 target is one block too (per-layer scalar layers, depth 4).
    const scalar = { target: [[3]], observed: { kind: 'all' }, depth: 4, init: { kind: 'layers', layers: [[[0.2]], [[0.7]], [[0.05]], [[1.5]]] } };
    const one = cli(['limit', write('one-by-one.json', scalar)]);
    expect(one.status).toBe(0);
    expect(JSON.parse(one.stdout).matrix).toEqual([[3]]);
    expect(JSON.parse(one.stdout).status).toBe('exact');
  });

  it('limit on per-layer ties whose Lam leaves the double range: exit 0, exact, and the E1/E2 rate against 50 digits (issue 25, point 11)', () => {
    // Two E1 layers tie at the minimum and end below the double range (stored
    // as 0): the rate's term (Lam / lam_l)^2 was 0/0 and limit refused the spec.
    const cases = [
      { d: 4, n: 2, q: 2, s: 1.0000000000000224e-6, a: [1, 1, 1, 1, 999.9999999999816, 1, 1, 1, 1, 1, 1, 1, 1], b: [1, 1, 1, 1, 999.9999999999816, 1, 1, 1.0000000000000082e-6, 1, 1, 1, 0, 0] },
      { d: 6, n: 3, q: 2, s: 1.0000000000000307e-6, a: [1, 0.18969373220367428, 1, 1, 1, 1, 1, 1, 1, 1], b: [0, 0.18969373220367428, 1, 1, 1, 1, 1, 1, 1, 0] },
      { d: 6, n: 3, q: 2, s: 1, a: [1, 1, 1, 1, 999.9999999999949, 1, 999.9999999999939, 1, 0.9995928681428682, 1, 1, 1, 1, 0.0010000000000000143, 1, 1], b: [1, 1, 1, 1, 999.9999999999949, 0, 0.001, 1, 0.9995928681428682, 1, 1, 0, 1, 1000.0000000000061, 1, 1] },
    ];
    cases.forEach((p, i) => {
      const r = cli(['limit', write(`tie${i}.json`, blockSpec(p))]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const got = JSON.parse(r.stdout);
      expect(got.status).toBe('exact');
      // rate = (1/n) sum_l prod_{k != l} lam_k^2 + (1 - 1/n) sum_l prod_{k != l} nu_k^2, from the reference's layers.
      const ref = refBlockPerLayer(p.d, p.n, p.q, p.s, p.a, p.b, perLayerGuess(p));
      const others = (v: D[]) => v.reduce((acc, _x, l) => acc.plus(v.reduce((pr, y, k) => (k === l ? pr : pr.times(y.pow(2))), big(1))), big(0));
      const want = others(ref.lam!).div(p.n).plus(others(ref.nu!).times(1 - 1 / p.n));
      expect(relErr(got.details.rates.E1E2.rate, want)).toBeLessThanOrEqual(1e-12);
    });
  });

  it('run --save-times adds a trajectory, --save-layers the factors, and a warm start reuses them', () => {
    const spec = write('r.json', diag3(3, 0.3, { rtol: 1e-10, atol: 1e-12, lossTol: 1e-18 }));
    const r = cli(['run', spec, '--save-times', '0,1,2', '--save-layers']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.trajectory.map((p: { t: number }) => p.t)).toEqual([0, 1, 2]);
    expect(out.layers).toHaveLength(3);
    writeFileSync(join(dir, 'pre.json'), r.stdout);
    const warm = cli(['run', write('w.json', { ...diag3(3, 0.3), init: { kind: 'from-result', path: 'pre.json' } })]);
    expect(warm.status).toBe(0);
    const w = JSON.parse(warm.stdout);
    expect(w.status).toBe('converged');
    expect(w.nfev).toBeLessThan(out.nfev); // it starts at the converged point
    const missing = cli(['run', write('w2.json', { ...diag3(3, 0.3), init: { kind: 'from-result', path: 'nope.json' } })]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^dmflow: spec\.init\.path: expected a readable result JSON/);
  });

  it('the same spec and seed give bit-identical output', () => {
    const spec = write('seed.json', { target: { kind: 'low-rank', size: [5, 4], rank: 2, seed: 3 }, observed: { kind: 'random', count: 12, seed: 4 }, depth: 3, init: { kind: 'gaussian', productScale: 0.01, seed: 5 }, solver: { tMax: 50 } });
    const a = cli(['run', spec]), b = cli(['run', spec]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('every solver.method through the command', () => {
  const tight = { rtol: 1e-11, atol: 1e-13, lossTol: 1e-20 };
  const methods = [
    { method: 'dopri5' }, { method: 'auto' }, { method: 'rkc' }, { method: 'odex' },
  ] as const;

  for (const { method } of methods) {
    it(`${method}: run converges, check matches the block-diagonal theorem to 1e-8`, () => {
      const spec = write(`m-${method}.json`, diag3(3, 0.3, { method, ...tight }));
      const r = cli(['run', spec]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('converged');
      expect(out.loss).toBeLessThanOrEqual(1e-20);
      const c = cli(['check', spec, '--tol', '1e-8']);
      expect(c.status, c.stderr).toBe(0);
      const report = JSON.parse(c.stdout);
      expect(report.pass).toBe(true);
      expect(entriesAtInf(report).absolute).toBeLessThan(1e-8);
    });
  }

  it('gd: run converges; check sees the O(lr) bias of the discrete iteration, halving with lr', () => {
    const diff = (lr: number) => {
      const spec = write(`m-gd-${lr}.json`, diag3(3, 0.3, { method: 'gd', lr, lossTol: 1e-20 }));
      const r = cli(['run', spec]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).status).toBe('converged');
      const strict = cli(['check', spec, '--tol', '1e-6']);
      expect(strict.status).toBe(1); // gradient descent is not the gradient flow
      const loose = cli(['check', spec, '--tol', '1e-3']);
      expect(loose.status, loose.stderr).toBe(0);
      return entriesAtInf(JSON.parse(loose.stdout)).absolute as number;
    };
    const coarse = diff(0.01), fine = diff(0.005);
    expect(coarse / fine).toBeGreaterThan(1.8);
    expect(coarse / fine).toBeLessThan(2.2);
  });

  it('the default method is auto: a spec without one runs as auto, and the stiff end of a flow costs it far fewer evaluations than dopri5', () => {
    const stiff = (solver: Record<string, unknown>) => ({
      target: { kind: 'low-rank', size: [10, 10], rank: 2, seed: 1 }, observed: { kind: 'random', count: 50, seed: 2 },
      // Entry std 0.1 (what productScale 0.001 meant here before 0.2.0; now it starts 2.2x smaller and this flow takes longer than tMax).
      depth: 3, init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { tMax: 1e4, ...solver },
    });
    const [none, auto, dopri5] = [{}, { method: 'auto' }, { method: 'dopri5' }].map((solver, i) => {
      const r = cli(['run', write(`default-${i}.json`, stiff(solver))]);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    });
    expect(none).toBe(auto);
    const a = JSON.parse(auto), d = JSON.parse(dopri5);
    expect(a.status).toBe('converged');
    expect(d.status).toBe('converged');
    expect(d.nfev).toBeGreaterThan(3 * a.nfev);

    // The embedded default: auto's stiffness test never fires on it, so it prints dopri5's numbers bit for bit.
    const embedded = cli(['run']);
    expect(embedded.status, embedded.stderr).toBe(0);
    expect(JSON.parse(embedded.stdout).status).toBe('converged');
    const explicit = cli(['run', write('default-dopri5.json', { ...diag4Default(), solver: { ...diag4Default().solver, method: 'dopri5' } })]);
    expect(explicit.stdout).toBe(embedded.stdout);
  });

  it('solver.spectralEstimate "lanczos" (exact Hessian-vector products in the RKC phase) reaches the power-iteration run\'s limit; a bad value is a one-line error', () => {
    const spec = (spectralEstimate: unknown) => ({
      target: { kind: 'low-rank', size: [10, 10], rank: 2, seed: 1 }, observed: { kind: 'random', count: 50, seed: 2 },
      depth: 3, init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { tMax: 1e4, spectralEstimate }, // the flow of the test above
    });
    const [power, lanczos] = ['power', 'lanczos'].map((e) => {
      const r = cli(['run', write(`spectral-${e}.json`, spec(e))]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    });
    expect(lanczos.status).toBe('converged');
    // This flow's end is stiff (auto switches to RKC: the test above): the estimate changes RKC's stage counts.
    expect(lanczos.nfev).not.toBe(power.nfev);
    const a = (power.matrix as number[][]).flat(), b = (lanczos.matrix as number[][]).flat();
    const scale = Math.max(...a.map(Math.abs));
    // Both at the default rtol 1e-8, stopped at the same loss tolerance.
    a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThan(1e-5 * scale));
    const bad = cli(['run', write('spectral-bad.json', spec('arnoldi'))]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^dmflow: spec\.solver\.spectralEstimate: /);
  });

  it('odex through the command agrees with dopri5 to 1e-7 on a depth-3 flow at a fixed time', () => {
    const flow = (method: string) => ({
      target: { kind: 'low-rank', size: [4, 3], rank: 1, seed: 2 }, observed: { kind: 'random', count: 9, seed: 3 },
      depth: 3, init: { kind: 'gaussian', productScale: 0.05, seed: 4 },
      solver: { method, rtol: 1e-11, atol: 1e-13, tMax: 4, lossTol: 0 },
    });
    const [a, b] = ['dopri5', 'odex'].map((m) => {
      const r = cli(['run', write(`flow-${m}.json`, flow(m))]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('t-max');
      expect(out.t).toBe(4);
      return out.matrix as number[][];
    });
    let maxDiff = 0;
    a.forEach((row, i) => row.forEach((x, j) => { maxDiff = Math.max(maxDiff, Math.abs(x - b[i][j])); }));
    expect(maxDiff).toBeLessThan(1e-7);
    expect(Math.max(...a.flat().map(Math.abs))).toBeGreaterThan(0.1); // the flow has moved far from its 0.05 start
  });
});

/** The embedded default spec, as the user would write it in a file. */
function diag4Default() {
  return {
    target: { kind: 'ones', size: [4, 4], scale: 1 }, observed: { kind: 'block-diagonal', blocks: [1, 1, 1, 1] },
    depth: 3, init: { kind: 'identity-plus-ones', a: 0.3, b: 0.15 },
    solver: { rtol: 1e-10, atol: 1e-12, tMax: 1e6, lossTol: 1e-18 } as Record<string, unknown>,
  };
}

describe('start-up: a command runs only the packages it needs', () => {
  /** The npm packages whose code a command ran (V8 coverage, traced through the bundle's source map). */
  const packagesLoaded = (args: string[]) => {
    const r = packagesRun(args);
    // The bin runs the bundle: the check sees what ships.
    expect(r.bundled, r.stderr).toBe(true);
    return r;
  };

  it('--help runs commander and nothing else from node_modules', () => {
    const { status, packages } = packagesLoaded(['--help']);
    expect(status).toBe(0);
    expect([...packages]).toEqual(['commander']);
  });

  it('run runs no symbolic algebra and no plot stack; plot runs no symbolic algebra; ode runs mathjs', () => {
    const run = packagesLoaded(['run']);
    expect(run.status).toBe(0);
    for (const heavy of ['mathjs', 'vega', 'vega-lite', '@resvg/resvg-js']) expect(run.packages.has(heavy), heavy).toBe(false);
    // What run does use is seen (the check can see a package run from the bundle).
    for (const used of ['zod', 'ml-matrix']) expect(run.packages.has(used), used).toBe(true);
    const ode = packagesLoaded(['ode', write('ode.json', { target: [[1, 2], [3, 4]], observed: { kind: 'all' }, depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 1 } })]);
    expect(ode.packages.has('mathjs')).toBe(true);
    expect(ode.packages.has('vega')).toBe(false);
    const results = join(dir, 'tiny.jsonl');
    writeFileSync(results, [0, 1].map((trial) => JSON.stringify({ cell: { depth: 2, trial }, result: { effectiveRank: 1 + trial } })).join('\n') + '\n');
    const plot = packagesLoaded(['plot', 'sweep', results, '--x', 'depth', '--y', 'effectiveRank']);
    expect(plot.status).toBe(0);
    expect(plot.packages.has('vega')).toBe(true);
    expect(plot.packages.has('mathjs')).toBe(false);
  });
});

/** Run the CLI in this process (no process start-up per call): exit code, stdout, stderr. */
async function inProcess(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '', stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  try {
    const status = await main(args);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('dmflow glrl', () => {
  it('runs every embedded example and a spec file', async () => {
    const spawned = cli(['glrl']);
    expect(spawned.status).toBe(0);
    expect(JSON.parse(spawned.stdout).matrix[1][1]).toBeCloseTo(4, 6);
    for (const example of ['counter-example', 'rank-3', 'psd']) {
      const r = await inProcess(['glrl', '--example', example]);
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('converged');
      expect(out.stages.length).toBe(out.rank);
    }
    const r = await inProcess(['glrl', write('glrl.json', { target: [[1, 2], [2, 4]], observed: [[1, 1], [1, 0]], depth: 3, init: { kind: 'gaussian', std: 0.1 } }), '--compare-nuclear']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rank).toBe(1);
    expect(out.nuclearNormCompletion.nuclearNorm).toBeLessThan(out.nuclearNorm - 0.9);
  });

  it('bad input: one line, exit 2', async () => {
    const spawned = cli(['glrl', '--example', 'nope']);
    expect(spawned.status).toBe(2);
    expect(spawned.stderr.trim().split('\n')).toHaveLength(1);
    const cases: [string[], RegExp][] = [
      [['glrl', '--example', 'nope'], /--example: expected one of counter-example, rank-3, psd/],
      [['glrl', '--epsilon', '-1'], /--epsilon: expected a positive number/],
      [['glrl', '--variant', 'diagonal'], /--variant: expected asymmetric or symmetric/],
      [['glrl', '--max-rank', '0'], /--max-rank: expected a rank >= 1/],
      [['glrl', '--max-rank', '9'], /glrl.maxRank: expected at most min\(m, n\) = 2/],
      [['glrl', write('g1.json', { target: [[1, 2, 3], [4, 5, 6]], observed: { kind: 'all' }, glrl: { variant: 'symmetric' } })], /spec.target: expected a square target/],
      [['glrl', write('g2.json', { target: [[1, 2], [2, 4]], observed: [[1, 1], [0, 1]], glrl: { variant: 'symmetric' } })], /spec.observed: expected a symmetric mask/],
      [['glrl', write('g3.json', { target: [[1, 2], [2, 4]], observed: { kind: 'all' }, glrl: { epsilon: 0 } })], /spec.glrl.epsilon/],
      [['glrl', write('g4.json', { target: [[1, 2], [2, 4]], observed: { kind: 'all' }, glrl: { rank: 1 } })], /spec.glrl: unknown key "rank"/],
      [['glrl', write('g5.json', { target: [[1, 2], [2, 4]], observed: { kind: 'entries', entries: [] } })], /spec.observed: expected at least one observed entry/],
    ];
    for (const [args, pattern] of cases) {
      const r = await inProcess(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
    }
  });
});

describe('--help defaults', () => {
  it('limit-sweep --help shows the defaults theorems/sweep.ts uses', async () => {
    const { SWEEP_DEPTHS, SWEEP_CS } = await import('../src/cli/commands/limit.js');
    const { DEFAULT_SWEEP } = await import('../theorems/sweep.js');
    expect(SWEEP_DEPTHS).toBe(DEFAULT_SWEEP.depths.join(','));
    expect(SWEEP_CS.split(',').map(Number)).toEqual(DEFAULT_SWEEP.cs);
  });
  it('glrl --help names every embedded example', async () => {
    const { GLRL_EXAMPLES } = await import('../src/experiments/glrlExamples.js');
    expect(cli(['glrl', '--help']).stdout).toContain(`embedded example: ${Object.keys(GLRL_EXAMPLES).join(', ')} (`);
  });
});

describe('dmflow explore', () => {
  it('serves the page and its bundles on 127.0.0.1, refuses paths outside it, and exits 0 on SIGTERM and SIGINT', async () => {
    const { startExplore } = await import('./helpers/browser.js');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startExplore();
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      // Cross-origin isolated, so that pause can hold the solver worker (SharedArrayBuffer).
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const html = await page.text();
      expect(html).toContain('<pre id="result">');
      // Relative URLs only: the folder works on any static host, offline.
      for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) expect(src).toMatch(/^(data:|[a-z0-9])/i);
      for (const file of ['app.js', 'worker.js', 'app.css']) {
        const r = await fetch(new URL(file, server.url));
        expect(r.status, file).toBe(200);
        expect((await r.text()).length).toBeGreaterThan(100);
      }
      expect((await fetch(new URL('/missing.js', server.url))).status).toBe(404);
      expect((await fetch(`${server.url}..%2f..%2fpackage.json`)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
      server.child.kill(signal);
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses a bad or busy port with one line and exit 2', async () => {
    const bad = cli(['explore', '--port', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('dmflow: --port: expected a port number from 0 to 65535, got "x"\n');
    const { startExplore } = await import('./helpers/browser.js');
    const server = await startExplore();
    try {
      const port = new URL(server.url).port;
      const busy = cli(['explore', '--port', port]);
      expect(busy.status).toBe(2);
      expect(busy.stderr).toBe(`dmflow: --port: expected a free port, got ${port}, which is in use (--port 0 takes any free one)\n`);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
