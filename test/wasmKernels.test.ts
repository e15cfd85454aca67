// The WebAssembly SIMD kernels (wasm/dmflow_kernels.c): the gemm in every
// transpose the field uses against a plain triple loop, the wasm field against
// the TypeScript field on random shapes (panel edges included), whole runs, and
// the committed .wasm against a rebuild from the C source. CI sets
// DMFLOW_REQUIRE_NATIVE=1, so a missing clang fails the rebuild test there
// instead of skipping it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildProblem, run, typescriptField, WasmArena, wasmField, wasmModule } from '../src/index.js';
import { expectEqualsTypescriptField, problemOf, problemShape } from './helpers/randomProblems.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const required = process.env.DMFLOW_REQUIRE_NATIVE === '1';
const hasClang = spawnSync('clang', ['--version']).status === 0;

function naive(ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, A: Float64Array, lda: number,
  B: Float64Array, ldb: number, beta: number, C: Float64Array, ldc: number): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (ta ? A[p * lda + i] : A[i * lda + p]) * (tb ? B[j * ldb + p] : B[p * ldb + j]);
    C[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * ldc + j]);
  }
}

describe('wasm kernels', () => {
  it('load here', () => {
    expect(wasmModule, 'wasm/dmflow_kernels.wasm did not compile').not.toBeNull();
  });

  it('dgemm equals a triple loop for every transpose, shape, stride, alpha and beta', () => {
    fc.assert(fc.property(
      fc.record({
        ta: fc.boolean(), tb: fc.boolean(), m: fc.integer({ min: 1, max: 23 }), n: fc.integer({ min: 1, max: 23 }),
        k: fc.integer({ min: 1, max: 23 }), pad: fc.integer({ min: 0, max: 3 }), alpha: fc.constantFrom(1, -1, 0.5),
        beta: fc.constantFrom(0, 1, -2), seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      ({ ta, tb, m, n, k, pad, alpha, beta, seed }) => {
        let s = seed;
        const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
        const [ar, ac] = ta ? [k, m] : [m, k], [br, bc] = tb ? [n, k] : [k, n];
        const lda = ac + pad, ldb = bc + pad, ldc = n + pad;
        const A = Float64Array.from({ length: ar * lda }, rnd), B = Float64Array.from({ length: br * ldb }, rnd);
        const C0 = Float64Array.from({ length: m * ldc }, rnd);
        const arena = new WasmArena(wasmModule!);
        const x = arena.exports;
        const at = { A: arena.reserve(8 * A.length), B: arena.reserve(8 * B.length), C: arena.reserve(8 * C0.length), s: arena.reserve(8 * x.dmf_gemm_scratch(m, n, k)) };
        arena.grow();
        arena.f64(at.A, A.length).set(A);
        arena.f64(at.B, B.length).set(B);
        arena.f64(at.C, C0.length).set(C0);
        x.dmf_dgemm(+ta, +tb, m, n, k, alpha, at.A, lda, at.B, ldb, beta, at.C, ldc, at.s);
        const want = C0.slice();
        naive(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, want, ldc);
        const got = arena.f64(at.C, C0.length);
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-14 * (k + 1) * (1 + Math.abs(want[i])));
      }), { numRuns: 300, seed: 31 });
  });

  it('the wasm field equals the TypeScript field to rounding (any shape, depth, width, mask)', () => {
    fc.assert(fc.property(problemShape(30, 6, 0.02), (shape) => {
      const p = problemOf(shape);
      const wa = wasmField(p, wasmModule!);
      const ts = expectEqualsTypescriptField(p, wa);
      expect(Math.abs(ts.lastLoss - wa.lastLoss)).toBeLessThanOrEqual(1e-13 * ts.lastLoss + 1e-300);
      expect(wa.evaluations).toBe(1);
      expect(wa.kernel).toBe('wasm');
    }), { numRuns: 150, seed: 32 });
  });

  it('fields do not share state: two problems alternate on their own instances', () => {
    const spec = (seed: number, size: number) => ({ target: { kind: 'low-rank', size: [size, size + 3], rank: 2, seed }, observed: { kind: 'random', count: size * 2, seed }, depth: 3, init: { kind: 'gaussian', std: 0.5, seed } } as const);
    const [p, q] = [buildProblem(spec(1, 9)), buildProblem(spec(2, 14))];
    const fp = wasmField(p, wasmModule!), fq = wasmField(q, wasmModule!);
    for (const [prob, f] of [[p, fp], [q, fq], [p, fp]] as const) {
      const a = new Float64Array(prob.y0.length), b = new Float64Array(prob.y0.length);
      typescriptField(prob).rhs(0, prob.y0, a);
      f.rhs(0, prob.y0, b);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(a[i])));
    }
  });

  it('gives the same integration as the TypeScript kernel (20x20, depth 3)', () => {
    const spec = {
      target: { kind: 'low-rank', size: [20, 20], rank: 2, seed: 1 }, observed: { kind: 'random', count: 160, seed: 2 },
      depth: 3, init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { method: 'auto', rtol: 1e-9, atol: 1e-12, lossTol: 1e-12 },
    } as const;
    const a = run(spec, { fieldImpl: 'typescript' });
    const b = run(spec, { fieldImpl: 'wasm' });
    expect([a.kernel, b.kernel]).toEqual(['js', 'wasm']);
    expect(a.status).toBe('converged');
    expect(b.status).toBe('converged');
    let d = 0;
    a.matrix.flat().forEach((x, i) => { d = Math.max(d, Math.abs(x - b.matrix.flat()[i])); });
    expect(d).toBeLessThan(1e-6);
    expect(Math.abs(a.effectiveRank - b.effectiveRank)).toBeLessThan(1e-6);
  });

  it.skipIf(!hasClang && !required)('the committed .wasm is what wasm/build.mjs makes from the C source', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-wasm-'));
    try {
      const out = join(dir, 'k.wasm');
      const r = spawnSync(process.execPath, [join(root, 'wasm', 'build.mjs'), out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(Buffer.compare(readFileSync(out), readFileSync(join(root, 'wasm', 'dmflow_kernels.wasm')))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
