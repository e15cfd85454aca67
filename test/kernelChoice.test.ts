// Choosing and reporting the kernel: DMFLOW_KERNEL=native|wasm|js forces one
// (every size), the run result says which ran, a forced kernel that cannot load
// is one line and exit 2, and the three agree to rounding on the vector field
// and on whole runs through the CLI as users run it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { forcedKernel, gradientField, KERNEL_NAMES, nativeBlas, wasmModule } from '../src/index.js';
import { expectEqualsTypescriptField, problemOf, problemShape } from './helpers/randomProblems.js';
import { cli } from './helpers/cli.js';

const available = KERNEL_NAMES.filter((k) => k === 'js' || (k === 'native' ? nativeBlas : wasmModule));
const dir = mkdtempSync(join(tmpdir(), 'dmflow-kernel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withKernel<T>(k: string | undefined, f: () => T): T {
  const saved = process.env.DMFLOW_KERNEL;
  if (k === undefined) delete process.env.DMFLOW_KERNEL; else process.env.DMFLOW_KERNEL = k;
  try { return f(); } finally { if (saved === undefined) delete process.env.DMFLOW_KERNEL; else process.env.DMFLOW_KERNEL = saved; }
}

describe('DMFLOW_KERNEL', () => {
  it('rejects an unknown kernel name as an input error', () => {
    expect(() => forcedKernel('cuda')).toThrow(/DMFLOW_KERNEL: expected one of native, wasm, js, got "cuda"/);
    expect(forcedKernel('')).toBeNull();
    expect(forcedKernel(undefined)).toBeNull();
  });

  for (const k of available) {
    it(`${k}: forces the field at every size and equals the TypeScript field to rounding`, () => {
      fc.assert(fc.property(problemShape(20, 5, 0.05), (shape) => {
        const p = problemOf(shape);
        const f = withKernel(k, () => gradientField(p));
        expect(f.kernel).toBe(k);
        expectEqualsTypescriptField(p, f);
      }), { numRuns: 60, seed: 41 });
    });
  }

  it('the run result reports the kernel, and whole runs agree across kernels (CLI, 24x20 depth 3)', () => {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({
      target: { kind: 'low-rank', size: [24, 20], rank: 2, seed: 1 }, observed: { kind: 'random', count: 200, seed: 2 },
      depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 3 }, solver: { rtol: 1e-9, atol: 1e-12, lossTol: 1e-10 },
    }));
    const results = available.map((k) => {
      const r = cli(['run', spec], { env: { ...process.env, DMFLOW_KERNEL: k } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { kernel: string; status: string; matrix: number[][]; loss: number; effectiveRank: number };
    });
    expect(results.map((r) => r.kernel)).toEqual(available);
    const ref = results[available.indexOf('js')];
    expect(ref.status).toBe('converged');
    for (const r of results) {
      expect(r.status).toBe('converged');
      let d = 0;
      r.matrix.flat().forEach((x, i) => { d = Math.max(d, Math.abs(x - ref.matrix.flat()[i])); });
      expect(d).toBeLessThan(1e-6);
      expect(Math.abs(r.effectiveRank - ref.effectiveRank)).toBeLessThan(1e-6);
    }
    // Unforced, the result still names the kernel that ran.
    const auto = cli(['run', spec], { env: { ...process.env, DMFLOW_KERNEL: '' } });
    expect(auto.status, auto.stderr).toBe(0);
    expect(JSON.parse(auto.stdout).kernel).toBe(nativeBlas ? 'native' : wasmModule ? 'wasm' : 'js');
  });

  it('a forced kernel that cannot load is one line and exit 2', () => {
    const spec = join(dir, 'small.json');
    writeFileSync(spec, JSON.stringify({ target: [[1, 0], [0, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 0 } }));
    const r = cli(['run', spec], { env: { ...process.env, DMFLOW_KERNEL: 'native', DMFLOW_NATIVE: '0' } });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dmflow: DMFLOW_KERNEL: expected a native binding that loads here, got: disabled by DMFLOW_NATIVE=0/);
    const bad = cli(['run', spec], { env: { ...process.env, DMFLOW_KERNEL: 'gpu' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^dmflow: DMFLOW_KERNEL: expected one of native, wasm, js, got "gpu"/);
  });
});
