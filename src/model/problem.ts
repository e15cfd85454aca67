// A validated spec becomes a Problem: dense target, observed index lists,
// layer dimensions and the initial state vector (all layers packed).

import { InputError } from './errors.js';
import { readSpecFile } from '../platform/files.js';
import { portableExp, portableLog, portablePow } from '../numeric/portableMath.js';
import { Rng } from './random.js';
import { checkMemory, checkPrintable, runNeeds, runPrintedChars, type ProblemShape } from './resources.js';
import { parseSpec, type InitSpec, type ObservedSpec, type ParsedSpec, type Spec, type TargetSpec } from './spec.js';
import { requireDeepModel } from './udv/spec.js';

export interface Problem {
  spec: ParsedSpec;
  /** Rows and columns of the target. */
  m: number;
  n: number;
  depth: number;
  /** d_0 = n, d_1..d_{L-1} hidden widths, d_L = m. Layer l is d_l x d_{l-1}. */
  dims: number[];
  /** Start of layer l (1-based: offsets[l-1]) in the packed state; offsets[L] = state length. */
  offsets: number[];
  /** Target, m x n row-major (unobserved entries included when known). */
  target: Float64Array;
  /** Observed entries, sorted row-major. */
  obsRows: Int32Array;
  obsCols: Int32Array;
  /** 0/1 mask, m x n row-major. */
  mask: Uint8Array;
  /** Initial packed state W_1, ..., W_L, each row-major. */
  y0: Float64Array;
}

export interface BuildOptions {
  /** Directory against which relative paths in the spec (from-result) are resolved. */
  baseDir?: string;
  /** Saved states a run will add to the spec's own (RunOptions): counted by the memory guard. */
  saveTimes?: number[];
  samples?: number;
  saveLayers?: boolean;
}

/** The shape of a validated spec, without allocating anything. */
export function problemShape(spec: Pick<ParsedSpec, 'target' | 'depth' | 'width'>): ProblemShape {
  const t = spec.target;
  const [m, n] = Array.isArray(t) ? [t.length, t[0].length] : t.size;
  return { m, n, depth: spec.depth, width: spec.width ?? Math.max(m, n), widthGiven: spec.width !== undefined };
}

/** Refuse, before allocating, a problem and run whose memory estimate is above the limit. */
export function checkRunMemory(spec: ParsedSpec, options: BuildOptions = {}): void {
  const shape = problemShape(spec);
  const saved = {
    times: spec.save.times.length + (options.saveTimes?.length ?? 0),
    samples: options.samples ?? spec.save.samples,
    layers: options.saveLayers ?? spec.save.layers,
  };
  // Name the flag when the saved states come from the command line.
  const renamed: Record<string, string | undefined> = {
    'save.samples': options.samples !== undefined ? '--samples' : 'spec.save.samples',
    'save.times': options.saveTimes?.length ? '--save-times' : 'spec.save.times',
    'save.layers': options.saveLayers ? '--save-layers' : 'spec.save.layers',
  };
  checkMemory(runNeeds(shape, saved).map((need) => ({ ...need, field: renamed[need.field] ?? need.field })));
  checkPrintable(options.samples !== undefined ? '--samples' : 'spec.target', 'the result', runPrintedChars(shape, saved));
}

/** Build a problem from a spec (validated here: a spec read from JSON may be passed as Spec after a cast). */
export function buildProblem(input: Spec, options: BuildOptions = {}): Problem {
  requireDeepModel(input, 'sweeps, the symbolic ODE, the theorem families and the coupling kernel cover');
  const spec = parseSpec(input);
  checkRunMemory(spec, options);
  const target = makeTarget(spec.target);
  const { m, n } = target;
  const mask = makeMask(spec.observed, m, n);
  const depth = spec.depth;
  const hidden = spec.width ?? Math.max(m, n);
  const dims = [n];
  for (let l = 1; l < depth; l++) dims.push(hidden);
  dims.push(m);
  const offsets = [0];
  for (let l = 1; l <= depth; l++) offsets.push(offsets[l - 1] + dims[l] * dims[l - 1]);
  const y0 = makeInit(spec.init, dims, offsets, options);
  const { obsRows, obsCols } = observedEntries(mask, m, n);
  return { spec, m, n, depth, dims, offsets, target: target.values, obsRows, obsCols, mask, y0 };
}

/** Row and column indices of the observed entries of an m x n 0/1 mask, row-major order. */
export function observedEntries(mask: Uint8Array, m: number, n: number): { obsRows: Int32Array; obsCols: Int32Array } {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i];
  const obsRows = new Int32Array(count);
  const obsCols = new Int32Array(count);
  for (let i = 0, k = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (mask[i * n + j]) { obsRows[k] = i; obsCols[k] = j; k++; }
    }
  }
  return { obsRows, obsCols };
}

function checkRectangular(rowsIn: number[][], field: string): { r: number; c: number } {
  const c = rowsIn[0].length;
  rowsIn.forEach((row, i) => {
    if (row.length !== c) throw new InputError(`${field}[${i}]`, `expected ${c} entries like row 0, got ${row.length}`);
  });
  return { r: rowsIn.length, c };
}

export function makeTarget(t: TargetSpec): { m: number; n: number; values: Float64Array } {
  if (Array.isArray(t)) {
    const { r, c } = checkRectangular(t, 'spec.target');
    return { m: r, n: c, values: Float64Array.from(t.flat()) };
  }
  const [m, n] = t.size;
  const values = new Float64Array(m * n);
  if (t.kind === 'ones') {
    values.fill(t.scale);
  } else {
    // U V^T / sqrt(r) with U (m x r), V (n x r) standard normal, U drawn first.
    const r = t.rank;
    if (r > Math.min(m, n)) throw new InputError('spec.target.rank', `expected at most min(m, n) = ${Math.min(m, n)}, got ${r}`);
    const rng = new Rng(t.seed);
    const U = new Float64Array(m * r);
    const V = new Float64Array(n * r);
    for (let i = 0; i < U.length; i++) U[i] = rng.normal();
    for (let i = 0; i < V.length; i++) V[i] = rng.normal();
    const s = 1 / Math.sqrt(r);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let k = 0; k < r; k++) acc += U[i * r + k] * V[j * r + k];
        values[i * n + j] = acc * s;
      }
    }
  }
  return { m, n, values };
}

export function makeMask(o: ObservedSpec, m: number, n: number): Uint8Array {
  const mask = new Uint8Array(m * n);
  if (Array.isArray(o)) {
    const { r, c } = checkRectangular(o, 'spec.observed');
    if (r !== m || c !== n) throw new InputError('spec.observed', `expected a ${m}x${n} mask like the target, got ${r}x${c}`);
    o.forEach((row, i) => row.forEach((v, j) => { mask[i * n + j] = v; }));
  } else if (o.kind === 'all') {
    mask.fill(1);
  } else if (o.kind === 'entries') {
    o.entries.forEach(([i, j], k) => {
      if (i >= m || j >= n) throw new InputError(`spec.observed.entries[${k}]`, `expected 0 <= i < ${m} and 0 <= j < ${n}, got [${i}, ${j}]`);
      mask[i * n + j] = 1;
    });
  } else if (o.kind === 'block-diagonal') {
    const total = o.blocks.reduce((a, b) => a + b, 0);
    if (m !== n || total !== m) throw new InputError('spec.observed.blocks', `expected block sizes summing to the side of a square target (${m}x${n}), got sum ${total}`);
    let start = 0;
    for (const q of o.blocks) {
      for (let i = start; i < start + q; i++) for (let j = start; j < start + q; j++) mask[i * n + j] = 1;
      start += q;
    }
  } else {
    // A seeded permutation of all entries, prefix of length count: the same
    // seed with a larger count observes a superset (nested masks).
    if (o.count > m * n) throw new InputError('spec.observed.count', `expected at most m*n = ${m * n}, got ${o.count}`);
    const perm = new Int32Array(m * n);
    for (let i = 0; i < perm.length; i++) perm[i] = i;
    const rng = new Rng(o.seed);
    for (let i = 0; i < o.count; i++) {
      const j = i + rng.below(perm.length - i);
      const tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp;
      mask[perm[i]] = 1;
    }
  }
  if (!mask.some((v) => v === 1)) throw new InputError('spec.observed', 'expected at least one observed entry, got an empty set');
  return mask;
}

export function makeInit(init: InitSpec, dims: number[], offsets: number[], options: BuildOptions = {}): Float64Array {
  const L = dims.length - 1;
  const y = new Float64Array(offsets[L]);
  if (init.kind === 'gaussian') {
    const std = init.std ?? productScaleStd(init.productScale as number, dims);
    const rng = new Rng(init.seed);
    for (let i = 0; i < y.length; i++) y[i] = std * rng.normal();
  } else if (init.kind === 'identity-plus-ones') {
    const a = perLayer(init.a, L, 'spec.init.a');
    const b = perLayer(init.b, L, 'spec.init.b');
    for (let l = 1; l <= L; l++) {
      const r = dims[l], c = dims[l - 1], o = offsets[l - 1];
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) y[o + i * c + j] = b[l - 1] + (i === j ? a[l - 1] : 0);
    }
  } else {
    const layers = init.kind === 'layers' ? init.layers : readLayers(init.path, options.baseDir);
    const field = init.kind === 'layers' ? 'spec.init.layers' : `spec.init.path (${init.path})`;
    if (layers.length !== L) throw new InputError(field, `expected ${L} layers (depth), got ${layers.length}`);
    layers.forEach((W, k) => {
      const r = dims[k + 1], c = dims[k];
      if (W.length !== r) throw new InputError(`${field}[${k}]`, `expected layer W_${k + 1} of shape ${r}x${c}, got ${W.length} rows`);
      const bad = W.findIndex((row) => row.length !== c);
      if (bad >= 0) {
        // A ragged layer names its first wrong row: "got 2x2" would hide it.
        const ragged = W.some((row) => row.length !== W[0].length);
        if (!ragged) throw new InputError(`${field}[${k}]`, `expected layer W_${k + 1} of shape ${r}x${c}, got ${W.length}x${W[0].length}`);
        throw new InputError(`${field}[${k}][${bad}]`, `expected layer W_${k + 1} of shape ${r}x${c} (${c} entries per row), got ${W[bad].length} entries in row ${bad}`);
      }
      y.set(W.flat(), offsets[k]);
    });
  }
  return y;
}

/**
 * The entry std s for which the product W = W_L...W_1 of layers with i.i.d.
 * N(0, s^2) entries has RMS entry `scale`: E||W||_F^2 / (m n) = scale^2.
 * E||W||_F^2 = s^(2L) m n d_1...d_{L-1} (docs/specs.md, "productScale"), so
 * s = scale^(1/L) (d_1...d_{L-1})^(-1/(2L)); the widths' product is taken in
 * logarithms so that wide, deep products do not overflow.
 */
export function productScaleStd(scale: number, dims: readonly number[]): number {
  const L = dims.length - 1;
  let logHidden = 0;
  for (let l = 1; l < L; l++) logHidden += portableLog(dims[l]);
  // scale^(1/L) first: at depth 1 (no hidden layer) the std is the scale exactly.
  return portablePow(scale, 1 / L) * portableExp(-logHidden / (2 * L));
}

function perLayer(v: number | number[], L: number, field: string): number[] {
  if (typeof v === 'number') return new Array<number>(L).fill(v);
  if (v.length !== L) throw new InputError(field, `expected one value per layer (${L}), got ${v.length}`);
  return v;
}

/** Layers saved by `dmflow run --save-layers` (a result JSON with "layers"). */
function readLayers(path: string, baseDir?: string): number[][][] {
  let data: unknown;
  try {
    data = JSON.parse(readSpecFile(path, baseDir, 'spec.init.path', 'a readable result JSON with "layers"'));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError('spec.init.path', `expected a readable result JSON with "layers", got ${(e as Error).message.split('\n')[0]}`);
  }
  const layers = (data as { layers?: unknown }).layers;
  const ok = Array.isArray(layers) && layers.every((W) => Array.isArray(W) && W.length > 0 && W.every((row: unknown) => Array.isArray(row) && row.every((x) => typeof x === 'number' && Number.isFinite(x))));
  if (!ok) throw new InputError('spec.init.path', `expected a result saved with --save-layers (finite "layers"), got none in ${path}`);
  return layers as number[][][];
}
