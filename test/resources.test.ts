// Memory guards: inputs that used to end in "internal error: Invalid typed
// array length", a heap crash or a kill now get one line naming the field and
// the estimate, exit 2, before anything large is allocated.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, memoryLimit, runNeeds, stateLength } from '../src/model/resources.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-resources-'));
const write = (name: string, value: unknown) => { const p = join(dir, name); writeFileSync(p, JSON.stringify(value)); return p; };
const small = { target: [[1, 0], [0, 1]], observed: { kind: 'all' }, depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 1 } };

/** One line, exit 2, naming the field; and fast (nothing was allocated or run). */
function refused(args: string[], field: string, env: NodeJS.ProcessEnv = {}) {
  const start = performance.now();
  const r = cli(args, { timeout: 60_000, env: { ...process.env, ...env } });
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.startsWith(`dmflow: ${field}: `)).toBe(true);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.status).toBe(2);
  expect(performance.now() - start).toBeLessThan(30_000);
  return r.stderr;
}

describe('memory guard', () => {
  it('a [100000, 100000] target: refused for every command that builds it, naming spec.target', () => {
    const big = write('big.json', { ...small, target: { kind: 'ones', size: [100000, 100000] } });
    for (const command of ['run', 'analyze', 'ode', 'limit', 'check', 'glrl']) {
      const msg = refused([command, big], command === 'glrl' ? 'glrl.maxRank' : 'spec.target');
      expect(msg).toMatch(/needs about .* above the memory limit .*DMFLOW_MAX_MEMORY/);
    }
    // GLRL capped at rank 1 still needs the dense target and an SVD per stage: 100000^2 doubles.
    refused(['glrl', big, '--max-rank', '1'], 'spec.target');
  });

  it('"width": 1e9 names spec.width; --samples 1000000000 names --samples; a sweep of 1e9 trials names sweep.trials', () => {
    refused(['run', write('wide.json', { ...small, depth: 3, width: 1e9 })], 'spec.width');
    refused(['run', write('deep.json', { ...small, target: [[1]], depth: 1e9, width: 1 })], 'spec.depth');
    refused(['run', write('s.json', small), '--samples', '1000000000'], '--samples');
    refused(['run', write('s2.json', { ...small, save: { samples: 1e9 } })], 'spec.save.samples');
    refused(['run', write('t.json', { ...small, save: { times: Array.from({ length: 1e6 }, (_, i) => i / 1e3) } })], 'spec.save.times', { DMFLOW_MAX_MEMORY: '100M' });
    refused(['sweep', write('sw.json', { base: small, trials: 1e9 }), '--out', join(dir, 'o.jsonl')], 'sweep.trials');
    refused(['sweep', write('sw2.json', { base: small, grid: { depth: Array(2000).fill(2), 'init.std': Array(2000).fill(0.1), 'init.seed': Array(2000).fill(1) } }), '--out', join(dir, 'o2.jsonl')], 'sweep.grid');
  });

  it('DMFLOW_MAX_MEMORY sets the limit (units K, M, G), and a bad value is one line naming it', () => {
    const spec = write('m.json', { ...small, target: { kind: 'ones', size: [60, 60] } });
    expect(cli(['analyze', spec], { env: { ...process.env, DMFLOW_MAX_MEMORY: '1G' } }).status).toBe(0);
    const msg = refused(['analyze', spec], 'spec.target', { DMFLOW_MAX_MEMORY: '1M' });
    expect(msg).toMatch(/above the memory limit 1\.00 MB/);
    refused(['run', spec], 'DMFLOW_MAX_MEMORY', { DMFLOW_MAX_MEMORY: 'lots' });
    refused(['run', spec], 'DMFLOW_MAX_MEMORY', { DMFLOW_MAX_MEMORY: '-1G' });
  });

  it('limits and estimates', () => {
    expect(memoryLimit({ DMFLOW_MAX_MEMORY: '512M' })).toBe(512 * 2 ** 20);
    expect(memoryLimit({ DMFLOW_MAX_MEMORY: '1e9' })).toBe(1e9);
    expect(memoryLimit({})).toBeGreaterThan(0);
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GB');
    // State length by arithmetic equals the sum of layer sizes.
    for (const [m, n, depth, width] of [[3, 5, 1, 9], [3, 5, 2, 4], [7, 2, 4, 6]]) {
      const dims = [n, ...Array(depth - 1).fill(width), m];
      expect(stateLength({ m, n, depth, width }).P).toBe(dims.slice(1).reduce((s, d, l) => s + d * dims[l], 0));
    }
    // The run estimate grows with every saved state.
    const shape = { m: 10, n: 10, depth: 3, width: 10 };
    const total = (times: number, samples: number) => runNeeds(shape, { times, samples, layers: false }).reduce((s, x) => s + x.bytes, 0);
    expect(total(10, 0)).toBeGreaterThan(total(0, 0));
    expect(total(0, 10)).toBeGreaterThan(total(0, 0));
  });
});
