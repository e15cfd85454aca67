// The gradient-flow vector field on the WebAssembly SIMD kernels
// (wasm/dmflow_kernels.c: dmf_field), for where the native binding is absent.
// The same products as blasField.ts. Its workspace (prefix products, H, the
// pack buffers, the observations) lives in the instance's memory; per call
// only y is copied in and dy out, O(parameters) against O(parameters * n)
// arithmetic. Its Hessian-vector products (hessianVector.ts) run in
// TypeScript loops: there is no wasm kernel for them.

import type { Rhs } from '../../ode/types.js';
import { WasmArena, type WasmModule } from '../../linalg/wasm.js';
import { gemmLoops } from '../../linalg/gemm.js';
import { hessianVector } from './hessianVector.js';
import { asGradientField, newFieldState, observedTargets, type FieldProblem, type GradientField } from './types.js';

export function wasmField(problem: FieldProblem, module: WasmModule): GradientField {
  const { dims, offsets, depth: L, n, target, obsRows, obsCols } = problem;
  const nObs = obsRows.length;
  const size = offsets[L];
  const arena = new WasmArena(module);
  const k = arena.exports;
  // P_l for l = 2..L, each d_l x n, at pOff[l] in one block.
  const pOff = new Int32Array(L + 1);
  let pLen = 0;
  for (let l = 2; l <= L; l++) { pOff[l] = pLen; pLen += dims[l] * n; }
  let hLen = 0, scratch = 0;
  for (let l = 1; l <= L; l++) {
    hLen = Math.max(hLen, dims[l] * n);
    if (l >= 2) {
      // The three products at layer l: forward d_l x n x d_{l-1}; backward d_l x d_{l-1} x n and d_{l-1} x n x d_l.
      scratch = Math.max(scratch, k.dmf_gemm_scratch(dims[l], n, dims[l - 1]), k.dmf_gemm_scratch(dims[l], dims[l - 1], n),
        k.dmf_gemm_scratch(dims[l - 1], n, dims[l]));
    }
  }
  const at = {
    dims: arena.reserve(4 * (L + 1)), offsets: arena.reserve(4 * (L + 1)), pOff: arena.reserve(4 * (L + 1)),
    P: arena.reserve(8 * Math.max(1, pLen)), y: arena.reserve(8 * size), dy: arena.reserve(8 * size),
    H: arena.reserve(8 * hLen), H2: arena.reserve(8 * hLen), obsIdx: arena.reserve(4 * nObs), tObs: arena.reserve(8 * nObs),
    scratch: arena.reserve(8 * scratch),
  };
  arena.grow();
  arena.i32(at.dims, L + 1).set(dims);
  arena.i32(at.offsets, L + 1).set(offsets.slice(0, L + 1));
  arena.i32(at.pOff, L + 1).set(pOff);
  const obsIdx = arena.i32(at.obsIdx, nObs);
  for (let p = 0; p < nObs; p++) obsIdx[p] = obsRows[p] * n + obsCols[p];
  arena.f64(at.tObs, nObs).set(observedTargets(target, n, obsRows, obsCols));
  const yIn = arena.f64(at.y, size);
  const dyOut = arena.f64(at.dy, size);
  const state = newFieldState();

  const rhs: Rhs = (_t, y, dy) => {
    state.evaluations++;
    yIn.set(y.length === size ? y : y.subarray(0, size));
    state.lastLoss = k.dmf_field(L, n, at.dims, at.offsets, at.pOff, at.P, at.y, at.dy, at.H, at.H2, nObs, at.obsIdx, at.tObs, at.scratch);
    dy.set(dyOut);
  };

  return asGradientField(rhs, state, 'wasm', () => hessianVector(problem, gemmLoops), 'js');
}
