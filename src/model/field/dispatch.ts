// Which code path computes a problem's gradient-flow vector field (its
// FieldImpl): the native OpenBLAS products (blasField.ts), the WebAssembly
// SIMD kernels (wasmField.ts), straight-line code generated for small
// problems (unrolledField.ts), or the TypeScript loops (typescriptField.ts).
// Each runs on one kernel, the compute back-end a result reports (native,
// wasm or js). The rule and its thresholds live here and nowhere else.

import { nativeBlas, nativeLoadError } from '../../linalg/native.js';
import { wasmLoadError, wasmModule } from '../../linalg/wasm.js';
import { environment } from '../../platform/env.js';
import { InputError } from '../errors.js';
import { blasField } from './blasField.js';
import { typescriptField } from './typescriptField.js';
import { KERNEL_NAMES, type FieldImpl, type FieldProblem, type GradientField, type KernelName } from './types.js';
import { UNROLL_LIMIT, unrolledCost, unrolledField } from './unrolledField.js';
import { wasmField } from './wasmField.js';

/** Sides from which dense BLAS products beat the sparse TypeScript loops (bench/: rhs). */
export const BLAS_FROM_SIDE = 8;
/** Sides from which the wasm field beats the sparse TypeScript loops (bench/: rhs). */
export const WASM_FROM_SIDE = 8;

/**
 * The kernel DMFLOW_KERNEL forces, if any: "native" | "wasm" | "js". A forced
 * kernel that cannot load here is an input error (exit 2), never a silent fallback.
 */
export function forcedKernel(env: string | undefined = environment().DMFLOW_KERNEL): KernelName | null {
  if (env === undefined || env === '') return null;
  if (!(KERNEL_NAMES as readonly string[]).includes(env)) {
    throw new InputError('DMFLOW_KERNEL', `expected one of ${KERNEL_NAMES.join(', ')}, got ${JSON.stringify(env)}`);
  }
  const k = env as KernelName;
  if (k === 'native' && !nativeBlas) throw new InputError('DMFLOW_KERNEL', `expected a native binding that loads here, got: ${nativeLoadError}`);
  if (k === 'wasm' && !wasmModule) throw new InputError('DMFLOW_KERNEL', `expected WebAssembly kernels that load here, got: ${wasmLoadError}`);
  return k;
}

/**
 * The vector field of a problem. impl "auto" (default) follows DMFLOW_KERNEL
 * when set (native or wasm then serve every size); otherwise it takes the
 * native BLAS field when it loads and the largest layer side is >=
 * BLAS_FROM_SIDE, else the wasm field from WASM_FROM_SIDE, the generated
 * straight-line field for small problems (unrolledField.ts), else the
 * TypeScript loops. "blas" and "wasm" require their kernels.
 */
export function gradientField(problem: FieldProblem, impl: FieldImpl = 'auto'): GradientField {
  switch (fieldImplOf(problem, impl)) {
    case 'blas': return blasField(problem, nativeBlas!);
    case 'wasm': return wasmField(problem, wasmModule!);
    case 'unrolled': return unrolledField(problem);
    case 'typescript': return typescriptField(problem);
  }
}

/** Which code path gradientField(problem, impl) takes (the ensemble path runs only where it is "unrolled"). */
export function fieldImplOf(problem: FieldProblem, impl: FieldImpl = 'auto'): Exclude<FieldImpl, 'auto'> {
  if (impl === 'blas' && !nativeBlas) throw new Error(`gradientField: the native BLAS binding did not load (${nativeLoadError})`);
  if (impl === 'wasm' && !wasmModule) throw new Error(`gradientField: the wasm kernels did not load (${wasmLoadError})`);
  const forced = impl === 'auto' ? forcedKernel() : null;
  const side = Math.max(...problem.dims);
  if (impl === 'blas' || forced === 'native' || (impl === 'auto' && !forced && nativeBlas && side >= BLAS_FROM_SIDE)) return 'blas';
  if (impl === 'wasm' || forced === 'wasm' || (impl === 'auto' && !forced && wasmModule && side >= WASM_FROM_SIDE)) return 'wasm';
  if (impl === 'unrolled' || (impl === 'auto' && unrolledCost(problem) <= UNROLL_LIMIT)) return 'unrolled';
  return 'typescript';
}
