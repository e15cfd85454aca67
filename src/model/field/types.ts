// What every code path of the vector field shares: the GradientField it
// returns, the problem fields it reads, the target values at the observed
// entries, and the counters its rhs updates (last loss, evaluations), exposed
// read-only. The code paths (one file each in this folder) import from here;
// dispatch.ts picks one; nothing here imports one.

import type { Jvp, Rhs } from '../../ode/types.js';
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
  /**
   * The Jacobian of rhs times v: minus the exact Hessian-vector product of the
   * loss (hessianVector.ts), built on first use.
   */
  readonly jvp: Jvp;
  /** Hessian-vector products computed so far, and points linearized at (each about one evaluation). */
  readonly hessianProducts: number;
  readonly hessianLinearizations: number;
  /** Where the Hessian-vector products run: the native dgemm (blas), or TypeScript loops (every other code path). */
  readonly hessianKernel: 'native' | 'js';
}

/** Exact Hessian-vector products of the loss, as the Jacobian of the field (hessianVector.ts). */
export interface HessianVector {
  jvp: Jvp;
  /** Products computed (calls of jvp). */
  readonly products: number;
  /** Points linearized at (each one costs about one field evaluation). */
  readonly linearizations: number;
}

/** The problem's layer shapes and observations are all the field reads. */
export type FieldProblem = Pick<Problem, 'dims' | 'offsets' | 'depth' | 'n' | 'target' | 'obsRows' | 'obsCols'>;

/**
 * The field's code paths (dispatch.ts): "auto" chooses; "typescript" sparse
 * loops, "unrolled" generated straight-line code (both on the js kernel),
 * "blas" the native OpenBLAS binding, "wasm" the WebAssembly SIMD kernels.
 */
export type FieldImpl = 'auto' | 'typescript' | 'unrolled' | 'blas' | 'wasm';

/** Written by a code path's rhs on every call. */
export interface FieldState {
  lastLoss: number;
  evaluations: number;
}

export function newFieldState(): FieldState {
  return { lastLoss: NaN, evaluations: 0 };
}

/** The kernels (compute back-ends) a run reports and DMFLOW_KERNEL forces: OpenBLAS binding, WebAssembly SIMD, TypeScript. */
export const KERNEL_NAMES = ['native', 'wasm', 'js'] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/**
 * A code path's field as the integrators and runs see it; makeHessian builds its
 * Hessian-vector products on first use (most runs never ask for them).
 */
export function asGradientField(rhs: Rhs, state: FieldState, kernel: KernelName, makeHessian: () => HessianVector, hessianKernel: 'native' | 'js'): GradientField {
  let hv: HessianVector | null = null;
  const hessian = (): HessianVector => (hv ??= makeHessian());
  const jvp: Jvp = (t, y, v, out) => hessian().jvp(t, y, v, out);
  return {
    rhs,
    kernel,
    jvp,
    hessianKernel,
    get lastLoss() { return state.lastLoss; },
    get evaluations() { return state.evaluations; },
    get hessianProducts() { return hv?.products ?? 0; },
    get hessianLinearizations() { return hv?.linearizations ?? 0; },
  };
}

/** Target values at the observed entries (row-major m x n target), contiguous. */
export function observedTargets(target: Float64Array, n: number, obsRows: Int32Array, obsCols: Int32Array): Float64Array {
  const t = new Float64Array(obsRows.length);
  for (let p = 0; p < t.length; p++) t[p] = target[obsRows[p] * n + obsCols[p]];
  return t;
}
