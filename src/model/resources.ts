// Resource guards: estimate what a command will allocate before it allocates
// it, and refuse (InputError, exit 2) when the estimate is above the memory
// limit, so that a huge target, width or sample count is one clear line and
// not "Invalid typed array length", a crash of the JavaScript heap or a kill.
// The estimates count the large buffers (8 bytes a float64; about 24 bytes a
// number in printed JSON and in JavaScript arrays) and are meant to be within
// a small factor, on the high side.

import { environment } from '../platform/env.js';
import { machineMemory as readMachineMemory } from '../platform/memory.js';
import { InputError } from './errors.js';

/** Default limit: this fraction of the machine's memory. */
export const DEFAULT_MEMORY_FRACTION = 0.5;

/** V8's longest string (2^29 - 24 characters in Node 20): printed results must fit in one. */
export const MAX_STRING_CHARS = 2 ** 29 - 24;

const UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, KB: 2 ** 10, M: 2 ** 20, MB: 2 ** 20, G: 2 ** 30, GB: 2 ** 30, T: 2 ** 40, TB: 2 ** 40 };

/** The machine's memory, read once (os.totalmem() reads /proc/meminfo on every call: 4% of a sweep of small cells). */
let machineMemory: number | undefined;

/** The memory limit in bytes: DMFLOW_MAX_MEMORY ("4G", "512M", "1e9"), else half the machine's memory. */
export function memoryLimit(env: Readonly<Record<string, string | undefined>> = environment()): number {
  const text = env.DMFLOW_MAX_MEMORY;
  if (text === undefined || text.trim() === '') return Math.floor(DEFAULT_MEMORY_FRACTION * (machineMemory ??= readMachineMemory()));
  const m = /^\s*([0-9.eE+]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2].toUpperCase()] : undefined;
  const value = m ? Number(m[1]) * (unit ?? NaN) : NaN;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InputError('DMFLOW_MAX_MEMORY', `expected a size such as 4G, 512M or 1e9 (bytes), got "${text}"`);
  }
  return value;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'an unbounded amount';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes, k = 0;
  while (v >= 1024 && k < units.length - 1) { v /= 1024; k++; }
  return k === 0 ? `${Math.round(v)} bytes` : `${v.toPrecision(3)} ${units[k]}`;
}

/** One part of an estimate: the field that drives it, and its bytes. */
export interface Need {
  field: string;
  what: string;
  bytes: number;
}

/** Refuse when the parts together exceed the limit, naming the largest part's field. */
export function checkMemory(needs: Need[], limit = memoryLimit()): void {
  const total = needs.reduce((s, n) => s + n.bytes, 0);
  if (total <= limit) return;
  const worst = needs.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  throw new InputError(worst.field, `needs about ${formatBytes(total)} (${worst.what}: ${formatBytes(worst.bytes)}), above the memory limit ${formatBytes(limit)}; ` +
    'reduce it, or raise the limit with DMFLOW_MAX_MEMORY (e.g. DMFLOW_MAX_MEMORY=16G)');
}

/** Refuse output that cannot be held in one JavaScript string. */
export function checkPrintable(field: string, what: string, chars: number): void {
  if (chars > MAX_STRING_CHARS) {
    throw new InputError(field, `${what} would print about ${formatBytes(chars)} of JSON, above JavaScript's longest string (${formatBytes(MAX_STRING_CHARS)})`);
  }
}

const F64 = 8;
/** A number in a JavaScript array and in printed JSON. */
const PRINTED = 24;

/** Shape of a problem, read from a validated spec without allocating it. */
export interface ProblemShape {
  m: number;
  n: number;
  depth: number;
  width: number;
  /** The width was set in the spec (else it defaults to max(m, n), and the target drives it). */
  widthGiven?: boolean;
}

/** State length and largest layer side of a problem shape, by arithmetic (a depth of 1e9 builds no list). */
export function stateLength(s: ProblemShape): { P: number; big: number } {
  const { m, n, depth: L, width: w } = s;
  if (L === 1) return { P: m * n, big: Math.max(m, n) };
  return { P: n * w + (L - 2) * w * w + w * m, big: Math.max(m, n, w) };
}

/** The field that makes the state large: the depth when the hidden layers dominate, else the width when given, else the target. */
function stateDriver(s: ProblemShape): string {
  const hidden = (s.depth - 2) * s.width * s.width;
  if (s.depth > 2 && hidden > (s.m + s.n) * s.width && hidden > s.m * s.n) return s.widthGiven && s.width > s.depth ? 'spec.width' : 'spec.depth';
  return s.depth > 1 && s.widthGiven && s.width > Math.max(s.m, s.n) ? 'spec.width' : 'spec.target';
}

/**
 * What a run of this shape allocates: problem, integrator, vector field,
 * coupling analysis, result, saved states (trajectory and samples: one state
 * each, kept until the end) and factors.
 */
export function runNeeds(s: ProblemShape, saved: { times: number; samples: number; layers: boolean }): Need[] {
  const { P, big } = stateLength(s);
  const { m, n, depth: L } = s;
  const mn = m * n, side = Math.max(m, n);
  const perState = P * F64 + Math.min(m, n) * PRINTED + 200;
  return [
    { field: 'spec.target', what: 'target, mask and printed result matrix', bytes: mn * (F64 + 1 + F64 + 2 * PRINTED) },
    { field: stateDriver(s), what: `state of ${P} parameters, integrator stages and vector-field products`, bytes: 20 * P * F64 + 4 * L * big * side * F64 },
    { field: 'spec.target', what: 'coupling analysis (Gram matrices of the partial products)', bytes: ((2 * L + 2) * (m * m + n * n) + 3 * mn) * F64 },
    { field: 'save.times', what: `${saved.times} saved trajectory states`, bytes: saved.times * perState },
    { field: 'save.samples', what: `${saved.samples} analysis samples`, bytes: saved.samples * (perState + 4 * Math.min(m, n) * PRINTED + 2 * F64) },
    { field: 'save.layers', what: 'printed factors', bytes: saved.layers ? P * PRINTED : 0 },
  ];
}

/** Characters of a printed run result: the matrix, and every saved sample's and state's numbers. */
export function runPrintedChars(s: ProblemShape, saved: { times: number; samples: number; layers: boolean }): number {
  const { P } = stateLength(s);
  const k = Math.min(s.m, s.n);
  return PRINTED * (s.m * s.n + (saved.times + saved.samples) * (k + 8) + (saved.layers ? P : 0));
}

/** `dmflow analyze`: problem, Gram matrices and pair-sum buffers; the dense kernels when asked. */
export function analyzeNeeds(s: ProblemShape, observed: number, dense: boolean): Need[] {
  const { m, n, depth: L } = s;
  // Suffix and prefix products A_l (m x d_l) and B_l (d_{l-1} x n).
  const products = (m + n) * (L === 1 ? 0 : (L - 1) * s.width) + m * m + n * n;
  return [
    { field: 'spec.target', what: 'target, mask and observed lists', bytes: m * n * (F64 + 1) + observed * 3 * PRINTED },
    { field: L > 1 && s.widthGiven ? 'spec.width' : 'spec.target', what: 'partial products, Gram matrices and pair sums', bytes: (products + (2 * L + 2) * (m * m + n * n) + 3 * m * n) * F64 },
    { field: '--tangent-kernel', what: `dense kernels (${m * n} x ${observed})`, bytes: dense ? m * n * observed * (F64 + 2 * PRINTED) : 0 },
  ];
}

/** GLRL: problem, the largest stage (rank up to maxRank), and the SVD of the m x n gradient each stage. */
export function glrlNeeds(m: number, n: number, maxRank: number): Need[] {
  return [
    { field: 'spec.target', what: 'target, mask, printed matrix and a dense SVD per stage', bytes: m * n * (F64 + 1 + 2 * PRINTED + 8 * F64) },
    { field: 'glrl.maxRank', what: `stages up to rank ${maxRank}: state, integrator stages and singular values`, bytes: maxRank * (20 * (m + n) * F64 + Math.min(m, n) * PRINTED) },
  ];
}

/** A sweep's bookkeeping: every cell's spec (a copy of the base) and key, held from the start. */
export function sweepNeeds(cells: number, baseChars: number, gridChars: number, field = 'sweep.grid'): Need[] {
  return [{ field, what: `${cells} cells, each a copy of the base spec`, bytes: cells * (4 * (baseChars + gridChars) + 400) }];
}

/** Refuse a sweep whose cell list (grid product x trials) would not fit, before expanding it. */
export function checkSweepMemory(sweep: { base: unknown; grid: Record<string, unknown[]>; trials: number }): void {
  let product = 1, gridChars = 0;
  for (const values of Object.values(sweep.grid)) {
    product *= values.length;
    gridChars += JSON.stringify(values).length / values.length;
  }
  const cells = product * sweep.trials;
  const field = sweep.trials > product ? 'sweep.trials' : 'sweep.grid';
  checkMemory(sweepNeeds(cells, JSON.stringify(sweep.base).length, gridChars, field));
}
