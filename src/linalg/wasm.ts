// dmflow's WebAssembly SIMD kernels (wasm/dmflow_kernels.c, built by
// wasm/build.mjs, shipped as wasm/dmflow_kernels.wasm): compiled once per
// process; each user gets its own instance, hence its own memory, which is
// grown once to what it needs and freed with the instance.

import { wasmBytes } from './wasmBytes.js';

// The few WebAssembly shapes used here, declared locally: tslab's TypeScript 5.0,
// which compiles these sources for the notebooks, has no WebAssembly types
// without the DOM library, and a cell importing them failed to compile.
export interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
export interface WasmGlobal { readonly value: unknown }
/** A compiled module (opaque here). */
export interface WasmModule { readonly __wasmModule?: never }
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export interface WasmExports {
  memory: WasmMemory;
  __heap_base: WasmGlobal;
  dmf_gemm_scratch(m: number, n: number, k: number): number;
  dmf_dgemm(
    ta: number, tb: number, m: number, n: number, k: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number, scratch: number,
  ): void;
  dmf_field(
    L: number, n: number, dims: number, offsets: number, pOff: number, P: number, y: number, dy: number,
    H: number, H2: number, nObs: number, obsIdx: number, tObs: number, scratch: number,
  ): number;
  /** The ensemble lanes' Dormand–Prince arithmetic (struct-of-arrays, two lanes per f64x2): see dmflow_kernels.c. */
  dmf_ens_stage1(n: number, L: number, upto: number, out: number, y: number, h: number, k1: number, c1: number): void;
  dmf_ens_stage(n: number, L: number, upto: number, out: number, y: number, h: number, m: number, k: number, c: number): void;
  dmf_ens_error(n: number, L: number, upto: number, h: number, atol: number, rtol: number, y: number, y1: number, k: number, c: number, err: number): void;
  /** Runge–Kutta–Chebyshev arithmetic (src/ode/rkcArithmetic.ts): see dmflow_kernels.c. */
  dmf_rkc_axpy(n: number, out: number, y: number, f: number, c: number): void;
  dmf_rkc_stage(n: number, out: number, y: number, p1: number, p2: number, fj: number, f0: number, c: number): void;
  dmf_rkc_error(n: number, y: number, y1: number, f0: number, f1: number, atol: number, c: number): void;
  dmf_rkc_diff(n: number, v: number, fv: number, f0: number, c: number): void;
  dmf_rkc_sumsq(n: number, x: number, c: number): void;
}

/** Bump allocation of 16-byte-aligned blocks after __heap_base, sized up front. */
export class WasmArena {
  readonly exports: WasmExports;
  private top: number;

  constructor(module: WasmModule) {
    this.exports = new wasmApi!.Instance(module, {}).exports as unknown as WasmExports;
    this.top = align(Number(this.exports.__heap_base.value));
  }

  /** Reserves bytes; returns the byte address. Call grow() before making views. */
  reserve(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
    return at;
  }

  /** Grows the memory to cover every reservation; views made afterwards stay valid. */
  grow(): void {
    const have = this.exports.memory.buffer.byteLength;
    if (this.top > have) this.exports.memory.grow(Math.ceil((this.top - have) / 65536));
  }

  f64(at: number, length: number): Float64Array { return new Float64Array(this.exports.memory.buffer, at, length); }
  i32(at: number, length: number): Int32Array { return new Int32Array(this.exports.memory.buffer, at, length); }
}

function align(x: number): number { return (x + 15) & ~15; }

/** Why the kernels did not load (for DMFLOW_KERNEL=wasm's error line); '' when they did. */
export let wasmLoadError = '';

function load(): WasmModule | null {
  if (!wasmApi) { wasmLoadError = 'this runtime has no WebAssembly'; return null; }
  const found = wasmBytes();
  if ('error' in found) { wasmLoadError = found.error; return null; }
  try {
    return new wasmApi.Module(found.bytes);
  } catch (e) {
    // An engine without SIMD rejects the module at compile time.
    wasmLoadError = `${found.source}: ${(e as Error).message}`;
    return null;
  }
}

/** The compiled kernels, or null when they cannot load here. */
export const wasmModule: WasmModule | null = load();
