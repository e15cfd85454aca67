import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-cli-'));
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/dmflow.js', ...args], { encoding: 'utf8' });
const write = (name: string, value: unknown) => { const p = join(dir, name); writeFileSync(p, JSON.stringify(value)); return p; };

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
    expect(lines[0]).toBe('task,d,n,q,depth,c,alpha,productScale,Lam,N,effectiveRank');
    expect(lines).toHaveLength(1 + 2 * 2 * 2 * 2);
    const bad = cli(['limit-sweep', '--depths', '0']);
    expect(bad.status).toBe(2);
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
