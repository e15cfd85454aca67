// What every vector-field kernel shares: the target values at the observed
// entries, and the counters its rhs updates (last loss, evaluations), exposed
// read-only as a GradientField.

import type { Rhs } from '../ode/types.js';

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
export function asGradientField(rhs: Rhs, state: FieldState, kernel: KernelName) {
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
