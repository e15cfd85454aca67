// A validated udv/udu spec becomes a FactorProblem: the target and observed
// entries (as for the deep model), the factor layout in the packed state
// y = [U (m x k), d (k), V (n x k)] (udu: [U (n x k), d]), all row-major, and
// the constraint set as a list of balls over strided blocks of y.

import { InputError } from '../errors.js';
import { makeMask, makeTarget, observedEntries } from '../problem.js';
import { Rng } from '../random.js';
import { parseFactorSpec, type FactorInit, type FactorSpec, type ParsedFactorSpec } from './spec.js';

/** A ball ||y[start + i*stride], i < count|| <= radius. */
export interface Ball {
  start: number;
  stride: number;
  count: number;
  /** Which factor ("U" or "V") and, for column balls, which column. */
  factor: 'U' | 'V';
  column: number | null;
}

export interface FactorProblem {
  spec: ParsedFactorSpec;
  kind: 'udv' | 'udu';
  m: number;
  n: number;
  /** Columns of U and V (model.rank). */
  k: number;
  radius: number;
  /** Offsets of U, d, V in the packed state (V = U for udu) and its length. */
  offU: number;
  offD: number;
  offV: number;
  size: number;
  balls: Ball[];
  /** d >= 0 (udu). */
  nonnegativeD: boolean;
  target: Float64Array;
  obsRows: Int32Array;
  obsCols: Int32Array;
  mask: Uint8Array;
  /** Initial packed state, inside the constraint set. */
  y0: Float64Array;
}

export function buildFactorProblem(input: FactorSpec): FactorProblem {
  const spec = parseFactorSpec(input);
  const { m, n, values: target } = makeTarget(spec.target);
  const mask = makeMask(spec.observed, m, n);
  const kind = spec.model.kind;
  if (kind === 'udu') checkSymmetric(target, mask, m, n);
  const k = spec.model.rank ?? Math.min(m, n);
  const offU = 0, offD = m * k;
  const offV = kind === 'udu' ? 0 : offD + k;
  const size = kind === 'udu' ? offD + k : offV + n * k;
  const balls: Ball[] = [];
  const factors: ['U' | 'V', number, number][] = kind === 'udu' ? [['U', offU, m]] : [['U', offU, m], ['V', offV, n]];
  for (const [factor, start, r] of factors) {
    if (spec.model.ball === 'frobenius') balls.push({ start, stride: 1, count: r * k, factor, column: null });
    else for (let c = 0; c < k; c++) balls.push({ start: start + c, stride: k, count: r, factor, column: c });
  }
  const { obsRows, obsCols } = observedEntries(mask, m, n);
  const problem: FactorProblem = {
    spec, kind, m, n, k, radius: spec.model.radius, offU, offD, offV, size, balls, nonnegativeD: kind === 'udu',
    target, obsRows, obsCols, mask, y0: new Float64Array(size),
  };
  problem.y0 = makeFactorInit(spec.init, problem);
  return problem;
}

function checkSymmetric(target: Float64Array, mask: Uint8Array, m: number, n: number): void {
  if (m !== n) throw new InputError('spec.target', `expected a square target for model "udu", got ${m}x${n}`);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (mask[i * n + j] !== mask[j * n + i]) throw new InputError('spec.observed', `expected a symmetric mask for model "udu", got entry [${i}, ${j}] observed but not [${j}, ${i}] or the reverse`);
      if (mask[i * n + j] && target[i * n + j] !== target[j * n + i]) throw new InputError('spec.target', `expected a symmetric target for model "udu", got [${i}][${j}] = ${target[i * n + j]} and [${j}][${i}] = ${target[j * n + i]}`);
    }
  }
}

/** Sum of squares of a ball's block. */
export function ballNorm2(y: ArrayLike<number>, b: Ball): number {
  let s = 0;
  for (let i = 0, p = b.start; i < b.count; i++, p += b.stride) s += y[p] * y[p];
  return s;
}

/** Euclidean projection on the constraint set, in place: each ball's block scaled into it, d clipped at 0 (udu). */
export function projectOnConstraints(problem: Pick<FactorProblem, 'balls' | 'radius' | 'nonnegativeD' | 'offD' | 'k'>, y: Float64Array): void {
  const r = problem.radius;
  for (const b of problem.balls) {
    const norm = Math.sqrt(ballNorm2(y, b));
    if (norm > r) {
      const s = r / norm;
      for (let i = 0, p = b.start; i < b.count; i++, p += b.stride) y[p] *= s;
    }
  }
  if (problem.nonnegativeD) for (let c = 0; c < problem.k; c++) if (y[problem.offD + c] < 0) y[problem.offD + c] = 0;
}

function makeFactorInit(init: FactorInit, p: FactorProblem): Float64Array {
  const y = new Float64Array(p.size);
  const { m, n, k, offU, offD, offV } = p;
  if (init.kind === 'gaussian') {
    const rng = new Rng(init.seed);
    for (let i = 0; i < offD; i++) y[i] = init.std * rng.normal();
    for (let c = 0; c < k; c++) y[offD + c] = p.nonnegativeD ? Math.abs(init.std * rng.normal()) : init.std * rng.normal();
    if (p.kind === 'udv') for (let i = offV; i < p.size; i++) y[i] = init.std * rng.normal();
    projectOnConstraints(p, y);
    return y;
  }
  const want = p.kind === 'udu' ? 2 : 3;
  const field = 'spec.init.layers';
  if (init.layers.length !== want) throw new InputError(field, `expected ${want === 3 ? '[U, d, V]' : '[U, d]'} for model "${p.kind}", got ${init.layers.length} entries`);
  // Entries are rows (U, V) or numbers (d); read them as unknown[] and check which.
  const entry = (idx: number): unknown[] => init.layers[idx] as unknown[];
  const matrix = (idx: number, r: number, name: string, off: number) => {
    const A = entry(idx);
    const rowsOk = A.length === r && A.every((row) => Array.isArray(row) && row.length === k);
    if (!rowsOk) throw new InputError(`${field}[${idx}]`, `expected ${name} as ${r}x${k} rows (model.rank = ${k})`);
    A.forEach((row, i) => y.set(row as number[], off + i * k));
  };
  matrix(0, m, 'U', offU);
  const d = entry(1);
  if (d.length !== k || !d.every((x) => typeof x === 'number')) throw new InputError(`${field}[1]`, `expected d as ${k} numbers (model.rank)`);
  const dv = d as number[];
  if (p.nonnegativeD && dv.some((x) => x < 0)) throw new InputError(`${field}[1]`, 'expected d >= 0 for model "udu"');
  y.set(dv, offD);
  if (p.kind === 'udv') matrix(2, n, 'V', offV);
  for (const b of p.balls) {
    const norm = Math.sqrt(ballNorm2(y, b));
    if (norm > p.radius * (1 + 1e-12)) {
      throw new InputError(`${field}[${b.factor === 'U' ? 0 : 2}]`, `expected ${b.factor}${b.column === null ? '' : ` column ${b.column}`} in the ball of radius ${p.radius}, got norm ${norm}`);
    }
  }
  projectOnConstraints(p, y);
  return y;
}
