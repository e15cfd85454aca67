// The gradient-flow vector field of a small problem as straight-line code,
// generated once per problem: every index is a constant and every loop is
// unrolled, so V8 compiles one basic block with no loop or call overhead. For
// the thousands of tiny integrations of the effective-rank sweeps (2x2 and 3x3
// targets) this is several times faster than the general loops of
// typescriptField.ts, with the same arithmetic (the same products and sums, only
// grouped differently, so results agree to rounding).
//
// Same algorithm as typescriptField.ts (back-propagation; docs/coupling.md, "The flow"):
// P_l = W_l P_{l-1} forwards, the residual r at observed entries of
// W = W_L P_{L-1}, then dW_L = -G P_{L-1}^T and H_{L-1} = W_L^T G (G sparse),
// and dW_l = -H_l P_{l-1}^T, H_{l-1} = W_l^T H_l down to dW_1 = -H_1.

import type { Rhs } from '../../ode/types.js';
import { gemmLoops } from '../../linalg/gemm.js';
import { hessianVector } from './hessianVector.js';
import { asGradientField, newFieldState, observedTargets, type FieldProblem, type FieldState, type GradientField } from './types.js';

/**
 * Largest generated body, in multiply-adds; larger problems use the loops
 * of typescriptField.ts. Measured (bench: unrolled against typescript, 3x3 to 8x8, depths
 * 2-4): 1.1-6.6x faster up to ~900 multiply-adds, then 10x slower from ~1300,
 * where V8 stops optimizing the function.
 */
export const UNROLL_LIMIT = 800;

/** Multiply-adds of one evaluation (what the generated code would contain). */
export function unrolledCost(problem: FieldProblem): number {
  const { dims, depth: L, n, obsRows } = problem;
  let cost = 0;
  for (let l = 2; l <= L - 1; l++) cost += dims[l] * dims[l - 1] * n; // forward
  cost += 3 * obsRows.length * dims[L - 1]; // residual, dW_L, H_{L-1}
  for (let l = L - 1; l >= 2; l--) cost += 2 * dims[l] * dims[l - 1] * n; // backward
  return cost;
}

/**
 * Generated code depends only on the shapes and the observed pattern (targets
 * are read from an array), so problems that share them share one compiled
 * function, which V8 then optimizes once: a sweep compiles it once per cell shape.
 */
const factories = new Map<string, { make: Factory; scratch: number; body: string }>();
type Factory = (scratch: Float64Array, st: FieldState, t: Float64Array) => Rhs;
const MAX_CACHED = 256;

/** What the generated code depends on: the layer shapes and the observed pattern. */
export function unrolledKey(problem: FieldProblem): string {
  const { dims, offsets, obsRows, obsCols } = problem;
  return `${dims.join(',')}|${offsets.join(',')}|${obsRows.join(',')}|${obsCols.join(',')}`;
}

function entryOf(problem: FieldProblem): { make: Factory; scratch: number; body: string } {
  const key = unrolledKey(problem);
  let entry = factories.get(key);
  if (!entry) {
    entry = generate(problem);
    if (factories.size >= MAX_CACHED) factories.delete(factories.keys().next().value as string);
    factories.set(key, entry);
  }
  return entry;
}

export function unrolledField(problem: FieldProblem): GradientField {
  const { n, target, obsRows, obsCols } = problem;
  const entry = entryOf(problem);
  const state = newFieldState();
  return asGradientField(entry.make(new Float64Array(entry.scratch), state, observedTargets(target, n, obsRows, obsCols)), state, 'js', () => hessianVector(problem, gemmLoops), 'js');
}

/**
 * The generated body of a problem's rhs (without the evaluation counter) and
 * its scratch length: it reads y, t (observed targets) and S (scratch),
 * writes dy and st.lastLoss. The ensemble field (ensembleField.ts) wraps this
 * very text in a loop over lanes, so each lane performs the same operations.
 */
export function unrolledBody(problem: FieldProblem): { body: string; scratch: number } {
  const e = entryOf(problem);
  return { body: e.body, scratch: e.scratch };
}

function generate(problem: FieldProblem): { make: Factory; scratch: number; body: string } {
  const { dims, offsets, depth: L, n, obsRows, obsCols } = problem;
  const nObs = obsRows.length;
  const lines: string[] = [];
  const sum = (terms: string[]) => (terms.length ? terms.join(' + ') : '0');

  if (L === 1) {
    // W = W_1: dW_1 = -G.
    lines.push(`for (let i = 0; i < ${offsets[1]}; i++) dy[i] = 0;`, 'let loss = 0, r;');
    for (let p = 0; p < nObs; p++) {
      const idx = obsRows[p] * n + obsCols[p];
      lines.push(`r = y[${idx}] - t[${p}]; loss += r * r; dy[${idx}] = -r;`);
    }
    lines.push('st.lastLoss = 0.5 * loss;');
  } else {
    // Where P_l[k][j] lives: P_1 = W_1 inside y; P_l (l >= 2) in the scratch array S.
    const sOff: number[] = new Array(L + 1).fill(0);
    let sLen = 0;
    for (let l = 2; l <= L - 1; l++) { sOff[l] = sLen; sLen += dims[l] * n; }
    const Pref = (l: number, k: number, j: number) => (l === 1 ? `y[${offsets[0] + k * n + j}]` : `S[${sOff[l] + k * n + j}]`);
    const Wref = (l: number, i: number, k: number) => `y[${offsets[l - 1] + i * dims[l - 1] + k}]`;
    for (let l = 2; l <= L - 1; l++) {
      for (let i = 0; i < dims[l]; i++) for (let j = 0; j < n; j++) {
        const terms: string[] = [];
        for (let k = 0; k < dims[l - 1]; k++) terms.push(`${Wref(l, i, k)} * ${Pref(l - 1, k, j)}`);
        lines.push(`S[${sOff[l] + i * n + j}] = ${sum(terms)};`);
      }
    }
    const q = dims[L - 1];
    // Residuals at the observed entries.
    lines.push('let loss = 0;');
    for (let p = 0; p < nObs; p++) {
      const i = obsRows[p], j = obsCols[p];
      const terms: string[] = [];
      for (let k = 0; k < q; k++) terms.push(`${Wref(L, i, k)} * ${Pref(L - 1, k, j)}`);
      lines.push(`const r${p} = ${sum(terms)} - t[${p}]; loss += r${p} * r${p};`);
    }
    lines.push('st.lastLoss = 0.5 * loss;');
    // dW_L[i][k] = -sum_{j: (i,j) observed} r_ij P_{L-1}[k][j].
    for (let i = 0; i < dims[L]; i++) for (let k = 0; k < q; k++) {
      const terms: string[] = [];
      for (let p = 0; p < nObs; p++) if (obsRows[p] === i) terms.push(`r${p} * ${Pref(L - 1, k, obsCols[p])}`);
      lines.push(`dy[${offsets[L - 1] + i * q + k}] = -(${sum(terms)});`);
    }
    // H_{L-1}[k][j] = sum_{i: (i,j) observed} W_L[i][k] r_ij, as locals h_k_j.
    let H = (k: number, j: number) => `h${L - 1}_${k}_${j}`;
    for (let k = 0; k < q; k++) for (let j = 0; j < n; j++) {
      const terms: string[] = [];
      for (let p = 0; p < nObs; p++) if (obsCols[p] === j) terms.push(`${Wref(L, obsRows[p], k)} * r${p}`);
      lines.push(`const ${H(k, j)} = ${sum(terms)};`);
    }
    for (let l = L - 1; l >= 2; l--) {
      const dl = dims[l], dl1 = dims[l - 1];
      for (let i = 0; i < dl; i++) for (let k = 0; k < dl1; k++) {
        const terms: string[] = [];
        for (let j = 0; j < n; j++) terms.push(`${H(i, j)} * ${Pref(l - 1, k, j)}`);
        lines.push(`dy[${offsets[l - 1] + i * dl1 + k}] = -(${sum(terms)});`);
      }
      const Hl = H;
      const Hnext = (k: number, j: number) => `h${l - 1}_${k}_${j}`;
      for (let k = 0; k < dl1; k++) for (let j = 0; j < n; j++) {
        const terms: string[] = [];
        for (let i = 0; i < dl; i++) terms.push(`${Wref(l, i, k)} * ${Hl(i, j)}`);
        lines.push(`const ${Hnext(k, j)} = ${sum(terms)};`);
      }
      H = Hnext;
    }
    for (let k = 0; k < dims[1]; k++) for (let j = 0; j < n; j++) lines.push(`dy[${offsets[0] + k * n + j}] = -${H(k, j)};`);
    lines.unshift(`const S = scratch;`);
    return build(lines, Math.max(1, sLen));
  }
  return build(lines, 1);
}

function build(lines: string[], scratch: number): { make: Factory; scratch: number; body: string } {
  const body = lines.join('\n');
  const make = new Function('scratch', 'st', 't', `return function rhs(_t, y, dy) {\nst.evaluations++;\n${body}\n};`) as Factory;
  return { make, scratch, body };
}
