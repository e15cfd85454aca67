// The gradient-flow equations derived symbolically with mathjs, for small
// explicit models: an independent derivation to hold the hand-written
// vector field against. The loss is f = 1/2 sum_{(i,j) in Omega} r_ij^2 with
// r_ij = (W_L...W_1)_ij - W*_ij; mathjs differentiates f in the residuals and
// each residual in the entries (the chain rule), giving dw/dt = -df/dw.

import { create, all, type MathNode } from 'mathjs';
import { InputError } from './errors.js';
import type { Problem } from './problem.js';
import { Rng } from './random.js';
import { gradientField } from './field/dispatch.js';

// Created on first use: a module-level create(all) would put all of mathjs
// into every bundle that imports this package, the explorer's included.
let mathInstance: ReturnType<typeof create> | null = null;
const mathjs = () => (mathInstance ??= create(all));

export const SYMBOLIC_LIMITS = { side: 4, depth: 3 };

export interface SymbolicOde {
  variables: string[];
  residuals: { name: string; text: string }[];
  equations: { variable: string; text: string; tex: string }[];
  /** The derived equations against the hand-written vector field at random points. */
  check: { points: number; maxRelDiff: number; pass: boolean };
  /** dC_l/dt = 0 for the balancedness invariants, and how it was confirmed. */
  invariants: { l: number; method: 'symbolic' | 'random points'; /** max |dC/dt| / (|W| |dW/dt| d) at the random points */ maxRel: number; pass: boolean }[];
}

/** w<l>_<i><j>, 1-based: W_l's entry (i, j). */
const varName = (l: number, i: number, j: number) => `w${l}_${i + 1}${j + 1}`;

const texHandler = (node: MathNode): string | undefined => {
  if (node.type !== 'SymbolNode') return undefined;
  const name = (node as unknown as { name: string }).name;
  const w = /^w(\d+)_(\d)(\d)$/.exec(name);
  // A leading space keeps a preceding \cdot a control word of its own.
  if (w) return ` w^{(${w[1]})}_{${w[2]}${w[3]}}`;
  const r = /^r_(\d)(\d)$/.exec(name);
  if (r) return ` r_{${r[1]}${r[2]}}`;
  return undefined;
};

export function symbolicOde(problem: Problem, options: { points?: number; seed?: number } = {}): SymbolicOde {
  const math = mathjs();
  const { dims, depth: L, n, offsets, obsRows, obsCols, target } = problem;
  if (Math.max(...dims) > SYMBOLIC_LIMITS.side) throw new InputError('spec', `expected a model with every side <= ${SYMBOLIC_LIMITS.side} for symbolic derivation, got sizes ${dims.join(', ')}`);
  if (L > SYMBOLIC_LIMITS.depth) throw new InputError('spec.depth', `expected depth <= ${SYMBOLIC_LIMITS.depth} for symbolic derivation, got ${L}`);
  const points = options.points ?? 5;
  const rng = new Rng(options.seed ?? 1);

  const variables: string[] = [];
  for (let l = 1; l <= L; l++) for (let i = 0; i < dims[l]; i++) for (let j = 0; j < dims[l - 1]; j++) variables.push(varName(l, i, j));

  // Entries of W_L...W_1 as sums of monomials.
  let prod: string[][][] = [];
  for (let i = 0; i < dims[1]; i++) { prod.push([]); for (let j = 0; j < n; j++) prod[i].push([varName(1, i, j)]); }
  for (let l = 2; l <= L; l++) {
    const next: string[][][] = [];
    for (let i = 0; i < dims[l]; i++) {
      next.push([]);
      for (let j = 0; j < n; j++) {
        const terms: string[] = [];
        for (let k = 0; k < dims[l - 1]; k++) for (const mono of prod[k][j]) terms.push(`${varName(l, i, k)} * ${mono}`);
        next[i].push(terms);
      }
    }
    prod = next;
  }

  const residuals = Array.from(obsRows, (i, p) => {
    const j = obsCols[p];
    const name = `r_${i + 1}${j + 1}`;
    const t = target[i * n + j];
    const text = `${prod[i][j].join(' + ')} - (${t})`;
    return { name, text, node: math.parse(text) };
  });
  const lossNode = math.parse(`1/2 * (${residuals.map((r) => `${r.name}^2`).join(' + ')})`);
  const dfdr = residuals.map((r) => math.derivative(lossNode, r.name));

  const equations = variables.map((v) => {
    // -df/dv = -sum_ij df/dr_ij * dr_ij/dv; mathjs simplifies each small factor
    // (simplifying the whole sum costs minutes at 4x4, depth 3).
    const parts: string[] = [];
    residuals.forEach((r, k) => {
      const drdv = math.simplify(math.derivative(r.node, v, { simplify: false })).toString();
      if (drdv === '0') return;
      const dfdrk = dfdr[k].toString();
      parts.push(drdv === '1' ? dfdrk : /[+-]/.test(drdv) ? `${dfdrk} * (${drdv})` : `${dfdrk} * ${drdv}`);
    });
    const rhs = math.parse(parts.length === 0 ? '0' : `-(${parts.join(' + ')})`);
    return { variable: v, node: rhs, text: `d${v}/dt = ${rhs.toString()}`, tex: `\\frac{d${texHandler(math.parse(v))}}{dt} = ${rhs.toTex({ handler: texHandler })}` };
  });
  const compiled = equations.map((e) => e.node.compile());
  const residualCompiled = residuals.map((r) => r.node.compile());

  const scopeAt = (y: Float64Array): Record<string, number> => {
    const scope: Record<string, number> = {};
    for (let l = 1; l <= L; l++) for (let i = 0; i < dims[l]; i++) for (let j = 0; j < dims[l - 1]; j++) scope[varName(l, i, j)] = y[offsets[l - 1] + i * dims[l - 1] + j];
    residuals.forEach((r, k) => { scope[r.name] = residualCompiled[k].evaluate(scope) as number; });
    return scope;
  };

  // 1. Derived equations vs the hand-written field.
  const field = gradientField(problem);
  const dy = new Float64Array(problem.y0.length);
  const randomState = () => Float64Array.from(problem.y0, () => rng.normal());
  let maxRelDiff = 0;
  for (let k = 0; k < points; k++) {
    const y = randomState();
    field.rhs(0, y, dy);
    const scope = scopeAt(y);
    let scale = 1e-300;
    for (const v of dy) scale = Math.max(scale, Math.abs(v));
    compiled.forEach((c, idx) => { maxRelDiff = Math.max(maxRelDiff, Math.abs((c.evaluate(scope) as number) - dy[idx]) / scale); });
  }

  // 2. dC_l/dt = sum_v dC_l/dv * dv/dt for every entry of C_l = W_{l+1}^T W_{l+1} - W_l W_l^T.
  const invariants: SymbolicOde['invariants'] = [];
  for (let l = 1; l < L; l++) {
    const d = dims[l];
    let symbolic = true;
    const rates: { compiled: ReturnType<MathNode['compile']> }[] = [];
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const up: string[] = [], down: string[] = [];
        for (let c = 0; c < dims[l + 1]; c++) up.push(`${varName(l + 1, c, a)} * ${varName(l + 1, c, b)}`);
        for (let c = 0; c < dims[l - 1]; c++) down.push(`${varName(l, a, c)} * ${varName(l, b, c)}`);
        const C = math.parse(`${up.join(' + ')} - (${down.join(' + ')})`);
        const terms: string[] = [];
        variables.forEach((v, idx) => {
          const dC = math.derivative(C, v).toString();
          if (dC !== '0') terms.push(`(${dC}) * (${equations[idx].node.toString()})`);
        });
        const expr = terms.length ? terms.join(' + ') : '0';
        // mathjs normalizes small polynomials only; larger ones are checked at random points.
        let zero = false;
        if (expr.length < 600) {
          try { zero = math.simplify(expr).toString() === '0'; } catch { zero = false; }
        }
        symbolic &&= zero;
        rates.push({ compiled: math.parse(expr).compile() });
      }
    }
    // Relative to the size of the terms that cancel: |W| |dW/dt| at the point.
    let maxRel = 0;
    for (let k = 0; k < points; k++) {
      const y = randomState();
      const scope = scopeAt(y);
      field.rhs(0, y, dy);
      let wMax = 0, vMax = 0;
      for (let i = 0; i < y.length; i++) { wMax = Math.max(wMax, Math.abs(y[i])); vMax = Math.max(vMax, Math.abs(dy[i])); }
      const scale = Math.max(1e-300, wMax * vMax * Math.max(...dims));
      for (const r of rates) maxRel = Math.max(maxRel, Math.abs(r.compiled.evaluate(scope) as number) / scale);
    }
    invariants.push({ l, method: symbolic ? 'symbolic' : 'random points', maxRel, pass: symbolic || maxRel < 1e-12 });
  }

  return {
    variables,
    residuals: residuals.map((r) => ({ name: r.name, text: `${r.name} = ${r.text}` })),
    equations: equations.map(({ variable, text, tex }) => ({ variable, text, tex })),
    check: { points, maxRelDiff, pass: maxRelDiff < 1e-12 },
    invariants,
  };
}
