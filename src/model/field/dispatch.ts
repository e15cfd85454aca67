// Which kernel computes a problem's gradient-flow vector field: the native
// OpenBLAS products (blasField.ts), the WebAssembly SIMD kernels
// (wasmField.ts), straight-line code generated for small problems
// (unrolledField.ts), or the TypeScript loops (typescriptField.ts). The rule
// and its thresholds live here and nowhere else.

import { nativeBlas, nativeLoadError } from '../../linalg/native.js';
import { wasmLoadError, wasmModule } from '../../linalg/wasm.js';
import { environment } from '../../platform/env.js';
import { InputError } from '../errors.js';
import { blasField } from './blasField.js';
import { typescriptField } from './typescriptField.js';
import { KERNEL_NAMES, type FieldKernel, type FieldProblem, type GradientField, type KernelName } from './types.js';
import { UNROLL_LIMIT, unrolledCost, unrolledField } from './unrolledField.js';
import { wasmField } from './wasmField.js';

/** Sides from which dense BLAS products beat the sparse TypeScript kernels (bench/: rhs). */
export const BLAS_FROM_SIDE = 8;
/** Sides from which the wasm field beats the sparse TypeScript kernels (bench/: rhs). */
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
 * The vector field of a problem. kernel "auto" (default) follows DMFLOW_KERNEL
 * when set (native or wasm then serve every size); otherwise it takes the
 * native BLAS field when it loads and the largest layer side is >=
 * BLAS_FROM_SIDE, else the wasm field from WASM_FROM_SIDE, the generated
 * straight-line field for small problems (unrolledField.ts), else the
 * TypeScript loops. "blas" and "wasm" require their kernels.
 */
export function gradientField(problem: FieldProblem, kernel: FieldKernel = 'auto'): GradientField {
  switch (fieldKernelOf(problem, kernel)) {
    case 'blas': return blasField(problem, nativeBlas!);
    case 'wasm': return wasmField(problem, wasmModule!);
    case 'unrolled': return unrolledField(problem);
    case 'typescript': return typescriptField(problem);
  }
}

/** Which kernel gradientField(problem, kernel) uses (the ensemble path runs only where it is "unrolled"). */
export function fieldKernelOf(problem: FieldProblem, kernel: FieldKernel = 'auto'): Exclude<FieldKernel, 'auto'> {
  if (kernel === 'blas' && !nativeBlas) throw new Error(`gradientField: the native BLAS binding did not load (${nativeLoadError})`);
  if (kernel === 'wasm' && !wasmModule) throw new Error(`gradientField: the wasm kernels did not load (${wasmLoadError})`);
  const forced = kernel === 'auto' ? forcedKernel() : null;
  const side = Math.max(...problem.dims);
  if (kernel === 'blas' || forced === 'native' || (kernel === 'auto' && !forced && nativeBlas && side >= BLAS_FROM_SIDE)) return 'blas';
  if (kernel === 'wasm' || forced === 'wasm' || (kernel === 'auto' && !forced && wasmModule && side >= WASM_FROM_SIDE)) return 'wasm';
  if (kernel === 'unrolled' || (kernel === 'auto' && unrolledCost(problem) <= UNROLL_LIMIT)) return 'unrolled';
  return 'typescript';
}
