// GFLOP/s of C = A B (doubles, square n, one thread) for each kernel family,
// measured through whatever dmflow build it is handed (the repository's src/
// or an installed tarball): native = the binding's dgemm, wasm = the SIMD gemm
// with A and B copied into wasm memory and C out on every call (as a caller
// holding JS arrays pays), js = the TypeScript i-k-j loop. Figures only.

import type * as Dmflow from '../src/index.js';

export type GemmKernel = 'native' | 'wasm' | 'js';

export function gemmRate(lib: typeof Dmflow, kernel: GemmKernel, n: number, seconds = 0.4): number {
  const A = new Float64Array(n * n), B = new Float64Array(n * n), C = new Float64Array(n * n);
  for (let i = 0; i < A.length; i++) { A[i] = Math.sin(i); B[i] = Math.cos(i); }
  let call: () => void;
  if (kernel === 'native') {
    const blas = lib.nativeBlas;
    if (!blas) throw new Error('native binding not loaded');
    call = () => blas.dgemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
  } else if (kernel === 'wasm') {
    const module = lib.wasmModule;
    if (!module) throw new Error('wasm kernels not loaded');
    const arena = new lib.WasmArena(module);
    const x = arena.exports;
    const at = { A: arena.reserve(8 * n * n), B: arena.reserve(8 * n * n), C: arena.reserve(8 * n * n), s: arena.reserve(8 * x.dmf_gemm_scratch(n, n, n)) };
    arena.grow();
    const [wa, wb, wc] = [arena.f64(at.A, n * n), arena.f64(at.B, n * n), arena.f64(at.C, n * n)];
    call = () => { wa.set(A); wb.set(B); x.dmf_dgemm(0, 0, n, n, n, 1, at.A, n, at.B, n, 0, at.C, n, at.s); C.set(wc); };
  } else {
    call = () => lib.matmul(A, 0, B, 0, C, 0, n, n, n);
  }
  for (let i = 0; i < 5; i++) call();
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) { call(); count++; elapsed = performance.now() - start; }
  return (2 * n ** 3 * count) / (elapsed / 1000) / 1e9;
}
