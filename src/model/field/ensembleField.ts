// The vector field of many small problems of one shape at once, for the
// ensemble integrator (src/ode/ensemble.ts): the lanes' states lie in
// struct-of-arrays layout (component i of lane l at i * L + l), and one call
// evaluates the field for every active lane. The body is the very text
// unrolledField.ts generates for one problem, wrapped in a loop over lanes
// with every state index i rewritten to i * L + lane, so each lane performs
// exactly the operations, in the same order, that the one-problem field
// performs: the results are bit-identical to it.

import { laneCount, type BatchRhs } from '../../ode/ensemble.js';
import { observedTargets, type FieldProblem } from './types.js';
import { unrolledBody, unrolledKey } from './unrolledField.js';

export interface EnsembleField {
  /** Evaluates the field for the lanes listed; writes each lane's loss into loss[lane]. */
  rhs: BatchRhs;
  /** Loss at each lane's state of the last evaluation. */
  readonly loss: Float64Array;
  /** Load a problem's observed targets into a lane (its shape must be the field's). */
  setProblem(lane: number, problem: FieldProblem): void;
  /** State length of one lane. */
  readonly n: number;
}

type BatchFactory = (scratch: Float64Array, loss: Float64Array, targets: Float64Array) => BatchRhs;
const factories = new Map<string, BatchFactory>();
const MAX_CACHED = 64;

/** The ensemble field of problems shaped like `problem`, for runEnsemble with `lanes` lanes. */
export function ensembleField(problem: FieldProblem, lanes: number): EnsembleField {
  const L = laneCount(lanes);
  const n = problem.offsets[problem.offsets.length - 1];
  const nObs = problem.obsRows.length;
  const { body, scratch } = unrolledBody(problem);
  const key = `${unrolledKey(problem)}|${L}`;
  let make = factories.get(key);
  if (!make) {
    // State index i of y and dy becomes i * L + lane (constants folded); the targets lie lane by lane.
    // \b keeps "dy[" from matching "y["; the body's other loads are of scratch (S) and locals.
    const laneBody = body
      .replace(/\b(d?y)\[(\d+)\]/g, (_m, a: string, i: string) => `${a}[${Number(i) * L} + lane]`)
      .replace(/\bdy\[i\]/g, 'dy[i * L + lane]')
      .replace(/\bt\[/g, 't[to + ')
      .replace(/\bst\.lastLoss = /g, 'lossOut[lane] = ');
    if (/\b(d?y)\[(?!\d+ \+ lane\]|i \* L)/.test(laneBody)) throw new Error('ensembleField: a state index the lane rewrite does not cover');
    const src = `return function batchRhs(count, lanes, y, dy) {\nconst L = ${L};\n` +
      `for (let q = 0; q < count; q++) {\nconst lane = lanes[q], to = lane * ${nObs};\n${laneBody}\n}\n};`;
    make = new Function('scratch', 'lossOut', 't', src) as BatchFactory;
    if (factories.size >= MAX_CACHED) factories.delete(factories.keys().next().value as string);
    factories.set(key, make);
  }
  const loss = new Float64Array(L).fill(NaN);
  const targets = new Float64Array(Math.max(1, L * nObs));
  return {
    rhs: make(new Float64Array(scratch), loss, targets),
    loss,
    n,
    setProblem(lane: number, p: FieldProblem): void {
      targets.set(observedTargets(p.target, p.n, p.obsRows, p.obsCols), lane * nObs);
    },
  };
}
