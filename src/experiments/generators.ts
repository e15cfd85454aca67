// Generators inside a run spec: {"int": [lo, hi]}, {"uniform": [lo, hi]},
// {"logUniform": [lo, hi]}, {"oneOf": [v1, v2, ...]} at any depth. A template
// compiles to a list of integer leaves: an instance is a tuple of integers,
// each drawn uniformly from [0, size], and 0 stands for lo / the first option,
// so that shrinking every integer toward 0 shrinks the spec toward lo and the
// first option.

import { InputError, fieldPath } from '../model/errors.js';

/** Grid of a continuous generator: 2^20 + 1 points from lo to hi (relative resolution ~1e-6). */
export const CONTINUOUS_STEPS = 2 ** 20;

export const GENERATOR_KINDS = ['int', 'uniform', 'logUniform', 'oneOf'] as const;
export type GeneratorKind = (typeof GENERATOR_KINDS)[number];

/** A generator at a place whose values are of type T. */
export type GeneratorOf<T> =
  | { readonly int: readonly [number, number] }
  | { readonly uniform: readonly [number, number] }
  | { readonly logUniform: readonly [number, number] }
  | { readonly oneOf: readonly Generated<T>[] };

/** A value of type T in which any value, at any depth, may be a generator (a conjecture's "generate"). */
export type Generated<T> =
  | GeneratorOf<T>
  | (T extends readonly (infer U)[] ? readonly Generated<U>[] : T extends object ? { [K in keyof T]: Generated<T[K]> } : T);

export interface Leaf {
  kind: GeneratorKind;
  /** Where it sits, e.g. "generate.init.a". */
  place: string;
  /** Instances draw an integer from [0, size]. */
  size: number;
}

type Node =
  | { type: 'literal'; value: unknown }
  | { type: 'object'; entries: [string, Node][] }
  | { type: 'array'; items: Node[] }
  | { type: 'int'; leaf: number; lo: number }
  | { type: 'uniform'; leaf: number; lo: number; hi: number }
  | { type: 'logUniform'; leaf: number; lo: number; hi: number }
  | { type: 'oneOf'; leaf: number; options: Node[] };

export interface Template {
  leaves: Leaf[];
  /** The concrete spec for one tuple of leaf values. */
  materialize(values: readonly number[]): unknown;
}

function isGenerator(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
    Object.keys(value).some((k) => (GENERATOR_KINDS as readonly string[]).includes(k));
}

export function compileTemplate(value: unknown, root = 'generate'): Template {
  const leaves: Leaf[] = [];
  const node = compile(value, root, leaves);
  return { leaves, materialize: (values) => build(node, values) };
}

function compile(value: unknown, place: string, leaves: Leaf[]): Node {
  if (isGenerator(value)) return compileGenerator(value, place, leaves);
  if (Array.isArray(value)) return { type: 'array', items: value.map((v, i) => compile(v, `${place}[${i}]`, leaves)) };
  if (value !== null && typeof value === 'object') {
    return { type: 'object', entries: Object.entries(value).map(([k, v]) => [k, compile(v, fieldPath(place, [k]), leaves)]) };
  }
  return { type: 'literal', value };
}

function compileGenerator(g: Record<string, unknown>, place: string, leaves: Leaf[]): Node {
  const keys = Object.keys(g);
  if (keys.length !== 1) {
    throw new InputError(place, `expected a generator with one key (${GENERATOR_KINDS.join(', ')}), got keys ${keys.map((k) => `"${k}"`).join(', ')}`);
  }
  const kind = keys[0] as GeneratorKind;
  const args = g[kind];
  const where = fieldPath(place, [kind]);
  if (kind === 'oneOf') {
    if (!Array.isArray(args) || args.length === 0) throw new InputError(where, 'expected a non-empty array of values');
    const leaf = leaves.length;
    leaves.push({ kind, place, size: args.length - 1 });
    return { type: 'oneOf', leaf, options: args.map((v, i) => compile(v, `${where}[${i}]`, leaves)) };
  }
  if (!Array.isArray(args) || args.length !== 2 || !args.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InputError(where, `expected [lo, hi], two finite numbers, got ${JSON.stringify(args)}`);
  }
  const [lo, hi] = args as [number, number];
  if (lo > hi) throw new InputError(where, `expected lo <= hi, got lo = ${lo} > hi = ${hi}`);
  const leaf = leaves.length;
  if (kind === 'int') {
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new InputError(where, `expected integer bounds, got [${lo}, ${hi}]`);
    if (hi - lo > 0x7fffffff) throw new InputError(where, `expected hi - lo <= 2^31 - 1, got ${hi - lo}`);
    leaves.push({ kind, place, size: hi - lo });
    return { type: 'int', leaf, lo };
  }
  if (kind === 'logUniform' && !(lo > 0)) throw new InputError(where, `expected 0 < lo <= hi, got lo = ${lo}`);
  leaves.push({ kind, place, size: lo === hi ? 0 : CONTINUOUS_STEPS });
  return { type: kind, leaf, lo, hi };
}

function build(node: Node, values: readonly number[]): unknown {
  switch (node.type) {
    case 'literal': return node.value;
    case 'object': return Object.fromEntries(node.entries.map(([k, v]) => [k, build(v, values)]));
    case 'array': return node.items.map((v) => build(v, values));
    case 'int': return node.lo + values[node.leaf];
    case 'oneOf': return build(node.options[values[node.leaf]], values);
    case 'uniform': {
      const k = values[node.leaf];
      // The ends exactly: lo at 0, hi at the last grid point.
      return k === CONTINUOUS_STEPS ? node.hi : node.lo + (node.hi - node.lo) * (k / CONTINUOUS_STEPS);
    }
    case 'logUniform': {
      const k = values[node.leaf];
      if (k === 0) return node.lo;
      return k === CONTINUOUS_STEPS ? node.hi : node.lo * Math.exp(Math.log(node.hi / node.lo) * (k / CONTINUOUS_STEPS));
    }
  }
}

/**
 * Leaf tuples to validate before any run: every leaf at 0, at its top, at a
 * point inside (an irrational fraction of the grid, so a continuous
 * generator gives a non-integer), and each option of every oneOf.
 */
export function probeTuples(t: Template): number[][] {
  const at = (f: (l: Leaf) => number) => t.leaves.map(f);
  const tuples = [at(() => 0), at((l) => l.size), at((l) => (l.kind === 'int' || l.kind === 'oneOf' ? Math.floor(l.size / 2) : Math.floor(l.size * 0.38196601125)))];
  t.leaves.forEach((l, i) => {
    if (l.kind !== 'oneOf') return;
    for (let k = 1; k <= l.size; k++) tuples.push(t.leaves.map((_, j) => (j === i ? k : 0)));
  });
  return tuples;
}
