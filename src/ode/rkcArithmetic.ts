// The vector arithmetic of a Runge–Kutta–Chebyshev step (rkc.ts): the stage
// recurrence, the error estimate's sum and the power iteration's vector
// operations, either as TypeScript loops or as WebAssembly SIMD kernels
// (wasm/dmflow_kernels.c, dmf_rkc_*) on vectors that live in the wasm
// instance's memory, so that nothing is copied: the vector field reads and
// writes those Float64Array views directly. Both do the same IEEE operations
// in the same order, so they give the same bits (test/rkcArithmetic.test.ts).

import { environment } from '../platform/env.js';
import { wasmModule, WasmArena } from '../linalg/wasm.js';
import { SolverOptionError } from './errors.js';
import { scaledSquare } from './norm.js';

export type RkcArithmeticKind = 'wasm' | 'js';

export interface RkcArithmetic {
  readonly kind: RkcArithmeticKind;
  /** A zeroed vector of length n that the other operations accept (in wasm memory for the wasm kind). */
  vector(): Float64Array;
  /** out = y + c f. */
  axpy(out: Float64Array, y: Float64Array, c: number, f: Float64Array): void;
  /** out = a y + mu p1 + nu p2 + mt fj + gt f0, added left to right. */
  stage(out: Float64Array, y: Float64Array, p1: Float64Array, p2: Float64Array, fj: Float64Array, f0: Float64Array,
    a: number, mu: number, nu: number, mt: number, gt: number): void;
  /** The sum over i of scaledSquare(0.8 (y - y1) + c (f0 + f1), atol_i, rtol, y, y1), in order of i. */
  errorSum(y: Float64Array, y1: Float64Array, f0: Float64Array, f1: Float64Array, atol: Float64Array, rtol: number, c: number): number;
  /** v = fv - f0; returns the sum of v_i^2 in order of i. */
  diff(v: Float64Array, fv: Float64Array, f0: Float64Array): number;
  /** The sum of x_i^2 in order of i. */
  sumSquares(x: Float64Array): number;
}

/**
 * Below this length the TypeScript loops are as fast as a call into wasm, and
 * a wasm instance per stepper would cost more than it saves (bench/rkcArithmetic.ts).
 */
export const RKC_WASM_FROM = 64;

/**
 * The arithmetic asked for; else DMFLOW_RKC_ARITHMETIC ("wasm" | "js", for
 * comparisons); else js under DMFLOW_KERNEL=js or below RKC_WASM_FROM
 * components, wasm where it loads.
 */
export function rkcArithmetic(n: number, kind?: RkcArithmeticKind): RkcArithmetic {
  const env = environment();
  const forced = env.DMFLOW_RKC_ARITHMETIC;
  if (forced !== undefined && forced !== '' && forced !== 'js' && forced !== 'wasm') {
    throw new SolverOptionError('DMFLOW_RKC_ARITHMETIC', `DMFLOW_RKC_ARITHMETIC: expected "wasm" or "js", got ${JSON.stringify(forced)}`);
  }
  const want = kind ?? (forced === 'js' || forced === 'wasm' ? forced : env.DMFLOW_KERNEL === 'js' || n < RKC_WASM_FROM ? 'js' : 'wasm');
  return want === 'wasm' && wasmModule ? wasmArithmetic(n) : jsArithmetic(n);
}

function jsArithmetic(n: number): RkcArithmetic {
  return {
    kind: 'js',
    vector: () => new Float64Array(n),
    axpy(out, y, c, f) {
      for (let i = 0; i < n; i++) out[i] = y[i] + c * f[i];
    },
    stage(out, y, p1, p2, fj, f0, a, mu, nu, mt, gt) {
      for (let i = 0; i < n; i++) out[i] = a * y[i] + mu * p1[i] + nu * p2[i] + mt * fj[i] + gt * f0[i];
    },
    errorSum(y, y1, f0, f1, atol, rtol, c) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += scaledSquare(0.8 * (y[i] - y1[i]) + c * (f0[i] + f1[i]), atol[i], rtol, y[i], y1[i]);
      return sum;
    },
    diff(v, fv, f0) {
      let s2 = 0;
      for (let i = 0; i < n; i++) { v[i] = fv[i] - f0[i]; s2 += v[i] * v[i]; }
      return s2;
    },
    sumSquares(x) {
      let s2 = 0;
      for (let i = 0; i < n; i++) s2 += x[i] * x[i];
      return s2;
    },
  };
}

/**
 * The vectors are views of one instance's memory, grown once for the most
 * vectors a stepper takes (VECTORS): no later growth can detach them. A
 * vector's address in that memory is its byteOffset.
 */
const VECTORS = 12;

function wasmArithmetic(n: number): RkcArithmetic {
  const arena = new WasmArena(wasmModule!);
  const slots: number[] = [];
  for (let k = 0; k < VECTORS; k++) slots.push(arena.reserve(8 * n));
  // The kernels' scalars, in and out, pass through this block: a double argument
  // or result of a wasm call would be a heap number here, an allocation per call.
  const cAt = arena.reserve(8 * 8);
  arena.grow();
  const k = arena.exports;
  const c = arena.f64(cAt, 8);
  let used = 0;
  return {
    kind: 'wasm',
    vector() {
      if (used === VECTORS) throw new Error(`rkcArithmetic: more than ${VECTORS} vectors`);
      return arena.f64(slots[used++], n);
    },
    axpy(out, y, a, f) {
      c[0] = a;
      k.dmf_rkc_axpy(n, out.byteOffset, y.byteOffset, f.byteOffset, cAt);
    },
    stage(out, y, p1, p2, fj, f0, a, mu, nu, mt, gt) {
      c[0] = a; c[1] = mu; c[2] = nu; c[3] = mt; c[4] = gt;
      k.dmf_rkc_stage(n, out.byteOffset, y.byteOffset, p1.byteOffset, p2.byteOffset, fj.byteOffset, f0.byteOffset, cAt);
    },
    errorSum(y, y1, f0, f1, atol, rtol, h4) {
      c[0] = rtol; c[1] = h4;
      k.dmf_rkc_error(n, y.byteOffset, y1.byteOffset, f0.byteOffset, f1.byteOffset, atol.byteOffset, cAt);
      return c[2];
    },
    diff(v, fv, f0) {
      k.dmf_rkc_diff(n, v.byteOffset, fv.byteOffset, f0.byteOffset, cAt);
      return c[0];
    },
    sumSquares(x) {
      k.dmf_rkc_sumsq(n, x.byteOffset, cAt);
      return c[0];
    },
  };
}
