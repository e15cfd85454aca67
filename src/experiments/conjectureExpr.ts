// The `given` and `claim` of a conjecture: mathjs expressions over a run
// result's fields, the generated spec and the covering theorem's prediction.
// Checked before any run: syntax, every name, and every dotted field.

import { all, create, type MathNode } from 'mathjs';
import { normRatio, scaledNorm } from '../analysis/norms.js';
import { InputError } from '../model/errors.js';

/** Result fields in scope, and the fields of the ones that are objects. */
export const RESULT_FIELDS: Record<string, readonly string[] | null> = {
  status: null, message: null, t: null, loss: null, gradNorm: null, nfev: null, steps: null, rejected: null,
  matrix: null, singularValues: null, effectiveRank: null, reconstructionError: null, invariantDrift: null,
  coupling: ['index', 'decoupled', 'groups'],
  connectivity: ['connected', 'components'],
  // With verification (the default): the repeat at rtol/100 (src/experiments/verify.ts).
  sensitive: null,
  verification: ['rtol', 'atol', 'lossTol', 'distance', 'threshold', 'sensitive', 'message', 'repeat'],
};
/** Fields of `theorem` (TheoremLimit); anything below `details`. */
export const THEOREM_FIELDS = ['theorem', 'matrix', 'singularValues', 'zeroLoss', 'details'] as const;

/** ||a - b||_F / ||b||_F over all entries (||a - b||_F when b = 0). */
export function relerr(a: unknown, b: unknown): number {
  const x = flatNumbers(a, 'relerr'), y = flatNumbers(b, 'relerr');
  if (x.length !== y.length) throw new Error(`relerr: expected arguments of the same size, got ${x.length} and ${y.length} entries`);
  // Norms formed on scaled values (norms.ts): finite for entries up to the largest double.
  const diff = (i: number) => x[i] - y[i], ref = (i: number) => y[i];
  return scaledNorm(y.length, ref) > 0 ? normRatio(x.length, diff, ref) : scaledNorm(x.length, diff);
}

/** Numerical rank: how many singular values exceed tol times the largest. */
export function rank(sv: unknown, tol: unknown): number {
  const s = flatNumbers(sv, 'rank');
  if (typeof tol !== 'number' || !(tol >= 0)) throw new Error(`rank: expected a tolerance >= 0, got ${String(tol)}`);
  const top = s.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return s.filter((v) => Math.abs(v) > tol * top).length;
}

function flatNumbers(v: unknown, fn: string): number[] {
  const value = v !== null && typeof v === 'object' && 'toArray' in v ? (v as { toArray(): unknown }).toArray() : v;
  const out: number[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === 'number') out.push(x);
    else throw new Error(`${fn}: expected numbers, vectors or matrices, got ${x === null ? 'null' : typeof x}`);
  };
  walk(value);
  return out;
}

export type MathInstance = ReturnType<typeof create>;

let instance: MathInstance | null = null;
/** A mathjs instance with the helpers imported (created once). */
export function mathWithHelpers(): MathInstance {
  if (!instance) {
    instance = create(all);
    instance.import({ relerr, rank }, {});
  }
  return instance;
}

export interface CompiledExpression {
  text: string;
  /** Result fields, "spec" and "theorem" as used at the top level. */
  roots: Set<string>;
  /** Dotted fields the expression reads (longest chains), e.g. "coupling.decoupled". */
  fields: string[];
  evaluate(scope: object): unknown;
}

/**
 * Parse and check an expression. `specHas(path)` says whether the generated
 * spec has the dotted path (e.g. ["init", "a"]).
 */
export function compileExpression(text: string, place: string, specHas: (path: string[]) => boolean): CompiledExpression {
  const math = mathWithHelpers();
  let node: MathNode;
  try {
    node = math.parse(text);
  } catch (e) {
    throw new InputError(place, `expected a mathjs expression, got "${text}" (${(e as Error).message})`);
  }
  const roots = new Set<string>();
  const chains: string[][] = [];
  const objectsOfAccessors = new Set<MathNode>();
  const fnSymbols = new Set<MathNode>();
  node.traverse((n) => {
    if (n.type === 'AssignmentNode' || n.type === 'FunctionAssignmentNode') {
      throw new InputError(place, `expected an expression, got an assignment in "${text}"`);
    }
    if (n.type === 'AccessorNode') objectsOfAccessors.add((n as unknown as { object: MathNode }).object);
    if (n.type === 'FunctionNode') fnSymbols.add((n as unknown as { fn: MathNode }).fn);
  });
  node.traverse((n) => {
    if (n.type === 'SymbolNode') {
      const name = (n as unknown as { name: string }).name;
      const known = name in RESULT_FIELDS || name === 'spec' || name === 'theorem';
      if (!known && !(name in math)) throw new InputError(place, `unknown field or function "${name}" in "${text}"`);
      if (known) {
        if (fnSymbols.has(n)) throw new InputError(place, `"${name}" is a field, not a function, in "${text}"`);
        roots.add(name);
        if (!objectsOfAccessors.has(n)) chains.push([name]);
      }
    }
    if (n.type === 'AccessorNode' && !objectsOfAccessors.has(n)) {
      const chain = accessChain(n);
      if (chain) {
        checkChain(chain, place, text, specHas);
        chains.push(chain);
      }
    }
  });
  // `status == "converged"`: mathjs's == compares numbers, so compare strings as text.
  const fixed = node.transform((n) => {
    if (n.type !== 'OperatorNode') return n;
    const op = n as unknown as { fn: string; args: MathNode[] };
    if ((op.fn !== 'equal' && op.fn !== 'unequal') || !op.args.some((a) => a.type === 'ConstantNode' && typeof (a as unknown as { value: unknown }).value === 'string')) return n;
    const eq = new math.FunctionNode(new math.SymbolNode('equalText'), op.args);
    return op.fn === 'equal' ? eq : new math.OperatorNode('not', 'not', [eq]);
  });
  const code = fixed.compile();
  const fields = [...new Set(chains.filter((c) => c[0] !== 'spec').map((c) => c.join('.')))];
  return { text, roots, fields, evaluate: (scope) => code.evaluate(scope as Record<string, unknown>) };
}

/** [root, key, key, ...] of an accessor chain of constant keys; null where an index is computed or numeric. */
function accessChain(n: MathNode): string[] | null {
  const keys: string[] = [];
  let cur: MathNode = n;
  while (cur.type === 'AccessorNode') {
    const acc = cur as unknown as { object: MathNode; index: { isObjectProperty(): boolean; getObjectProperty(): string } };
    if (acc.index.isObjectProperty()) keys.unshift(acc.index.getObjectProperty());
    else keys.length = 0; // a numeric index: only what follows it is unchecked
    cur = acc.object;
  }
  if (cur.type !== 'SymbolNode') return null;
  const root = (cur as unknown as { name: string }).name;
  if (!(root in RESULT_FIELDS) && root !== 'spec' && root !== 'theorem') return null;
  // Stop at the first numeric index: keys after it index into arrays' elements.
  return [root, ...keys];
}

function checkChain(chain: string[], place: string, text: string, specHas: (path: string[]) => boolean): void {
  const [root, ...keys] = chain;
  if (keys.length === 0) return;
  const unknown = () => new InputError(place, `unknown field "${chain.join('.')}" in "${text}"`);
  if (root === 'spec') {
    if (!specHas(keys)) throw unknown();
    return;
  }
  if (root === 'theorem') {
    if (!(THEOREM_FIELDS as readonly string[]).includes(keys[0]) || (keys.length > 1 && keys[0] !== 'details')) throw unknown();
    return;
  }
  const sub = RESULT_FIELDS[root];
  if (!sub || !sub.includes(keys[0]) || keys.length > 1) throw unknown();
}
