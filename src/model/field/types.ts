// What every vector-field kernel shares: the GradientField it returns, the
// problem fields it reads, the target values at the observed entries, and the
// counters its rhs updates (last loss, evaluations), exposed read-only. The
// kernels (one file each in this folder) import from here; dispatch.ts picks
// one; nothing here imports a kernel.

import type { Rhs } from '../../ode/types.js';
import type { Problem } from '../problem.js';

export interface GradientField {
  /** Writes -grad f(y) into dy; allocation-free. */
  rhs: Rhs;
  /** Loss at the state of the last rhs call. */
  readonly lastLoss: number;
  /** Number of rhs calls so far. */
  readonly evaluations: number;
  /** Which kernel family computes it: the native OpenBLAS binding, WebAssembly SIMD, or TypeScript. */
  readonly kernel: KernelName;
}

/** The problem's layer shapes and observations are all the field reads. */
export type FieldProblem = Pick<Problem, 'dims' | 'offsets' | 'depth' | 'n' | 'target' | 'obsRows' | 'obsCols'>;

export type FieldKernel = 'auto' | 'typescript' | 'unrolled' | 'blas' | 'wasm';


/** Written by a kernel's rhs on every call. */
export interface FieldState {
  lastLoss: number;
  evaluations: number;
}

export function newFieldState(): FieldState {
  return { lastLoss: NaN, evaluations: 0 };
}

/** The kernel families a run reports: OpenBLAS binding, WebAssembly SIMD, TypeScript. */
export const KERNEL_NAMES = ['native', 'wasm', 'js'] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** The kernel as the integrators and runs see it. */
export function asGradientField(rhs: Rhs, state: FieldState, kernel: KernelName): GradientField {
  return {
    rhs,
    kernel,
    get lastLoss() { return state.lastLoss; },
    get evaluations() { return state.evaluations; },
  };
}

/** Target values at the observed entries (row-major m x n target), contiguous. */
export function observedTargets(target: Float64Array, n: number, obsRows: Int32Array, obsCols: Int32Array): Float64Array {
  const t = new Float64Array(obsRows.length);
  for (let p = 0; p < t.length; p++) t[p] = target[obsRows[p] * n + obsCols[p]];
  return t;
}
